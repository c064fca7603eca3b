"""`debtcorpus history URL`: how an article's text and claims changed across re-crawls."""

from __future__ import annotations

from typing import Any

import click

from corpus.commands.options import db_option
from corpus.commands.output import TABLE, output_option, write_object
from corpus.history import ArticleHistory, Change, ClaimKey, Version, article_history
from corpus.store import open_corpus

STAMP = "%Y-%m-%d %H:%M:%S"
DIFF_COLOURS = {"+": "green", "-": "red", "@": "cyan"}


@click.command()
@click.argument("url")
@output_option(tabular=False)
@db_option
def history(url: str, output: str, db: str | None) -> None:
    """The dated diff of URL's text and claims across its stored revisions.

    Each change shows a unified diff of the text (one line per paragraph) and the claims
    added or removed, compared by (type, subtype, sentence). Times are UTC.
    """
    store = open_corpus(db)
    with store.session() as session:
        found = article_history(session, url)
    if output != TABLE:
        write_object(history_record(found))
        return
    for line in history_lines(found):
        click.echo(_coloured(line))


def history_record(found: ArticleHistory) -> dict[str, Any]:
    """`history --json`: the versions (oldest first) and the changes between them."""
    return {
        "article_id": found.article_id,
        "url": found.url,
        "versions": [version_record(version) for version in found.versions],
        "changes": [
            {
                "detected_at": change.detected_at,
                "title_before": change.before.title,
                "title_after": change.after.title,
                "text_diff": change.text_diff,
                "claims_added": [claim_record(key) for key in change.claims_added],
                "claims_removed": [claim_record(key) for key in change.claims_removed],
            }
            for change in found.changes
        ],
    }


def version_record(version: Version) -> dict[str, Any]:
    return {
        "title": version.title,
        "first_seen": version.first_seen,
        "last_seen": version.last_seen,
        "page_id": version.page_id,
        "chars": len(version.text),
        "text": version.text,
        "claims": [claim_record(key) for key in sorted(version.claims, key=_sort_key)],
    }


def _sort_key(key: ClaimKey) -> tuple[str, ...]:
    return tuple(part or "" for part in key)


def claim_record(key: ClaimKey) -> dict[str, str]:
    kind, subtype, sentence = key
    return {"type": kind, "subtype": subtype, "sentence": sentence}


def history_lines(found: ArticleHistory) -> list[str]:
    count = len(found.changes)
    lines = [f"{found.url}  (article {found.article_id}: {len(found.versions)} version(s))"]
    lines += [version_line(number, v) for number, v in enumerate(found.versions, start=1)]
    if not count:
        lines.append("no changes recorded: every crawl saw the same text")
    for number, change in enumerate(found.changes, start=1):
        lines += ["", *change_lines(number, change)]
    return lines


def version_line(number: int, version: Version) -> str:
    span = f"{version.first_seen:{STAMP}} .. {version.last_seen:{STAMP}}"
    return (
        f"version {number}: seen {span} UTC, {len(version.text)} chars, "
        f"{len(version.claims)} claim(s), page {version.page_id or '-'}: {version.title or ''}"
    )


def change_lines(number: int, change: Change) -> list[str]:
    header = (
        f"== change {number}: detected {change.detected_at:{STAMP}} UTC "
        f"(old text last seen {change.before.last_seen:{STAMP}} UTC)"
    )
    if change.before.title != change.after.title:
        header += f"\n   title: {change.before.title!r} -> {change.after.title!r}"
    lines = [header, *(change.text_diff or ["   (same text)"])]
    lines += claim_lines("added", "+", change.claims_added)
    lines += claim_lines("removed", "-", change.claims_removed)
    return lines


def claim_lines(what: str, sign: str, claims: list[ClaimKey]) -> list[str]:
    if not claims:
        return [f"claims {what}: none"]
    listed = [f"{sign} [{kind}/{subtype or '-'}] {sentence}" for kind, subtype, sentence in claims]
    return [f"claims {what} ({len(claims)}):", *listed]


def _coloured(line: str) -> str:
    if line.startswith(("+++", "---")):
        return click.style(line, bold=True)
    colour = DIFF_COLOURS.get(line[:1])
    return click.style(line, fg=colour) if colour else line
