"""Scoring main-text extraction on a gold folder, page by page and in site-grouped folds.

A folder holds pages/<id>.html (raw bytes), gold/<id>.txt and index.jsonl (id, url,
page_type, and optionally gold_date / gold_author, domain, source, lang). Our pipeline,
trafilatura alone and readability-lxml alone run side by side on every page, each scored by
bag-of-tokens precision, recall and F1; dates are also found by htmldate and trafilatura's
metadata, authors by trafilatura's metadata, in the same run.
"""

from __future__ import annotations

import hashlib
import json
import re
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import htmldate
import trafilatura
from readability import Document

from cleaning.decode import decode_html
from cleaning.extract.candidates import readability_text
from cleaning.extract.main_text import Rejection, extract
from cleaning.extract.scoring import TokenScore, token_f1
from corpus.errors import DataError
from corpus.progress import progress

OURS = "debtcorpus"
SYSTEMS = (OURS, "trafilatura", "readability")
DATE_SYSTEMS = (OURS, "htmldate", "trafilatura")
AUTHOR_SYSTEMS = (OURS, "trafilatura")
# Pages carry no fetch time; relative dates ("3天前") resolve against this fixed instant.
FETCHED_AT = datetime(2025, 6, 1)
_DECLARED_URL = re.compile(
    r"<link[^>]+rel=[\"']canonical[\"'][^>]+href=[\"'](https?://[^\"']+)"
    r"|<meta[^>]+property=[\"']og:url[\"'][^>]+content=[\"'](https?://[^\"']+)",
    re.I,
)


@dataclass(frozen=True)
class PageResult:
    id: str
    page_type: str
    source: str
    host: str
    scores: dict[str, TokenScore]
    # per system: right to the day / the credited person, None where the gold has none
    dates: dict[str, bool | None] = field(default_factory=dict)
    authors: dict[str, bool | None] = field(default_factory=dict)
    rejected: str | None = None
    lang: str | None = None


def load_index(folder: Path) -> list[dict[str, Any]]:
    """The index rows of a benchmark folder; a clear error when the layout is wrong."""
    index = folder / "index.jsonl"
    if not index.is_file() or not (folder / "pages").is_dir() or not (folder / "gold").is_dir():
        raise DataError(
            f"{folder} is not a benchmark folder: it needs index.jsonl, pages/ and gold/ "
            "(see shared/benchmarks/README.md)"
        )
    lines = index.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def inputs_digest(folder: Path) -> str:
    """SHA-256 over the index and every page and gold file, in name order: the data version
    a score was measured on."""
    digest = hashlib.sha256((folder / "index.jsonl").read_bytes())
    for sub in ("pages", "gold"):
        for path in sorted((folder / sub).iterdir()):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def page_host(row: dict[str, Any], html: str) -> str:
    """The site a page belongs to, for folds: its URL's host, else the index's `domain`,
    else the canonical or og:url the page declares; else the page is a site of its own."""
    url = row.get("url") or ""
    if not url and not row.get("domain"):
        declared = _DECLARED_URL.search(html)
        url = (declared.group(1) or declared.group(2)) if declared else ""
    host = urlsplit(url).hostname or row.get("domain") or f"page:{row['id']}"
    return re.sub(r"^(?:www|m|big5)\.", "", host.lower())


def same_day(found: datetime | str | None, gold: str) -> bool:
    """Right to the day; gold written to the month or year only (`2003-5`, `2018`) is
    compared at that precision."""
    parts = [int(part) for part in re.findall(r"\d+", gold)[:3]]
    if isinstance(found, str):
        found = _parse_iso_day(found)
    return found is not None and [found.year, found.month, found.day][: len(parts)] == parts


def _parse_iso_day(text: str) -> datetime | None:
    try:
        return datetime.strptime(text[:10], "%Y-%m-%d")
    except ValueError:
        return None


def is_date(gold: str | None) -> bool:
    """Gold dates the annotators could not find are written `UNKNWON`: nothing to score."""
    return bool(gold and re.search(r"\d{4}", gold))


def person_key(name: str | None) -> str:
    """Gold writes several people as `宋怡 杨志华` or `赵延东、风笑天`: separators do not count."""
    return re.sub(r"[\s、,，;；·/]+", "", name or "")


def same_author(found: str | None, gold: str) -> bool:
    return bool(found) and person_key(found) == person_key(gold)


