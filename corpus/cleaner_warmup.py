"""Imported by the cleaners' fork server (its preload list): cleans one small page, so what
the cleaner loads lazily on its first page (jieba's dictionary, the claim lexicons and rule
base, the extractors' parsers and caches) is loaded once in the fork server and shared, copy
on write, by every cleaner forked from it, instead of once per cleaner. The page is then
stored, as a cleaner stores its batches, in a throwaway SQLite corpus: what SQLAlchemy sets up
on its first writes (mapper configuration, the attribute and event machinery, the SQL
compiler's lazily imported parts) is made here too, and not again in each cleaner; so are the
store calls the cleaners run for the crawl's Scrapy process (corpus.store_calls).

`gc.collect()` drops the warmup's garbage and `gc.freeze()` then moves what is left out of
the collector's reach, so a collection in a cleaner does not write to (and so copy) the pages
those objects live on.
"""

from __future__ import annotations

import gc
import tempfile
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from pathlib import Path

import justext.core
from trafilatura import external

import corpus.pool_writes
import corpus.search.backend  # noqa: F401  (the index the writes keep, NumPy with it)
from cleaning.claims.segment import tokenizer
from cleaning.extract.candidates import trafilatura_text
from cleaning.records import CleanResult
from corpus.commands.live import run_view
from corpus.fetches import FetchedPage, SkippedUrl
from corpus.incremental import known_pages, pages_of_run, store_if_unchanged
from corpus.ingest import clean_fetched, store_batch, store_skipped
from corpus.models import Base
from corpus.run_records import finish_run, hold_run, refresh_counts, start_run
from corpus.store import Store

WARMUP_PAGE = (
    "<html><head><meta charset='utf-8'><title>网贷逾期以后催收会上门吗</title></head><body>"
    "<div class='nav'><a href='/'>首页</a> <a href='/law/'>法律</a></div><article>"
    "<h1>网贷逾期以后催收会上门吗</h1><p class='meta'>2026-01-05 作者:张明</p>"
    + "<p>借款人逾期超过九十天后,平台可能委托第三方机构上门催收,"
    "催收人员不得在晚上十点以后打电话,也不得骚扰借款人的通讯录联系人。</p>"
    * 6
    + "</article><div class='footer'>关于我们 | 联系我们</div></body></html>"
)


def store_throwaway(page: FetchedPage, result: CleanResult | None) -> None:
    """Store the page twice (new, then unchanged) in a fresh SQLite corpus that is deleted
    afterwards; its engine is disposed, so no cleaner inherits a connection."""
    with tempfile.TemporaryDirectory(prefix="debtcorpus-warmup-") as folder:
        store = Store(str(Path(folder) / "warmup.db"))
        try:
            Base.metadata.create_all(store.engine)
            store_if_unchanged(store, page)
            store_batch(store, [(page, result)])
            store_if_unchanged(store, page)
            warm_store_calls(store, page.url)
        finally:
            store.dispose()


def warm_store_calls(store: Store, url: str) -> None:
    """What the cleaners run for the crawl's Scrapy process (corpus.store_calls), run once
    here, so that its modules and first calls' set-up are shared. Not the profiles' loading:
    pydantic (12 MB) is used by a short-lived worker at the crawl's start only."""
    run_id = start_run(store, None, [url], {})
    hold_run(store, run_id, 0, "warmup")
    skipped = SkippedUrl(f"{url}/skipped", "not-followed", None, run_id, 1, url, datetime.now(UTC))
    store_skipped(store, [skipped])
    known_pages(store, None)
    pages_of_run(store, run_id)
    refresh_counts(store, run_id, {})
    run_view(store, run_id)
    finish_run(store, run_id, "finished", {})


class SharedStoplist:
    """jusText's `define_stoplist` (which classify_paragraphs calls on every use), except
    for trafilatura's stoplist of every language: for that one, its lowered frozenset made
    of the stoplist's own words. jusText's get_stoplist lowers every word already, so the
    set is equal to what define_stoplist builds, but without its second copy of the 154k
    words (19 MB against 4 in one process; the pool of two cleaners, fork server included,
    ends a 600-page run about 10 MB smaller)."""

    def __init__(self, words: tuple[str, ...], define: Callable[[Hashable], frozenset[str]]):
        self.words = words
        self.lowered = frozenset(words)
        self.define = define

    def __call__(self, stoplist: Hashable) -> frozenset[str]:
        return self.lowered if stoplist is self.words else self.define(stoplist)


def share_stoplist() -> None:
    """Build trafilatura's jusText stoplist of every language (on its first fallback
    otherwise, in each cleaner) and have jusText use it lowered without a copy; a word that
    lowering would change (none in jusText 3.0) leaves jusText's own function in place."""
    words = external.JT_STOPLIST or external.jt_stoplist_init()
    define = justext.core.define_stoplist
    if isinstance(define, SharedStoplist):
        return
    if any(word.lower() != word for word in words):
        define(words)
        return
    justext.core.define_stoplist = SharedStoplist(words, define)


def warm() -> None:
    page = FetchedPage(
        url="http://127.0.0.1/warmup",
        final_url="http://127.0.0.1/warmup",
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=WARMUP_PAGE.encode(),
        fetched_at=datetime.now(UTC),
    )
    store_throwaway(page, clean_fetched(page))
    tokenizer()  # segmentation is used only for some clauses: load its dictionary anyway
    # trafilatura's own fallbacks run only when the candidates disagree, which the page above
    # does not make them do: run them once, and build jusText's stoplist of every language
    # (154k words, built on the first fallback) here rather than once per cleaner
    trafilatura_text(WARMUP_PAGE, page.url, fast=False)
    share_stoplist()
    gc.collect()
    gc.freeze()


warm()
