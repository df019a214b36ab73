"""Reading the site search's index (generator/site/search.py) as the browser's search script does.

Pagefind writes one fragment per indexed page, pagefind/fragment/*.pf_fragment: gzip of the 12
bytes "pagefind_dcd" followed by JSON (url, content, meta.title, anchors …). The build indexes
one Chinese character per word, so the text carries U+200B between characters; `text()` removes it.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

SIGNATURE = b"pagefind_dcd"


def decompress(data: bytes) -> bytes:
    """A Pagefind file's content, as its script reads it (gzip, then the signature)."""
    raw = gzip.decompress(data)
    assert raw.startswith(SIGNATURE), raw[:20]
    return raw[len(SIGNATURE) :]


def text(value: str) -> str:
    return value.replace("\u200b", "")


def fragments(site: Path) -> dict[str, dict[str, Any]]:
    """Every indexed page's fragment by its URL ("/clusters/x/"), as written (U+200B kept)."""
    found = {}
    for path in sorted((site / "pagefind" / "fragment").glob("*.pf_fragment")):
        fragment = json.loads(decompress(path.read_bytes()))
        assert fragment["url"] not in found, fragment["url"]
        found[fragment["url"]] = fragment
    return found


def index_files(site: Path) -> list[Path]:
    """The index proper: what a query may fetch besides the search program (entry, meta, chunks, fragments)."""
    folder = site / "pagefind"
    return sorted(
        [folder / "pagefind-entry.json", *folder.glob("*.pf_meta"), *folder.glob("index/*"), *folder.glob("fragment/*")]
    )
