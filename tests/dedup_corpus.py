"""A small real SQLite corpus for the dedup and report tests: real article text (the gold
texts and seeds in ../shared, read at run time), edited copies, a stitched page, a
traditional-Chinese copy, and hostile scraped titles and text."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from corpus.dedup.farmset import SHARED, distinct, load_originals
from corpus.dedup.rewrite import block, paragraphs_of, rewrite_synonyms, to_traditional
from corpus.dedup.synthetic import edit_copy
from corpus.models import Article
from corpus.store import Store, open_store

SCRIPT_MARKER = "DEDUP-XSS-RAN"
HOSTILE_TEXT = (
    f'<script>document.title="{SCRIPT_MARKER}";document.body.id="{SCRIPT_MARKER}"</script>'
)
HOSTILE_TITLES = (
    "[原文](javascript:alert(1)) 微粒贷逾期",
    "![x](http://127.0.0.1:9/track.png) 借呗",
    '<img src="http://127.0.0.1:9/t.png" onerror="document.title=1"> 花呗',
    "`code` **bold** <https://evil.example/> www.evil.example",
    '=HYPERLINK("http://127.0.0.1:9","x")',
)
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def real_texts(count: int, skip: int = 0) -> list[str]:
    """Distinct real article texts from ../shared; the test is skipped without them."""
    if not (SHARED / "benchmarks").is_dir():
        pytest.skip(f"needs the shared benchmarks at {SHARED}")
    texts = [text for _, text in distinct(load_originals(SHARED))]
    return texts[skip : skip + count]


def add_article(store: Store, article_id: int, text: str, site: str, **extra: Any) -> None:
    seen = extra.pop("first_seen_at", datetime.now(UTC))
    with store.session() as session:
        session.add(
            Article(
                id=article_id,
                url=extra.pop("url", f"https://www.{site}:8080/a/{article_id}.html"),
                site=site,
                title=extra.pop("title", f"文章 {article_id}"),
                text=text,
                text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                extractor_version="test",
                first_seen_at=seen,
                last_seen_at=seen,
                **extra,
            )
        )


def build_corpus(path: Path, groups: int = 6) -> tuple[Store, dict[str, int]]:
    """Per group: an original on origin.cn (dated, confident), two later copies on farm
    sites, one traditional copy; plus one page stitching halves of groups 0 and 1. Copies are
    first seen before their originals. Returns the store and name -> article id."""
    rng = random.Random(11)
    store = open_store(str(path))
    ids: dict[str, int] = {}
    number = 0

    def add(name: str, text: str, site: str, days: int | None, **extra: Any) -> None:
        nonlocal number
        number += 1
        dated = {} if days is None else {"published_at": BASE_TIME + timedelta(days=days)}
        confidence = {"published_confidence": 1.0} if days is not None else {}
        seen = BASE_TIME + timedelta(days=300 - number)
        add_article(store, number, text, site, first_seen_at=seen, **dated, **confidence, **extra)
        ids[name] = number

    originals = real_texts(groups)
    for g, original in enumerate(originals):
        add(f"g{g}-copy1", edit_copy(original, rng), f"farm{g % 3}.com", g + 10,
            title=HOSTILE_TITLES[g % len(HOSTILE_TITLES)])  # fmt: skip
        add(f"g{g}-copy2", rewrite_synonyms(original, 0.2, rng), "copy.net", None)
        add(f"g{g}-trad", to_traditional(original), "tw.example.com", g + 20)
        add(f"g{g}", original, "origin.cn", g, site_name="源站")
    if groups >= 2:
        first, second = (block(paragraphs_of(t), 0.45, random.Random(1)) for t in originals[:2])
        stitched = "\n".join([*first, HOSTILE_TEXT, *second])
        add("stitched", stitched, "stitch.com", 40, title=HOSTILE_TEXT)
    return store, ids
