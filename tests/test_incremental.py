"""Re-crawls fetch only what changed; a killed crawl resumes with nothing lost or stored twice."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from corpus.models import Article, ArticleRevision, CrawlRun, Page
from corpus.store import Store, open_store
from samplesite.content import load_articles
from tests.crawl_services import wait_for_pages

pytestmark = pytest.mark.slow

PROFILES = ("sample-law", "sample-portal")
SITES = ("law", "portal")
# what is tested is which pages are fetched and stored again, not the politeness pace
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False")


def crawl(base_url: str, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    sites = [arg for name in PROFILES for arg in ("--site", name)]
    argv = [sys.executable, "-m", "corpus", "crawl", *sites, *FAST, "--base-url", base_url]
    return subprocess.run(
        [*argv, "--db", str(db), *extra], check=True, timeout=600, capture_output=True, text=True
    )


def run_row(store: Store, run_id: int) -> CrawlRun:
    with store.session() as session:
        return session.get_one(CrawlRun, run_id)


def expected_paths() -> set[str]:
    return {a.path for a in load_articles() if a.site in SITES}


def edit(base_url: str, path: str, text: str) -> None:
    request = urllib.request.Request(
        f"{base_url}/_control/edit?path={path}", data=text.encode(), method="POST"
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200


def test_recrawl_counts_unchanged_and_keeps_one_revision(
    fresh_sample_site: str, tmp_path: Path
) -> None:
    db = tmp_path / "incremental.db"
    crawl(fresh_sample_site, db)
    store = Store(str(db))
    first = run_row(store, 1)
    assert first.articles_new >= len(expected_paths())

    crawl(fresh_sample_site, db)
    second = run_row(store, 2)
    assert (second.articles_new, second.articles_changed) == (0, 0)
    assert second.articles_unchanged == first.articles_new
    with store.session() as session:
        stored_again = session.scalar(
            select(func.count()).where(
                Page.crawl_run_id == 2, Page.outcome != "error", Page.body.is_not(None)
            )
        )
    assert stored_again == 0, "an unchanged page must not be stored or extracted again"

    changed_path = sorted(expected_paths())[0]
    edit(fresh_sample_site, changed_path, "补充说明:逾期超过九十天的账户可能被委托给第三方机构。")
    crawl(fresh_sample_site, db)
    third = run_row(store, 3)
    assert (third.articles_new, third.articles_changed) == (0, 1)
    assert third.articles_unchanged == first.articles_new - 1
    with store.session() as session:
        revision = session.scalars(select(ArticleRevision)).one()
        article = session.get_one(Article, revision.article_id)
    assert article.url.endswith(changed_path)
    assert "九十天" in article.text and "九十天" not in revision.text
    store.dispose()


def test_killed_crawl_resumes_with_nothing_lost_or_stored_twice(
    fresh_sample_site: str, tmp_path: Path
) -> None:
    db = tmp_path / "resume.db"
    sites = [arg for name in PROFILES for arg in ("--site", name)]
    argv = [sys.executable, "-m", "corpus", "crawl", *sites, "--base-url", fresh_sample_site]
    store = open_store(str(db))
    child = subprocess.Popen([*argv, "--db", str(db)], start_new_session=True)
    try:
        wait_for_pages(store, at_least=20)
    finally:
        # everything dies at once (the crawl process runs in a session of its own)
        tree = psutil.Process(child.pid)
        for process in [tree, *tree.children(recursive=True)]:
            process.kill()
        child.wait()
    assert run_row(store, 1).status == "running"

    crawl(fresh_sample_site, db, "--resume", "1")
    with store.session() as session:
        runs = session.scalar(select(func.count(CrawlRun.id)))
        per_url = session.execute(
            select(Page.url, func.count()).group_by(Page.url).having(func.count() > 1)
        ).all()
        urls = session.scalars(select(Article.url)).all()
    assert runs == 1 and run_row(store, 1).status == "finished"
    assert per_url == [], f"pages stored twice: {per_url}"
    paths = {url.removeprefix(fresh_sample_site) for url in urls}
    assert expected_paths() <= paths
    assert len(urls) == len(set(urls))
    store.dispose()


def test_resume_of_unknown_or_finished_run_is_a_clean_error(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    result = subprocess.run(
        [sys.executable, "-m", "corpus", "crawl", "--resume", "7", "--db", str(db)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2  # bad input (docs/crawling.md)
    assert "no crawl run 7" in result.stderr
