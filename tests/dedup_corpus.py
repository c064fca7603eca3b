"""A small real SQLite corpus for the dedup and report tests, built from the labelled set."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corpus.dedup_pairs import LabelledSet, build_labelled_set
from corpus.models import Article
from corpus.store import Store, open_store

SCRIPT_MARKER = "DEDUP-XSS-RAN"
HOSTILE_TEXT = (
    f'<script>document.title="{SCRIPT_MARKER}";document.body.id="{SCRIPT_MARKER}"</script>'
)
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def add_article(store: Store, article_id: int, text: str, site: str, **extra: Any) -> None:
    now = datetime.now(UTC)
    with store.session() as session:
        session.add(
            Article(
                id=article_id,
                url=extra.pop("url", f"https://{site}/a/{article_id}.html"),
                site=site,
                title=extra.pop("title", f"文章 {article_id}"),
                text=text,
                text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                extractor_version="test",
                first_seen_at=now,
                last_seen_at=now,
                **extra,
            )
        )


def build_corpus(path: Path, groups: int = 12) -> tuple[Store, LabelledSet, dict[str, int]]:
    """Labelled texts as articles (copies published after their originals, some citing the
    original's site as source), one carrying a <script> in its title and text and a masked gap."""
    labelled = build_labelled_set(originals=groups, seed=11)
    docs = [doc for doc in labelled.docs if not doc.id.startswith("site-")]
    store = open_store(str(path))
    ids: dict[str, int] = {}
    for number, doc in enumerate(docs, start=1):
        copy = not doc.id.endswith("-0")
        extra: dict[str, Any] = {"published_at": BASE_TIME + timedelta(days=number % 5 + 5 * copy)}
        if copy and number % 2:
            extra["source_url"] = "https://www.origin.cn/"
        text = doc.text
        if doc.id == f"{docs[0].group}-1":
            text = text.replace("\n", f"\n{HOSTILE_TEXT}\n", 1)
            extra["title"] = HOSTILE_TEXT
            position = text.index("\n") + 3
            extra["masked_gaps"] = [
                {"start": position, "end": position + 1, "kind": "space", "context": ""}
            ]
        site = "origin.cn" if not copy else doc.site
        add_article(store, number, text, site, url=f"https://{site}/a/{number}.html", **extra)
        ids[doc.id] = number
    return store, labelled, ids
