"""The crawler's components in process, each with a crawler built in the test (Scrapy's
get_crawler): scope and redirect guards, Retry-After, the spider's records of what it did not
fetch, and the pipeline's storage retries, spool and cleaner timeout."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from sqlalchemy import event, select, text
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from corpus.cleaner_pool import clean_safely
from corpus.ingest import FetchedPage, SkippedUrl
from corpus.models import Page, SkippedUrlRow
from corpus.pool_writes import StoreJob, WorkItem, clean_and_store, worker_store
from corpus.profiles import adhoc_profile
from corpus.spool import run_spool, spooled_pages
from corpus.store import Store, open_store
from crawler.guards import RetryAfter, ScopeGuard, Skip
from crawler.middlewares import IN_CORPUS, CorpusMiddleware
from crawler.pipelines import STORE_FAILED, CorpusPipeline
from crawler.spiders.article import ArticleSpider

BASE = "http://127.0.0.1:8765"
ARTICLE = (
    "<html><head><title>微粒贷逾期了催收会上门吗</title></head><body><article>"
    "<h1>微粒贷逾期了催收会上门吗</h1>"
    + "<p>微粒贷逾期以后,平台一般先通过短信和电话提醒借款人还款,"
    "逾期超过九十天才可能委托第三方机构。"
    "第三方机构上门之前会先电话联系,借款人应当核实对方身份并保留通话录音。</p>"
    * 4
    + "</article></body></html>"
)


def make_crawler(**settings: Any) -> Any:
    crawler = get_crawler(ArticleSpider, {"DEBTCORPUS_DB": None, **settings})
    crawler.spider = crawler._create_spider(profile=adhoc_profile([f"{BASE}/"]), run_id=1)
    return crawler


def test_scope_guard_stops_every_request_outside_the_scope() -> None:
    guard = ScopeGuard(make_crawler())
    assert guard.process_request(Request(f"{BASE}/a")) is None
    with pytest.raises(Skip) as off_site:
        guard.process_request(Request("http://localhost:8765/a"))
    assert off_site.value.reason == "off-site"
    redirected = Request("http://localhost:8765/a", meta={"redirect_urls": [f"{BASE}/r"]})
    with pytest.raises(Skip) as off_site_redirect:
        guard.process_request(redirected)
    assert off_site_redirect.value.reason == "off-site-redirect"
    with pytest.raises(Skip) as too_deep:
        guard.process_request(Request(f"{BASE}/deep", meta={"depth": 3}))
    assert too_deep.value.reason == "depth-limit"


def test_scope_guard_stops_redirect_loops_and_passes_other_redirects() -> None:
    guard = ScopeGuard(make_crawler())
    back = Request(f"{BASE}/a?utm_source=x", meta={"redirect_urls": [f"{BASE}/a", f"{BASE}/b"]})
    with pytest.raises(Skip) as loop:
        guard.process_request(back)
    assert loop.value.reason == "redirect-loop"
    onward = Request(f"{BASE}/c", meta={"redirect_urls": [f"{BASE}/a", f"{BASE}/b"]})
    assert guard.process_request(onward) is None


def test_a_retry_after_past_the_cap_is_kept_not_retried() -> None:
    middleware = RetryAfter(make_crawler(DEBTCORPUS_MAX_RETRY_AFTER=60))
    request = Request(f"{BASE}/busy")
    busy = Response(f"{BASE}/busy", status=429, headers={"Retry-After": "999999"})
    assert middleware.process_response(request, busy) is busy
    assert request.meta["dont_retry"] is True


def test_a_429_without_retry_after_backs_off() -> None:
    middleware = RetryAfter(make_crawler(DEBTCORPUS_RETRY_BACKOFF=0.5))
    request = Request(f"{BASE}/busy", meta={"retry_times": 1})
    retry = middleware.process_response(request, Response(f"{BASE}/busy", status=429))
    assert isinstance(retry, Request)
    wait = middleware.not_before["127.0.0.1:8765"] - time.monotonic()
    assert 0.8 < wait <= 1.0


def test_retry_after_delays_the_retry_and_the_host() -> None:
    middleware = RetryAfter(make_crawler())
    request = Request(f"{BASE}/busy")
    busy = Response(f"{BASE}/busy", status=429, headers={"Retry-After": "1"})
    retry = middleware.process_response(request, busy)
    assert isinstance(retry, Request) and retry.dont_filter
    started = time.monotonic()
    asyncio.run(middleware.process_request(Request(f"{BASE}/other")))
    assert time.monotonic() - started >= 0.95
    fine = Response(f"{BASE}/x", status=200)
    assert middleware.process_response(request, fine) is fine


def test_the_spider_records_links_it_does_not_follow() -> None:
    spider = make_crawler().spider
    links = (
        '<a href="/story?utm_source=wechat">a</a><a href="http://localhost:8765/x">b</a>'
        '<a href="/story/">c</a>'
    )
    page = HtmlResponse(
        f"{BASE}/", body=f"<html><body>{links}</body></html>".encode(), encoding="utf-8"
    )
    page.request = Request(f"{BASE}/", meta={"depth": 0})
    outputs = list(spider.follow_links(page))
    requests = [o.url for o in outputs if isinstance(o, Request)]
    skipped = [(o.url, o.reason, o.source_url) for o in outputs if isinstance(o, SkippedUrl)]
    assert requests == [f"{BASE}/story", f"{BASE}/story/"]
    assert skipped == [("http://localhost:8765/x", "off-site", f"{BASE}/")]


def _failure(exception: Exception, request: Request) -> Failure:
    failure = Failure(exception)
    failure.request = request  # type: ignore[attr-defined]
    return failure


def test_the_spider_turns_failures_into_rows_with_reasons() -> None:
    spider = make_crawler().spider
    robots = list(spider.on_error(_failure(Skip("robots-forbidden"), Request(f"{BASE}/p"))))
    assert [(r.url, r.reason) for r in robots if isinstance(r, SkippedUrl)] == [
        (f"{BASE}/p", "robots-forbidden")
    ]
    dns = list(spider.on_error(_failure(DNSLookupError("x"), Request(f"{BASE}/d"))))
    assert [(p.url, p.error) for p in dns if isinstance(p, FetchedPage)] == [(f"{BASE}/d", "dns")]
    hop = Request(f"{BASE}/b", meta={"redirect_urls": [f"{BASE}/a"]})
    loop = list(spider.on_error(_failure(Skip("redirect-loop"), hop)))
    assert [(p.url, p.final_url, p.error) for p in loop if isinstance(p, FetchedPage)] == [
        (f"{BASE}/a", f"{BASE}/b", "redirect-loop")
    ]


def page(url: str) -> FetchedPage:
    headers = {"content-type": "text/html; charset=utf-8"}
    return FetchedPage(
        url, url, 200, headers, ARTICLE.encode(), datetime.now(UTC), "s", 0, crawl_run_id=1
    )


def run_pipeline(crawler: Any, *items: FetchedPage | SkippedUrl) -> CorpusPipeline:
    pipeline = CorpusPipeline(crawler)

    async def go() -> None:
        await pipeline.open_spider()
        for item in items:
            await pipeline.process_item(item)
        await pipeline.close_spider()

    asyncio.run(go())
    return pipeline


def new_corpus(tmp_path: Path) -> str:
    db = str(tmp_path / "corpus.db")
    store = open_store(db)
    with store.session() as session:
        session.execute(
            text(
                "INSERT INTO crawl_runs (id, site, start_urls, settings, status, "
                "started_at, pages_fetched, bytes_fetched, articles_new, "
                "articles_changed, articles_unchanged, rejects, errors, stats, "
                "not_fetched) VALUES (1, 's', '[]', '{}', 'running', "
                "'2026-12-01 00:00:00', 0, 0, 0, 0, 0, '{}', '{}', '{}', '{}')"
            )
        )
    store.dispose()
    return db


def test_the_pipeline_stores_pages_and_skipped_urls(tmp_path: Path) -> None:
    db = new_corpus(tmp_path)
    skipped = SkippedUrl("http://localhost/x", "off-site", "s", 1, 1, None, datetime.now(UTC))
    run_pipeline(make_crawler(DEBTCORPUS_DB=db), page(f"{BASE}/a"), skipped, skipped)
    store = Store(db)
    with store.session() as session:
        assert session.scalars(select(Page.outcome)).all() == ["article"]
        assert session.scalars(select(SkippedUrlRow.reason)).all() == ["off-site"]
    store.dispose()


def test_the_unchanged_check_runs_only_for_urls_the_corpus_held(tmp_path: Path) -> None:
    db = new_corpus(tmp_path)
    run_pipeline(make_crawler(DEBTCORPUS_DB=db), page(f"{BASE}/a"))
    statements: list[str] = []
    held, new = page(f"{BASE}/a"), replace(page(f"{BASE}/b"), in_corpus=False)
    # what a cleaner worker runs on a batch, run here to see its statements
    store = worker_store(Store(db).url)
    event.listen(store.engine, "before_cursor_execute", record(statements))
    job = StoreJob(store.url, clean_safely, 0.0, (WorkItem(new),))
    assert [ack.outcome for ack in clean_and_store(job)] == ["article"]
    assert statements and not any("ORDER BY pages.id DESC" in s for s in statements)
    job = StoreJob(store.url, clean_safely, 0.0, (WorkItem(held),))
    assert [ack.unchanged for ack in clean_and_store(job)] == [True]
    assert any("ORDER BY pages.id DESC" in s for s in statements)
    with store.session() as session:
        rows = session.execute(select(Page.url, Page.outcome).order_by(Page.id)).all()
    store.dispose()
    assert [tuple(row) for row in rows] == [
        (f"{BASE}/a", "article"),
        (f"{BASE}/b", "article"),
        (f"{BASE}/a", "not-modified"),
    ]


def record(statements: list[str]) -> Any:
    def before_cursor_execute(*args: Any) -> None:
        statements.append(args[2])

    return before_cursor_execute


def test_the_corpus_middleware_marks_whether_a_url_was_held(tmp_path: Path) -> None:
    db = new_corpus(tmp_path)
    crawler = make_crawler(DEBTCORPUS_DB=db, DEBTCORPUS_CONDITIONAL_REQUESTS=False)
    run_pipeline(crawler, replace(page(f"{BASE}/a"), site=crawler.spider.profile.name))
    middleware = CorpusMiddleware(crawler)
    middleware.spider_opened(crawler.spider)
    held, new = Request(f"{BASE}/a"), Request(f"{BASE}/b")
    for request in (held, new):
        middleware.process_request(request)
    assert (held.meta[IN_CORPUS], new.meta[IN_CORPUS]) == (True, False)
    assert b"If-None-Match" not in held.headers
    redirected = new.replace(url=f"{BASE}/a")  # a redirect hop keeps the first URL's answer
    middleware.process_request(redirected)
    assert redirected.meta[IN_CORPUS] is False


def test_a_store_that_keeps_failing_spools_the_page(tmp_path: Path) -> None:
    db = new_corpus(tmp_path)
    store = Store(db)
    with store.session() as session:
        session.execute(text("DROP TABLE pages"))  # every write of a page now fails
    store.dispose()
    spool = tmp_path / "spool"
    crawler = make_crawler(
        DEBTCORPUS_DB=db, DEBTCORPUS_STORE_RETRY_SECONDS=0.5, DEBTCORPUS_SPOOL_DIR=str(spool)
    )
    run_pipeline(crawler, page(f"{BASE}/a"))
    assert crawler.stats.get_value(STORE_FAILED) == 1
    kept = [p.url for _, p in spooled_pages(run_spool(Store(db).url, 1, str(spool)))]
    assert kept == [f"{BASE}/a"]


def test_a_stuck_cleaner_is_killed_and_replaced(tmp_path: Path) -> None:
    db = new_corpus(tmp_path)
    crawler = make_crawler(
        DEBTCORPUS_DB=db,
        DEBTCORPUS_CLEAN_TIMEOUT=10.0,  # a new worker imports the cleaner first
        DEBTCORPUS_CLEAN_WORKERS=1,
        DEBTCORPUS_CLEANER="tests.slow_cleaner.clean_or_hang",
    )
    pipeline = CorpusPipeline(crawler)
    stuck_pids: list[int] = []
    replacements: list[int] = []

    async def go() -> None:
        await pipeline.open_spider()
        assert pipeline.cleaners is not None
        started = time.monotonic()
        stuck = asyncio.ensure_future(pipeline.process_item(page(f"{BASE}/stuck")))
        while not pipeline.cleaners.pids():
            await asyncio.sleep(0.1)
        stuck_pids.extend(pipeline.cleaners.pids())
        await stuck
        assert time.monotonic() - started < 20
        await pipeline.process_item(page(f"{BASE}/fine"))
        replacements.extend(pipeline.cleaners.pids())
        await pipeline.close_spider()

    asyncio.run(go())
    store = Store(db)
    with store.session() as session:
        outcomes = dict(session.execute(select(Page.url, Page.reason)).all())
    store.dispose()
    assert outcomes == {f"{BASE}/stuck": "clean-timeout", f"{BASE}/fine": None}
    assert stuck_pids and not any(psutil.pid_exists(pid) for pid in stuck_pids)
    assert replacements and not set(replacements) & set(stuck_pids), "no new worker took over"


def test_a_batch_with_a_stuck_page_is_split_and_the_others_stored(tmp_path: Path) -> None:
    db = new_corpus(tmp_path)
    crawler = make_crawler(
        DEBTCORPUS_DB=db,
        DEBTCORPUS_CLEAN_TIMEOUT=8.0,
        DEBTCORPUS_CLEAN_WORKERS=1,
        DEBTCORPUS_CLEANER="tests.slow_cleaner.clean_or_hang",
    )
    pipeline = CorpusPipeline(crawler)
    urls = [f"{BASE}/first", f"{BASE}/stuck", f"{BASE}/beside"]

    async def go() -> None:
        await pipeline.open_spider()
        first = asyncio.ensure_future(pipeline.process_item(page(urls[0])))
        await asyncio.sleep(0)  # the one worker takes the first page alone
        # the two others wait for it and go as one batch, which stalls on the stuck page
        await asyncio.gather(first, *(pipeline.process_item(page(url)) for url in urls[1:]))
        await pipeline.close_spider()

    asyncio.run(go())
    store = Store(db)
    with store.session() as session:
        outcomes = dict(session.execute(select(Page.url, Page.reason)).all())
    store.dispose()
    assert outcomes == {urls[0]: None, urls[1]: "clean-timeout", urls[2]: None}
    assert crawler.stats.get_value("debtcorpus/cleaners_replaced") == 2
