"""Pages a crawl fetched but could not store (disk full, database gone): kept on disk until
`crawl --resume` stores them, so a storage outage loses nothing that was fetched.

One JSON file per page under the run's spool folder, written atomically (temporary file, then
rename). The folder is DEBTCORPUS_SPOOL_DIR, else `$XDG_STATE_HOME/debtcorpus/spool` (by
default `~/.local/state/...`): not beside the database, whose disk may be the one that is full.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # at run time imported where a page is read back: the `debtcorpus crawl` parent imports
    # this module, and need not hold the write path while its crawl runs
    from corpus.fetches import FetchedPage

SPOOL_ENV_VAR = "DEBTCORPUS_SPOOL_DIR"


def spool_root(configured: str | None = None) -> Path:
    if configured or os.environ.get(SPOOL_ENV_VAR):
        return Path(configured or os.environ[SPOOL_ENV_VAR]).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "debtcorpus" / "spool"


def run_spool(db_url: str, run_id: int, configured: str | None = None) -> Path:
    """The spool folder of one run of one corpus."""
    corpus = hashlib.sha256(db_url.encode()).hexdigest()[:12]
    return spool_root(configured) / f"{corpus}-run-{run_id}"


def spool_page(folder: Path, page: FetchedPage) -> Path:
    """Write one fetched page to the spool; raises OSError when that fails too."""
    folder.mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = asdict(page)
    values["body"] = base64.b64encode(page.body).decode("ascii")
    values["fetched_at"] = page.fetched_at.isoformat()
    name = hashlib.sha256(f"{page.url}\n{values['fetched_at']}".encode()).hexdigest()[:24]
    target = folder / f"{name}.json"
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(values, ensure_ascii=False), "utf-8")
    os.replace(temporary, target)
    return target


def spooled_pages(folder: Path) -> Iterator[tuple[Path, FetchedPage]]:
    """The pages waiting in a spool folder, oldest fetch first."""
    from corpus.fetches import FetchedPage

    if not folder.is_dir():
        return
    entries = []
    for path in folder.glob("*.json"):
        values = json.loads(path.read_text("utf-8"))
        values["body"] = base64.b64decode(values["body"])
        values["fetched_at"] = datetime.fromisoformat(values["fetched_at"])
        values["redirects"] = tuple(values.get("redirects", ()))
        entries.append((path, FetchedPage(**values)))
    yield from sorted(entries, key=lambda entry: entry[1].fetched_at)
