"""The pieces of crawl safety, in process: outcomes and reasons, URL identity, scope, traps,
Retry-After, content sniffing, profile validation and the --db checks."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from cleaning.outcomes import REASONS, Outcome, Reason, base_reason, outcome_of, reasons_table
from cleaning.pipeline import clean_page
from cleaning.sniff import binary_type, strip_markup
from cleaning.urls import clean_url, url_identity
from corpus.errors import ConfigError
from corpus.profiles import SiteProfile, adhoc_profile, host_allowed, hosts_of, profile_from_dict
from corpus.store import open_store_for_crawl
from crawler.guards import retry_after_seconds
from crawler.scope import CrawlScope
from samplesite.hostile import PDF_BYTES, PNG_BYTES, gzip_bomb

DOCS = Path(__file__).resolve().parent.parent / "docs" / "crawling.md"


def test_the_docs_list_every_reason_from_the_enum() -> None:
    text = DOCS.read_text("utf-8")
    between = text.split("<!-- reasons:start -->\n")[1].split("\n<!-- reasons:end -->")[0]
    assert between == reasons_table()
    assert set(REASONS) == set(Reason)


@pytest.mark.parametrize(
    ("stored", "reason", "outcome"),
    [
        ("http-404", Reason.HTTP_STATUS, Outcome.ERROR),
        ("clean-error:KeyError", Reason.CLEAN_ERROR, Outcome.REJECTED),
        ("trap-limit:query-variants", Reason.TRAP_LIMIT, Outcome.NOT_FETCHED),
        ("off-site", Reason.OFF_SITE, Outcome.NOT_FETCHED),
        ("list-page", Reason.LIST_PAGE, Outcome.REJECTED),
    ],
)
def test_stored_reasons_map_to_their_outcome(stored: str, reason: Reason, outcome: Outcome) -> None:
    assert base_reason(stored) is reason
    assert outcome_of(stored) is outcome
    assert base_reason("something-else") is None


def test_tracking_parameters_fragments_and_slashes_do_not_make_another_page() -> None:
    story = url_identity("http://Example.cn/story")
    for variant in (
        "http://example.cn/story/",
        "http://example.cn/story?utm_source=wechat&utm_medium=social",
        "http://example.cn/story/?spm=a2c4g.1",
        "http://example.cn/story?from=timeline#comments",
        "http://example.cn/story?share_token=8f2a&fbclid=x",
    ):
        assert url_identity(variant) == story, variant
    assert url_identity("http://example.cn/news?id=3") != url_identity(
        "http://example.cn/news?id=4"
    )
    assert clean_url("http://x.cn/p?p=12&utm_source=a#top") == "http://x.cn/p?p=12"
    assert clean_url("http://x.cn/p?p=1&sid=2", ("sid",)) == "http://x.cn/p?p=1"


@pytest.mark.parametrize(
    ("url", "allowed", "inside"),
    [
        ("http://example.cn/a", ("example.cn",), True),
        ("http://www.example.cn/a", ("example.cn",), True),
        ("http://example.cn/a", ("www.example.cn",), True),
        ("http://news.example.cn/a", ("example.cn",), False),
        ("http://news.example.cn/a", ("*.example.cn",), True),
        ("http://badexample.cn/a", ("*.example.cn",), False),
        ("http://127.0.0.1:8765/a", ("127.0.0.1:8765",), True),
        ("http://127.0.0.1:9999/a", ("127.0.0.1:8765",), False),
        ("http://localhost:8765/a", ("127.0.0.1:8765",), False),
        ("http://example.cn:8080/a", ("example.cn",), True),
        ("http://127.0.0.1:80@localhost:8765/a", ("127.0.0.1",), False),
        ("https://example.cn/x", hosts_of(["https://example.cn:443/"]), True),
        ("http://xn--fiqs8s.cn/a", hosts_of(["http://中国.cn/"]), True),
        ("http://[::1]:8765/a", hosts_of(["http://[::1]:8765/"]), True),
        ("http://127.0.0.1:99999/a", ("127.0.0.1",), False),
    ],
)
def test_scope_entries(url: str, allowed: tuple[str, ...], inside: bool) -> None:
    assert host_allowed(url, allowed) is inside


def test_an_ad_hoc_crawl_is_scoped_to_its_start_hosts() -> None:
    profile = adhoc_profile(["http://127.0.0.1:8765/a/"], allow_domains=("cdn.example.cn",))
    assert profile.allowed_domains == ("127.0.0.1:8765", "cdn.example.cn")
    assert profile.max_pages > 0
    scope = CrawlScope(profile)
    assert scope.link_verdict("http://localhost:8765/a", 1) == "off-site"
    assert scope.link_verdict("ftp://127.0.0.1:8765/a", 1) == "off-site"
    assert scope.link_verdict("http://127.0.0.1:8765/b", 3) == "depth-limit"
    assert scope.link_verdict("http://127.0.0.1:8765/b", 2) is None


def test_depth_zero_means_no_limit() -> None:
    unlimited = SiteProfile(name="t", start_urls=("http://x.cn/",), depth=0).resolved(None)
    assert CrawlScope(unlimited).link_verdict("http://x.cn/deep", 40) is None
    limited = CrawlScope(
        SiteProfile(name="t", start_urls=("http://x.cn/",), depth=1).resolved(None)
    )
    assert limited.link_verdict("http://x.cn/deep", 2) == "depth-limit"


def test_a_redirect_into_paths_another_profile_of_the_run_follows_is_its_own() -> None:
    def profile(name: str, follow: str, host: str = "x.cn") -> SiteProfile:
        start = f"http://{host}/{follow}/"
        return SiteProfile(name=name, start_urls=(start,), follow=(f"/{follow}/",)).resolved(None)

    portal, wp, other_host = (
        profile("portal", "portal"),
        profile("wp", "wp"),
        profile("o", "m", "y.cn"),
    )
    scope = CrawlScope(portal, [wp, other_host])
    assert scope.redirect_verdict("http://x.cn/wp/1.html") == "not-followed:wp"
    assert outcome_of("not-followed:wp") is Outcome.NOT_FETCHED
    assert scope.redirect_verdict("http://x.cn/portal/2.html") is None  # its own paths
    assert scope.redirect_verdict("http://x.cn/m/3.html") is None  # no profile here follows it
    assert CrawlScope(portal).redirect_verdict("http://x.cn/wp/1.html") is None  # crawled alone


def test_trap_caps() -> None:
    profile = SiteProfile(name="t", start_urls=("http://x.cn/",), max_query_variants=3)
    scope = CrawlScope(profile)
    for month in range(3):  # a calendar: every variant a page without an article
        assert scope.trap_verdict(f"http://x.cn/cal?m={month}") is None
        scope.record_result(f"http://x.cn/cal?m={month}", is_article=False)
    assert scope.trap_verdict("http://x.cn/cal?m=9") == "trap-limit:query-variants"
    for aid in range(10):  # a CMS script whose variants are articles is never a trap
        scope.record_result(f"http://x.cn/view.php?aid={aid}", is_article=aid != 3)
    assert scope.trap_verdict("http://x.cn/view.php?aid=99") is None
    assert scope.trap_verdict("http://x.cn/a/b/a/b/a/") == "trap-limit:repeated-segment"
    assert scope.trap_verdict("http://x.cn/" + "a" * 1200) == "trap-limit:url-length"
    capped = CrawlScope(SiteProfile(name="t", start_urls=("http://x.cn/",), max_pages=2))
    assert [capped.take_page(f"http://x.cn/{i}") for i in range(3)] == [None, None, "page-limit"]
    assert capped.take_page("http://x.cn/robots.txt") is None


def test_retry_after_in_seconds_and_as_a_date() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"2") == 2.0
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later.encode(), now=now) == pytest.approx(30.0)
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_binary_bodies_are_not_html_whatever_their_content_type() -> None:
    now = datetime.now(UTC)
    assert binary_type(PNG_BYTES) == "image/png"
    assert binary_type(PDF_BYTES) == "application/pdf"
    assert binary_type(gzip_bomb(1024 * 1024)[:4096]) == "application/gzip"
    assert binary_type("<html><body>催收</body></html>".encode()) is None
    for body in (PNG_BYTES, PDF_BYTES):
        assert clean_page(body, "http://x.cn/a", "text/html", now).reject_reason == "not-html"


def test_strip_markup_keeps_the_words() -> None:
    assert strip_markup("<p>逾期<td>催收</b>\x00") == "逾期催收"
    assert strip_markup("a < b 且 <<民法典>>") == "a < b 且 <<民法典>>"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "x", "start_urls": "/wp/"}, "start_urls: Input should be a valid tuple"),
        ({"name": "x", "start_urls": ["/a"], "depth": "two"}, "depth: Input should be"),
        ({"name": "x", "start_urls": ["/a"], "colour": 1}, "unknown key 'colour'"),
        ({"start_urls": ["/a"]}, "the key 'name' is missing"),
        ({"name": "x", "start_urls": ["/a"], "follow": ["("]}, "not a regular expression"),
        ({"name": "x", "start_urls": ["/a"], "allowed_domains": ["http://x/"]}, "not a host"),
    ],
)
def test_profile_mistakes_are_one_line(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        profile_from_dict(values, "my.yaml")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("db", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused_for_a_crawl(db: str) -> None:
    with pytest.raises(ConfigError, match="in-memory"):
        open_store_for_crawl(db)


def test_a_closed_postgres_port_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match=r"server at 127\.0\.0\.1:9 is unreachable") as caught:
        open_store_for_crawl("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=3")
    assert "\n" not in str(caught.value)


def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)])
        if mounted.returncode != 0:
            pytest.skip("cannot mount a read-only tmpfs here (root ignores chmod)")
    else:
        folder.chmod(0o555)
    try:
        with pytest.raises(ConfigError, match="read-only"):
            open_store_for_crawl(str(folder / "corpus.db"))
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--db", "sqlite://", "http://127.0.0.1:9/"], "in-memory database"),
        (["ftp://127.0.0.1/x"], "is not an http(s) URL"),
        (["--depth", "two", "http://127.0.0.1:9/"], "Invalid value for '--depth'"),
    ],
)
def test_bad_crawl_input_exits_2_in_one_line(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    argv = [sys.executable, "-m", "corpus", "crawl", *args]
    if "--db" not in args:
        argv += ["--db", str(tmp_path / "c.db")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