@dataclass(frozen=True)
class _Found:
    """What each system found on one page."""

    texts: dict[str, str]
    dates: dict[str, datetime | str | None]
    authors: dict[str, str | None]
    rejected: str | None


def _run_systems(html: str, url: str, title_first: bool, gold_meta: bool = True) -> _Found:
    """Every system on one page; the library baselines for dates and authors only where
    there is gold to score them against (`gold_meta`) or a title to put first."""
    found = extract(html, url, FETCHED_AT)
    library = None
    if title_first or gold_meta:
        library = trafilatura.extract_metadata(html, default_url=url or None)
    texts = {
        OURS: "" if isinstance(found, Rejection) else found.text,
        "trafilatura": trafilatura.extract(html, url=url or None) or "",
        "readability": readability_text(html),
    }
    if title_first:
        titles = {
            OURS: None if isinstance(found, Rejection) else found.title,
            "trafilatura": library.title if library else None,
            "readability": _readability_title(html),
        }
        texts = {name: _with_title(titles[name], text) for name, text in texts.items()}
    ours_date = None
    if not isinstance(found, Rejection) and found.published:
        ours_date = found.published.value
    return _Found(
        texts=texts,
        dates={
            OURS: ours_date,
            "htmldate": (
                htmldate.find_date(html, url=url or None, original_date=True) if gold_meta else None
            ),
            "trafilatura": library.date if library else None,
        },
        authors={
            # the gold names the person the page credits: the author, else the editor
            OURS: None if isinstance(found, Rejection) else (found.author or found.editor),
            "trafilatura": library.author if library else None,
        },
        rejected=found.reason if isinstance(found, Rejection) else None,
    )


def _readability_title(html: str) -> str | None:
    try:
        return str(Document(html).short_title()) or None
    except Exception:  # readability raises bare Exceptions on odd markup
        return None


def _with_title(title: str | None, text: str) -> str:
    """The headline first, as gold that starts with the headline expects, unless the text
    already starts with it."""
    if not title or text.lstrip().startswith(title.strip()):
        return text
    return f"{title.strip()}\n{text}"


def score_page(folder: Path, row: dict[str, Any], title_first: bool = False) -> PageResult:
    """All systems on one page of a benchmark folder."""
    page_id = row["id"]
    raw = (folder / "pages" / f"{page_id}.html").read_bytes()
    gold = (folder / "gold" / f"{page_id}.txt").read_text(encoding="utf-8")
    html = decode_html(raw, None).text
    gold_meta = is_date(row.get("gold_date")) or bool(row.get("gold_author"))
    found = _run_systems(html, row.get("url") or "", title_first, gold_meta)
    result = PageResult(
        id=page_id,
        page_type=row.get("page_type", "article"),
        source=row.get("source", "").split(":")[0],
        host=page_host(row, html),
        lang=row.get("lang"),
        scores={name: token_f1(text, gold) for name, text in found.texts.items()},
        rejected=found.rejected,
    )
    dates: dict[str, bool | None] = dict.fromkeys(DATE_SYSTEMS)
    if is_date(row.get("gold_date")):
        dates = {name: same_day(found.dates[name], row["gold_date"]) for name in DATE_SYSTEMS}
    authors: dict[str, bool | None] = dict.fromkeys(AUTHOR_SYSTEMS)
    if row.get("gold_author"):
        authors = {
            name: same_author(found.authors[name], row["gold_author"]) for name in AUTHOR_SYSTEMS
        }
    return replace(result, dates=dates, authors=authors)


def _score_job(job: tuple[Path, dict[str, Any], bool]) -> PageResult:
    return score_page(*job)


def score_folder(folder: Path, workers: int = 2, title_first: bool = False) -> list[PageResult]:
    """Every page of a folder, scored in a process pool (order of the index kept)."""
    jobs = [(folder, row, title_first) for row in load_index(folder)]
    shown = f"scoring {folder.name}"
    if workers <= 1:
        return [_score_job(job) for job in progress(jobs, len(jobs), shown)]
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
    try:
        return list(progress(pool.map(_score_job, jobs, chunksize=4), len(jobs), shown))
    except BaseException:
        # Ctrl-C (or an error): stop the workers now instead of letting them score the rest
        for process in list((getattr(pool, "_processes", {}) or {}).values()):
            process.kill()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ignore_interrupts() -> None:
    """A worker leaves Ctrl-C to the main process, which stops it (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
