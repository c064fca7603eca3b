"""What the crawl stop and outage tests share: the slow sample site, the corpus of one
uninterrupted single-process crawl of it (the reference every stopped, resumed or disturbed
crawl must equal), and servers of a test's own that it can stop and start: a PostgreSQL
cluster (tests/private_postgres.py) and a redis-server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from corpus.models import Article, CrawlRun, Page
from corpus.store import Store
from tests.conftest import start_sample_site
from tests.private_postgres import PrivatePostgres, private_postgres_or_skip

__all__ = ["PrivatePostgres"]

SITE = "sample-wp"
CRAWL_TIMEOUT_S = 180
SLOW_LATENCY_MS = 150


def crawl_argv(base_url: str, db: str, *extra: str) -> list[str]:
    """A crawl of one site, one request at a time, so that it is still fetching when the
    test stops it even on a loaded machine."""
    argv = [sys.executable, "-m", "corpus", "crawl", "--site", SITE, "--base-url", base_url]
    return [*argv, "--db", db, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", *extra]


@pytest.fixture(scope="session")
def slow_site() -> Iterator[str]:
    """The sample site answering every request after 150 ms, so a crawl lasts long enough
    to be stopped half-way."""
    process, base_url = start_sample_site("--latency-ms", str(SLOW_LATENCY_MS))
    yield base_url
    process.terminate()
    process.wait(timeout=10)


def set_latency(base_url: str, milliseconds: int) -> None:
    url = f"{base_url}/_control/latency?ms={milliseconds}"
    urllib.request.urlopen(url, data=b"", timeout=10).close()


@contextmanager
def latency(base_url: str, milliseconds: int) -> Iterator[None]:
    """The slow site answering after `milliseconds` for the block, then after 150 ms again."""
    set_latency(base_url, milliseconds)
    try:
        yield
    finally:
        set_latency(base_url, SLOW_LATENCY_MS)


def full_speed(slow_site: str) -> AbstractContextManager[None]:
    """The slow site without its latency, for the parts of a test that need no stop half-way
    (the reference crawl, a resume): the same server and URLs, the same corpus, sooner."""
    return latency(slow_site, 0)


# The latency while a test waits to stop a crawl half-way. On a loaded machine the cleaners
# store their first pages seconds after the crawl fetched them; at 150 ms a crawl of the 40
# pages could be over by then, and a Ctrl-C found it finished (CI of 2026-12-04).
STOPPING_LATENCY_MS = 4 * SLOW_LATENCY_MS


Snapshot = tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]


def corpus_snapshot(db: str) -> Snapshot:
    """(article URL, text hash) pairs and (page URL, outcome) pairs of a corpus, after
    checking that the crawl fetched nothing but the sample site on 127.0.0.1."""
    store = Store(db)
    with store.session() as session:
        articles = frozenset(session.execute(select(Article.url, Article.text_sha256)).all())
        pages = frozenset(session.execute(select(Page.url, Page.outcome)).all())
        final_urls = session.scalars(select(Page.final_url)).all()
    store.dispose()
    hosts = {urlsplit(url).hostname for url in [*final_urls, *(url for url, _ in pages)]}
    assert hosts <= {"127.0.0.1"}, f"the crawl fetched from {hosts}"
    return articles, pages


@pytest.fixture(scope="session")
def reference(slow_site: str, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The corpus of one uninterrupted crawl of the site."""
    db = str(tmp_path_factory.mktemp("reference") / "corpus.db")
    with full_speed(slow_site):
        subprocess.run(crawl_argv(slow_site, db), check=True, timeout=CRAWL_TIMEOUT_S)
    snapshot = corpus_snapshot(db)
    assert len(snapshot[0]) >= 8
    return snapshot


def stored_pages(store: Store) -> int:
    """The pages a running crawl has stored so far (0 while its schema does not exist yet)."""
    try:
        with store.session() as session:
            return session.scalar(select(func.count(Page.id))) or 0
    except OperationalError:
        return 0


def wait_for_pages(store: Store | str, at_least: int, timeout: float = 120) -> int:
    """Wait until the crawl writing to `store` (or to the SQLite file or URL `store`, once
    it exists) has stored `at_least` pages; their count."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = stored_pages_at(store)
        if count >= at_least:
            return count
        time.sleep(0.2)
    raise AssertionError(f"the crawl stored fewer than {at_least} pages in {timeout} s")


def stored_pages_at(store: Store | str) -> int:
    if isinstance(store, Store):
        return stored_pages(store)
    if "://" not in store and not Path(store).exists():
        return 0  # not created yet: opening it here would race the crawl's own creation
    opened = Store(store)
    try:
        return stored_pages(opened)
    finally:
        opened.dispose()


def run_status(db: str, run_id: int = 1) -> str:
    store = Store(db)
    with store.session() as session:
        status = session.scalar(select(CrawlRun.status).where(CrawlRun.id == run_id))
    store.dispose()
    return str(status)


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    server = private_postgres_or_skip()
    yield server
    server.remove()


class PrivateRedis:
    """A redis-server of the test's own that keeps its data on disk (append-only file), so
    that stopping and starting it is an outage, not a loss."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--dir", str(self.folder), "--appendonly", "yes", "--save", ""]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
            ).stdout:
                return
            time.sleep(0.1)
        raise AssertionError("the private redis-server did not start")

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown"], capture_output=True)
        if self.process is not None:
            self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("install Debian's redis-server package to run this test")
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()
