"""An ad-hoc crawl of the hostile site (samplesite/hostile.py): it stays on its host, records
every URL it touches with the right reason, stores no binary page or markup as text, keeps one
article per story, honours Retry-After and ends by itself."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from cleaning.outcomes import REASONS, base_reason
from cleaning.urls import url_identity
from corpus.bodies import stored_body
from corpus.models import Article, Comment, CrawlRun, Page, SkippedUrlRow
from corpus.profiles import DEFAULT_MAX_QUERY_VARIANTS
from corpus.store import Store
from samplesite.hostile import RETRY_AFTER_SECONDS, HostileState
from tests.conftest import start_server

pytestmark = pytest.mark.slow

# A tag of HTML's vocabulary, as broken pages leak them.
TAG = re.compile(r"</?(?:p|td|tr|table|body|html|div|span|li|b|h1|title|head)\b[^>]*>", re.I)


@dataclass(frozen=True)
class HostileCrawl:
    base_url: str
    store: Store
    run: CrawlRun
    exit_code: int
    log: list[dict[str, object]]
    pages: list[Page]
    skipped: list[SkippedUrlRow]
    articles: list[Article]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    process, base_url = start_server("hostile")
    db = tmp_path_factory.mktemp("hostile") / "corpus.db"
    argv = [sys.executable, "-m", "corpus", "crawl", f"{base_url}/", "--depth", "60"]
    argv += ["--db", str(db), "-s", "DOWNLOAD_TIMEOUT=3", "-s", "DOWNLOAD_MAXSIZE=2000000"]
    try:
        done = subprocess.run(argv, timeout=240, capture_output=True, text=True)
        with urllib.request.urlopen(f"{base_url}/_log", timeout=10) as answer:
            log = json.loads(answer.read())
    finally:
        process.terminate()
        process.wait(timeout=10)
    store = Store(str(db))
    with store.session() as session:
        yield HostileCrawl(
            base_url=base_url,
            store=store,
            run=session.scalars(select(CrawlRun)).one(),
            exit_code=done.returncode,
            log=log,
            pages=list(session.scalars(select(Page))),
            skipped=list(session.scalars(select(SkippedUrlRow))),
            articles=list(session.scalars(select(Article))),
        )
    store.dispose()


def test_the_crawl_ends_by_itself_finished(hostile: HostileCrawl) -> None:
    assert hostile.exit_code == 0
    assert hostile.run.status == "finished"


def test_no_request_reached_another_host_name(hostile: HostileCrawl) -> None:
    own = urlsplit(hostile.base_url).netloc
    hosts = {entry["host"] for entry in hostile.log}
    assert hosts == {own}, f"requests went to {hosts - {own}}"


def _rows(hostile: HostileCrawl) -> dict[str, str]:
    """URL identity -> the reason (or 'article') of every row the crawl wrote."""
    rows: dict[str, str] = {}
    for page in hostile.pages:
        rows.setdefault(url_identity(page.url), page.reason or page.outcome)
    for skipped in hostile.skipped:  # a redirect's target that was not fetched
        rows.setdefault(url_identity(skipped.url), skipped.reason)
    for page in hostile.pages:
        for url in (*page.redirects, page.final_url):
            rows.setdefault(url_identity(url), page.reason or page.outcome)
    return rows


def test_media_links_are_recorded_not_fetched(hostile: HostileCrawl) -> None:
    assert "/banner.jpg" not in [e["path"] for e in hostile.log]


def test_every_url_the_server_saw_has_a_row(hostile: HostileCrawl) -> None:
    rows = _rows(hostile)
    seen = {url_identity(urljoin(hostile.base_url, str(e["path"]))) for e in hostile.log}
    robots = url_identity(f"{hostile.base_url}/robots.txt")
    missing = sorted(seen - set(rows) - {robots, url_identity(f"{hostile.base_url}/_log")})
    assert not missing, f"no row for {missing}"


def test_every_link_on_a_fetched_page_has_a_row(hostile: HostileCrawl) -> None:
    rows = _rows(hostile)
    missing = set()
    for page in hostile.pages:
        body = stored_body(page)
        if page.outcome not in ("article", "rejected") or b"<a" not in body:
            continue
        for href in lxml_html.fromstring(body).xpath("//a/@href"):
            if url_identity(urljoin(page.final_url, href)) not in rows:
                missing.add(urljoin(page.final_url, href))
    assert not missing, f"links without a row: {sorted(missing)[:10]}"


EXPECTED = {
    "/redirect-offsite": "off-site-redirect",
    "/loop-a": "redirect-loop",
    "/self": "redirect-loop",
    "/meta-self": "redirect-loop",
    "/to-private": "redirect-not-followed",
    "/private/moved": "robots-forbidden",
    "/busy-forever": "http-429",
    "/banner.jpg": "media-link",
    "/cut-gzip": "reset:truncated-gzip",
    "/chain/0": "too-many-redirects",
    "/reset": "reset",
    "/stall": "timeout",
    "/huge": "too-large",
    "/huge-stream": "too-large",
    "/bomb": "decompression-bomb",
    "/private/secret": "robots-forbidden",
    "/report.pdf": "not-html",
    "/photo": "not-html",
    "/busy": "article",
    "/busy-date": "article",
    "/unavailable": "article",
    "/story": "article",
    "/news/b.html": "article",
    "/validators": "article",
    "/changing": "article",
}


@pytest.mark.parametrize(("path", "reason"), sorted(EXPECTED.items()))
def test_each_fault_has_its_reason(hostile: HostileCrawl, path: str, reason: str) -> None:
    assert _rows(hostile).get(url_identity(hostile.base_url + path)) == reason


def test_off_site_urls_are_recorded_not_fetched(hostile: HostileCrawl) -> None:
    port = urlsplit(hostile.base_url).port
    off_site = {s.url: s.reason for s in hostile.skipped if urlsplit(s.url).hostname == "localhost"}
    assert off_site == {
        f"http://localhost:{port}/elsewhere": "off-site",
        f"http://localhost:{port}/story": "off-site",
    }


def test_traps_are_cut_at_their_caps(hostile: HostileCrawl) -> None:
    reasons = [s.reason for s in hostile.skipped]
    assert "trap-limit:query-variants" in reasons
    assert "trap-limit:repeated-segment" in reasons
    calendar = [p for p in hostile.pages if urlsplit(p.url).path == "/calendar"]
    # the cap counts variants that were no articles; a few more were in flight
    assert len(calendar) <= DEFAULT_MAX_QUERY_VARIANTS + 20


def test_every_stored_reason_is_a_documented_one(hostile: HostileCrawl) -> None:
    stored = {p.reason for p in hostile.pages if p.reason} | {s.reason for s in hostile.skipped}
    undocumented = {r for r in stored if base_reason(r) not in REASONS}
    assert not undocumented


def test_no_binary_page_became_an_article(hostile: HostileCrawl) -> None:
    paths = {urlsplit(a.url).path for a in hostile.articles}
    assert not paths & {"/photo", "/report.pdf"}
    for article in hostile.articles:
        assert "\ufffd" not in article.text, article.url
        assert "PNG" not in article.text and "%PDF" not in article.text


def test_no_markup_reaches_text_or_titles(hostile: HostileCrawl) -> None:
    with hostile.store.session() as session:
        comments = session.scalars(select(Comment.text)).all()
    texts = [a.text for a in hostile.articles] + [a.title or "" for a in hostile.articles]
    leaked = [t[:80] for t in [*texts, *comments] if TAG.search(t) or "\x00" in t]
    assert not leaked
    broken = [a for a in hostile.articles if urlsplit(a.url).path == "/broken"]
    expected_title = HostileState().extra[5].title
    assert broken and broken[0].title == expected_title


def test_one_article_per_story(hostile: HostileCrawl) -> None:
    state = HostileState()
    for name in ("story", "b"):
        title = state.articles[name].title
        assert [a.title for a in hostile.articles].count(title) == 1, title
    b = next(a for a in hostile.articles if a.title == state.articles["b"].title)
    assert urlsplit(b.url).path == "/news/b.html"


def test_wrong_and_missing_charsets_decode_right(hostile: HostileCrawl) -> None:
    state = HostileState()
    by_path = {urlsplit(a.url).path: a for a in hostile.articles}
    for path, article in (
        ("/gbk-wrong-header", state.extra[2]),
        ("/gbk-undeclared", state.extra[3]),
        ("/utf8-meta-gbk", state.extra[4]),
    ):
        assert by_path[path].title == article.title, path


def test_a_retry_after_past_the_cap_is_asked_once(hostile: HostileCrawl) -> None:
    assert [e["path"] for e in hostile.log].count("/busy-forever") == 1


def test_retry_after_is_honoured(hostile: HostileCrawl) -> None:
    for path in ("/busy", "/busy-date"):
        times = [float(str(e["at"])) for e in hostile.log if e["path"] == path]
        assert len(times) == 2, path
        assert times[1] - times[0] >= RETRY_AFTER_SECONDS - 0.05, path


def test_the_run_counts_urls_by_reason(hostile: HostileCrawl) -> None:
    assert hostile.run.not_fetched.get("off-site") == 2
    assert hostile.run.not_fetched.get("robots-forbidden") == 2
    assert hostile.run.errors.get("redirect-loop") == 3
    assert hostile.run.rejects.get("not-html") == 2


def test_the_server_saw_a_user_agent_naming_the_project(tmp_path: Path) -> None:
    from crawler.run import user_agent
    from crawler.settings import USER_AGENT

    assert USER_AGENT.startswith("debtcorpus/") and "contact: not set" in USER_AGENT
    assert "contact: me@example.org" in user_agent("me@example.org")
