"""README.md and manifest.json of a WARC export: what the files hold, how to read them,
where the pages came from, and the SHA-256 of every file."""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.export.card import CARD_FILE, COPYRIGHT_NOTE, MANIFEST_FILE, manifest_text, sha256_of


@dataclass(frozen=True)
class WarcFacts:
    tool_version: str
    warc_version: str
    filters: dict[str, Any]
    max_file_bytes: int
    crawl_runs: list[dict[str, Any]]
    record_counts: dict[str, int]
    pages: int
    # pages kept by the filters but not archived, by reason (a fetch with no HTTP response)
    not_archived: dict[str, int]
    # archived pages that debtcorpus itself had read from web archives, per source file
    warc_provenance: dict[str, int]
    file_names: tuple[str, ...]


def write_card_and_manifest(facts: WarcFacts, folder: Path) -> None:
    (folder / CARD_FILE).write_text(render_card(facts), encoding="utf-8")
    (folder / MANIFEST_FILE).write_text(manifest_text(build_manifest(facts, folder)), "utf-8")


def build_manifest(facts: WarcFacts, folder: Path) -> dict[str, Any]:
    files = sorted(path for path in folder.iterdir() if path.name != MANIFEST_FILE)
    return {
        "tool": "debtcorpus",
        "tool_version": facts.tool_version,
        "libraries": {"warcio": importlib.metadata.version("warcio")},
        "format": "warc",
        "warc_version": facts.warc_version,
        "filters": facts.filters,
        "max_file_bytes": facts.max_file_bytes,
        "crawl_runs": facts.crawl_runs,
        "pages": facts.pages,
        "not_archived": facts.not_archived,
        "record_counts": facts.record_counts,
        "warc_provenance": facts.warc_provenance,
        "warc_files": list(facts.file_names),
        "files": {
            path.name: {"sha256": sha256_of(path), "bytes": path.stat().st_size} for path in files
        },
    }


def render_card(facts: WarcFacts) -> str:
    sections = (
        intro_section(facts),
        records_section(facts),
        reading_section(facts),
        provenance_section(facts),
        f"## Copyright and use\n\n{COPYRIGHT_NOTE}\n",
    )
    return "\n".join(sections)


def intro_section(facts: WarcFacts) -> str:
    runs = ", ".join(
        f"{run['id']} ({run['site']}, {run['started_at']})" for run in facts.crawl_runs
    )
    return (
        "# debtcorpus web archive\n\n"
        f"The raw fetches of a debtcorpus corpus as WARC {facts.warc_version} files (ISO 28500), "
        f"written by debtcorpus {facts.tool_version} with warcio: {facts.pages} pages in "
        f"{len(facts.file_names)} files of at most about {facts.max_file_bytes:,} bytes, "
        "each record gzipped on its own.\n\n"
        f"- Crawl runs: {runs or 'none'}\n"
        "- Each file opens with a `warcinfo` record naming the tool, its version, these runs "
        "and the filters.\n"
    )


def records_section(facts: WarcFacts) -> str:
    lines = ["## Records", "", "| record type | count |", "|---|---|"]
    lines += [f"| `{kind}` | {count} |" for kind, count in facts.record_counts.items()]
    lines += [
        "",
        "- `response`: a fetch as stored, `WARC-Date` = the fetch time, `WARC-Target-URI` = "
        "the URL after redirects (`X-Debtcorpus-Requested-URI` holds the URL first asked "
        "for, `X-Debtcorpus-Site` the site profile). Bodies are stored decoded, so the "
        "`Content-Encoding` and `Transfer-Encoding` headers are left out and `Content-Length` "
        "is the body's.",
        "- `request`: the request as the crawler sent it, where the crawl kept it.",
        "- `revisit`: a `304 Not Modified` (profile server-not-modified) or a re-fetch of "
        "the same bytes (profile identical-payload-digest), referring to the earlier record.",
    ]
    if facts.not_archived:
        left_out = ", ".join(f"{reason}: {n}" for reason, n in facts.not_archived.items())
        lines += ["", f"Pages kept by the filters but not archived: {left_out}."]
    return "\n".join(lines) + "\n"


def reading_section(facts: WarcFacts) -> str:
    first = facts.file_names[0] if facts.file_names else "debtcorpus-00000.warc.gz"
    return (
        "## Reading\n\n```\n"
        f"warcio check {first}         # digests\n"
        f"warcio index {first}         # one JSON line per record\n"
        "debtcorpus ingest-warc *.warc.gz --db new.db   # rebuild a corpus\n"
        "```\n\n"
        "pywb, ReplayWeb.page and any other WARC reader open them as they are.\n"
    )


def provenance_section(facts: WarcFacts) -> str:
    def as_json(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    if facts.warc_provenance:
        total = sum(facts.warc_provenance.values())
        files = ", ".join(f"`{name}` ({n})" for name, n in facts.warc_provenance.items())
        sources = f"{total} pages were read from web archives by `ingest-warc`: {files}"
    else:
        sources = "every page was fetched by a debtcorpus crawl"
    return (
        "## How it was made\n\n"
        f"- Filters: `{as_json(facts.filters)}` (for WARC, the crawl dates are fetch times)\n"
        f"- Sources: {sources}\n"
        f"- `{MANIFEST_FILE}` holds the SHA-256 of every file.\n"
    )
