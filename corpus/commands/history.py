"""`debtcorpus history URL`: how an article's text and claims changed across re-crawls."""

from __future__ import annotations

import click

from corpus.commands.options import db_option
from corpus.history import ArticleHistory, Change, ClaimKey, Version, article_history
from corpus.store import open_store

STAMP = "%Y-%m-%d %H:%M:%S"
DIFF_COLOURS = {"+": "green", "-": "red", "@": "cyan"}


@click.command()
@click.argument("url")
@db_option
def history(url: str, db: str | None) -> None:
    """The dated diff of URL's text and claims across its stored revisions.

    Each change shows a unified diff of the text (one line per paragraph) and the claims
    added or removed, compared by (type, subtype, sentence). Times are UTC.
    """
    store = open_store(db)
    with store.session() as session:
        found = article_history(session, url)
    for line in history_lines(found):
        click.echo(_coloured(line))


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
