"""The MkDocs plugin `clusters`: loads data/, refuses invalid data, and hands MkDocs the pages.

With it, `mkdocs build` and `mkdocs serve` are the whole pipeline: staff get a live preview that
reloads when a record or schema changes. The pages themselves come from generator.pages, which
knows nothing of MkDocs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from generator import SCHEMAS_DIR
from generator.dataset import LoadResult, load_dataset
from generator.export import build_exports
from generator.lifecycle import GUIDELINE_IN_FORCE, guideline_lapsed
from generator.pages import render_pages
from generator.problems import Severity
from generator.tables import load_schemas

log = logging.getLogger("mkdocs.plugins.clusters")


class ClustersConfig(base.Config):
    data_dir = c.Type(str, default="data")
    today = c.Optional(c.Type(str))  # YYYY-MM-DD in Asia/Shanghai; default: the clock, read once here


class ClustersPlugin(BasePlugin[ClustersConfig]):
    def __init__(self) -> None:
        self.result: LoadResult | None = None
        self.today: dt.date | None = None
        self._handed_over: tuple[Path, dt.date, LoadResult] | None = None

    def hand_over(self, data_dir: Path, today: dt.date, result: LoadResult) -> None:
        """Records `clusters build` has just loaded and validated for this data folder and day:
        the next build uses them instead of reading every record file a second time (a tenth of
        a 5,000-cluster build, benchmarks/README.md). Used once; a rebuild reads the files again."""
        self._handed_over = (data_dir.resolve(), today, result)

    # Runs first, once per build: decide "today", load and validate the records, and stop the
    # build before anything is written if they are invalid.
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        from generator.cli import today_in_shanghai  # the clock is read at the edge only

        # `clusters build/serve --today/--data` pass their options through the environment.
        today = os.environ.get("CLUSTERS_TODAY") or self.config.today
        self.today = dt.date.fromisoformat(today) if today else today_in_shanghai()
        logging.getLogger("jieba").setLevel(logging.WARNING)  # the search plugin's segmenter chats on stderr
        data_dir = self._data_dir(config)
        handed_over, self._handed_over = self._handed_over, None
        if handed_over is not None and handed_over[:2] == (data_dir.resolve(), self.today):
            self.result = handed_over[2]
        else:
            self.result = load_dataset(data_dir, SCHEMAS_DIR, self.today)
        errors = [p for p in self.result.problems if p.severity is Severity.ERROR]
        if errors:
            for found in errors:
                log.error(found.format())
            raise PluginError(f"数据校验未通过（{len(errors)} 个错误），网站未生成。请先运行 clusters validate。")
        site = self.result.dataset.site
        base_url = site.values.get("base_url") if site else None
        if base_url and not config.site_url:
            # The published address (site.yaml) makes the 404 page, canonical links and the
            # sitemap correct wherever the site is hosted, e.g. under a GitHub Pages project path.
            config.site_url = base_url if base_url.endswith("/") else base_url + "/"
        config.extra["clusters"] = {
            "today": self.today.isoformat(),
            "data_changed": data_last_changed(data_dir),
            "guideline_until": GUIDELINE_IN_FORCE[1].isoformat(),
            "guideline_lapsed": guideline_lapsed(self.today),
            "site": dict(site.values) if site else {},
        }
        return config

    # Runs after MkDocs collected site_src/: add the generated pages; record pages are kept out
    # of the nav so that the nav (repeated on every page) does not grow with the records.
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.result is not None and self.today is not None
        dataset, schema_set = self.result.dataset, load_schemas(SCHEMAS_DIR)
        base_url = dataset.site.values.get("base_url") if dataset.site else None
        downloads = build_exports(dataset, schema_set, self.today, base_url)
        for export in downloads:  # open data, feeds and calendars are static files of the site
            files.append(File.generated(config, export.path, content=export.content))
        pages = render_pages(dataset, schema_set, self.today, downloads)
        for page in pages:
            inclusion = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
            existing = files.get_file_from_path(page.src_uri)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, page.src_uri, content=page.content, inclusion=inclusion))
        return files

    # Live preview: rebuild when a record or a schema changes.
    def on_serve(self, server, *, config: MkDocsConfig, builder):
        server.watch(str(self._data_dir(config)))
        server.watch(str(SCHEMAS_DIR))
        return server

    def _data_dir(self, config: MkDocsConfig) -> Path:
        path = Path(os.environ.get("CLUSTERS_DATA") or self.config.data_dir)
        return path if path.is_absolute() else Path(config.config_file_path).parent / path


def data_last_changed(data_dir: Path) -> str | None:
    """When the records last changed: the last commit touching data/, if this is a git checkout."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%cs", "--", "."], cwd=data_dir, capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
