"""Run MkDocs for a given data folder and day, and replace the site folder only on success.

The build goes to a fresh folder beside the target; the target is swapped in only after MkDocs
finished without error or warning (strict), so a failed build never leaves a half-written site.
SOURCE_DATE_EPOCH is set from "today" so that two builds of the same data give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from generator.dataset import LoadResult
from generator.plugin import ClustersPlugin

SHANGHAI = ZoneInfo("Asia/Shanghai")


class SiteBuildFailed(Exception):
    pass


@contextmanager
def _build_environment(data_dir: Path, today: dt.date):
    """Pass --data/--today to the clusters plugin and pin the build date, then restore."""
    epoch = int(dt.datetime.combine(today, dt.time(), SHANGHAI).timestamp())
    values = {"CLUSTERS_DATA": str(data_dir.resolve()), "CLUSTERS_TODAY": today.isoformat(),
              "SOURCE_DATE_EPOCH": str(epoch), "NO_MKDOCS_2_WARNING": "1"}
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _log_to_stderr() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    logging.getLogger("mkdocs").addHandler(handler)
    return handler


def build_site(config_file: Path, data_dir: Path, site_dir: Path, today: dt.date,
               loaded: LoadResult | None = None) -> None:
    """Build into a temporary folder, then atomically-enough swap it in for `site_dir`.

    `loaded`: the records of data_dir as the caller has just loaded them for `today`, handed to
    the clusters plugin so that it does not read them again.
    """
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-", dir=site_dir.parent))
    handler = _log_to_stderr()
    try:
        with _build_environment(data_dir, today):
            config = load_config(str(config_file), site_dir=str(staging), strict=True)
            plugin = config.plugins.get("clusters")
            if loaded is not None and isinstance(plugin, ClustersPlugin):
                plugin.hand_over(data_dir, today, loaded)
            mkdocs_build(config)
    except (MkDocsException, SystemExit) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SiteBuildFailed(str(exc) or type(exc).__name__) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        site_dir.rename(old / "site")
    staging.rename(site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def serve_site(config_file: Path, data_dir: Path, dev_addr: str, today: dt.date) -> None:
    from mkdocs.commands.serve import serve

    _log_to_stderr()
    with _build_environment(data_dir, today):
        serve(str(config_file), dev_addr=dev_addr, livereload=True)
