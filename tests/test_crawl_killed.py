"""A crawl killed with SIGKILL leaves whole rows, and crawling again completes the corpus. In
a file of its own (not tests/test_crawl_e2e.py) so that `--dist loadfile` runs its two crawls
beside that file's crawl, on the other worker."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from corpus.models import Article, Page
from corpus.store import open_store
from tests.crawl_services import wait_for_pages
from tests.test_crawl_e2e import crawl_argv, sample_articles

pytestmark = pytest.mark.slow


def test_killed_crawl_leaves_whole_rows_and_recrawl_completes(
    fresh_sample_site: str, tmp_path: Path
) -> None:
    db = tmp_path / "killed.db"
    store = open_store(str(db))
    crawl = subprocess.Popen(crawl_argv(fresh_sample_site, db), start_new_session=True)
    try:
        wait_for_pages(store, at_least=15, timeout=120)
    finally:
        os.killpg(crawl.pid, signal.SIGKILL)
        crawl.wait()
    with store.session() as session:
        partial = session.scalar(select(func.count(Article.id))) or 0
        orphans = session.scalar(
            select(func.count(Page.id)).where(Page.outcome == "article", Page.article_id.is_(None))
        )
        empty = session.scalar(select(func.count(Article.id)).where(Article.text == ""))
    assert orphans == 0 and empty == 0
    subprocess.run(crawl_argv(fresh_sample_site, db), check=True, timeout=600)
    with store.session() as session:
        urls = session.scalars(select(Article.url)).all()
        fetched = session.scalars(select(Page.url)).all()
    assert all(url.startswith(fresh_sample_site + "/") for url in fetched)  # stayed on 127.0.0.1
    assert len(urls) == len(set(urls))
    paths = {url.removeprefix(fresh_sample_site) for url in urls}
    assert {a.path for a in sample_articles()} <= paths
    assert len(urls) >= partial
    store.dispose()
