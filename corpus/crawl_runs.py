"""Crawl runs as the CLI sees them: start one as a child Scrapy process, list them, show one.

corpus/ never imports Scrapy: a crawl is `python -m crawler ...` in its own process.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any, Protocol

import psutil
import redis
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from corpus.crawl_contract import (
    STATUS_FOR_EXIT,
    CrawlRequest,
    ExitCode,
    RunStatus,
    crawler_argv,
)
from corpus.errors import ConfigError
from corpus.models import CrawlRun
from corpus.profiles import crawl_profiles
from corpus.run_records import finish_run, start_run
from corpus.spool import run_spool, spooled_pages
from corpus.store import Store

# After the first Ctrl-C or SIGTERM the crawl has this long to stop cleanly (finish what is
# in flight, close the run) before it is told again (Scrapy's immediate stop) and then killed.
GRACEFUL_STOP_S = 7.0
FORCED_STOP_S = 2.5


def open_run(
    store: Store,
    request: CrawlRequest,
    schedule_id: int | None = None,
    stats: dict[str, Any] | None = None,
) -> int:
    """The crawl_runs row for a request, keeping what `crawl --resume` needs to run it again."""
    start_urls = [*request.urls, *request.sites]
    return start_run(store, request.label(), start_urls, request.as_settings(), schedule_id, stats)


@dataclass(frozen=True)
class CrawlEnd:
    """How the crawl process of a run ended."""

    run_id: int
    exit_code: int


class CrawlWatcher(Protocol):
    """Something that shows a crawl while it runs (corpus.commands.live.LiveStatus)."""

    def tick(self) -> None: ...

    def close(self) -> None: ...


def run_crawl(
    store: Store,
    request: CrawlRequest,
    run_id: int | None = None,
    watcher_for: Callable[[int], CrawlWatcher] | None = None,
) -> CrawlEnd:
    """Run a crawl to its end in a child process, shown by `watcher_for(run_id)` if given."""
    if not request.urls and not request.sites:
        raise ConfigError("nothing to crawl: give start URLs or --site PROFILE")
    crawl_profiles(
        request.urls, request.sites, request.base_url, request.depth, request.allow_domains
    )  # bad input is refused here, before a run exists
    if request.redis:
        check_redis(request.redis)
    created = run_id is None
    if request.redis and not request.redis_prefix:
        request = replace(request, redis_prefix=f"debtcorpus:{uuid.uuid4().hex[:12]}")
    if run_id is None:
        run_id = open_run(store, request)
    watcher = watcher_for(run_id) if watcher_for else None
    try:
        returncode = wait_for_crawl(
            crawler_argv(store.url, run_id, request), watcher.tick if watcher else None
        )
    finally:
        if watcher is not None:
            watcher.close()
    if returncode == ExitCode.BAD_INPUT:
        if created:
            _forget_run(store, run_id)
        raise ConfigError("the crawl did not start; the error above says why")
    if not request.redis:  # a distributed run is closed by its last worker
        _close_if_abandoned(store, run_id, returncode)
    return CrawlEnd(run_id, returncode)


REDIS_CHECK_TIMEOUT_S = 3.0


def check_redis(url: str) -> None:
    """Refuse a --redis that does not answer now, in one line, before a run exists (the crawl
    process waits out an outage of a Redis it has reached, for DEBTCORPUS_REDIS_RETRY_SECONDS)."""
    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_CHECK_TIMEOUT_S,
            socket_timeout=REDIS_CHECK_TIMEOUT_S,
            retry=None,
        )
    except ValueError as exc:
        raise ConfigError(
            f"--redis {url!r} is not a Redis URL ({exc}); give e.g. redis://127.0.0.1:6379/0"
        ) from exc
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        message = f"Redis is unreachable at {url} ({exc}); start it, or fix --redis"
        raise ConfigError(message) from exc
    except redis.RedisError as exc:
        raise ConfigError(f"Redis at {url} refused this crawl ({exc}); fix --redis") from exc
    finally:
        client.close()


def resume_crawl(
    store: Store, run_id: int, watcher_for: Callable[[int], CrawlWatcher] | None = None
) -> CrawlEnd:
    """Carry on an incomplete, interrupted or killed run: pages that could not be stored are
    stored from the spool, pages it stored are replayed from the store (to follow their
    links), everything else is fetched; nothing is stored twice."""
    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise ConfigError(f"there is no crawl run {run_id}; see `debtcorpus runs`")
        _refuse_if_held(run)
        if run.status == RunStatus.FINISHED:
            raise ConfigError(f"crawl run {run_id} finished already; nothing to resume")
        if run.settings.get("source") == "warc":
            raise ConfigError(
                f"run {run_id} read WARC files; resume it with `ingest-warc --resume`"
            )
        request = CrawlRequest.from_settings(run.settings)
        run.status, run.finished_at = RunStatus.RUNNING, None
    store_spooled(store, run_id, spool_setting(request))
    resumed = replace(request, settings=(*request.settings, f"DEBTCORPUS_RESUME_RUN={run_id}"))
    return run_crawl(store, resumed, run_id=run_id, watcher_for=watcher_for)


def _refuse_if_held(run: CrawlRun) -> None:
    if run.status != RunStatus.RUNNING or run.holder_pid is None:
        return
    if run.holder_host == socket.gethostname() and _alive(run.holder_pid):
        raise ConfigError(
            f"crawl run {run.id} is still running in process {run.holder_pid}; "
            f"stop it first (kill -INT {run.holder_pid}), then resume"
        )


def _alive(pid: int) -> bool:
    """Is the process running (a killed one may linger as a zombie until it is reaped)?"""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def spool_setting(request: CrawlRequest) -> str | None:
    """The DEBTCORPUS_SPOOL_DIR a run was given with -s, if any."""
    for pair in request.settings:
        key, _, value = pair.partition("=")
        if key == "DEBTCORPUS_SPOOL_DIR":
            return value
    return None


def store_spooled(store: Store, run_id: int, configured: str | None = None) -> int:
    """Store the pages a run fetched but could not store; returns how many."""
    # imported here: the `debtcorpus crawl` parent stores spooled pages only once its crawl
    # process has ended, and need not hold the write path (page_writes, the search index
    # and numpy with it) while the crawl runs
    from corpus.ingest import clean_fetched, store_fetch

    stored = 0
    for path, page in spooled_pages(run_spool(store.url, run_id, configured)):
        store_fetch(store, page, clean_fetched(page))
        path.unlink()
        stored += 1
    return stored


class _Stops:
    """Ctrl-C and SIGTERM while a crawl runs: counted here, passed on by `wait_for_crawl`."""

    def __init__(self) -> None:
        self.received = 0
        self.first_at = 0.0
        self.sent = 0
        self.last_sent_at = 0.0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received += 1
        self.first_at = self.first_at or time.monotonic()

    def pass_on(self, child: subprocess.Popen[bytes]) -> None:
        """The first stop asks for a clean stop; a second one, or the graceful time running
        out, for an immediate one; a crawl that still goes on is killed."""
        if not self.received:
            return
        now = time.monotonic()
        wanted = 2 if self.received > 1 or now - self.first_at > GRACEFUL_STOP_S else 1
        if self.sent < wanted:
            child.send_signal(signal.SIGINT)
            self.sent, self.last_sent_at = self.sent + 1, now
        elif self.sent == 2 and now - self.last_sent_at > FORCED_STOP_S:
            child.kill()


def wait_for_crawl(argv: Sequence[str], on_tick: Callable[[], None] | None = None) -> int:
    """Run the crawl process to its end and return its exit code.

    It runs in a session of its own, so a terminal's Ctrl-C reaches this process only, which
    passes each stop on once (`_Stops`). The child gets SIGTERM should this process die
    (crawler.run.die_with_parent)."""
    if threading.current_thread() is not threading.main_thread():
        # run by the scheduler's worker thread: the scheduler stops its own crawls
        return subprocess.Popen(argv).wait()
    stops = _Stops()
    previous = {sig: signal.signal(sig, stops) for sig in (signal.SIGINT, signal.SIGTERM)}
    child = subprocess.Popen(argv, start_new_session=True)
    try:
        while (code := _poll(child)) is None:
            stops.pass_on(child)
            if on_tick is not None:
                on_tick()
        return code
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _poll(child: subprocess.Popen[bytes]) -> int | None:
    try:
        return child.wait(timeout=0.2)
    except subprocess.TimeoutExpired:
        return None


def _forget_run(store: Store, run_id: int) -> None:
    with store.session() as session:
        session.execute(delete(CrawlRun).where(CrawlRun.id == run_id))


def _close_if_abandoned(store: Store, run_id: int, returncode: int) -> None:
    """A child that died without closing its run (killed, crashed, store down at its end)
    leaves it 'running': close it with the status its exit code says."""
    status = RunStatus.KILLED if returncode < 0 else STATUS_FOR_EXIT.get(returncode)
    try:
        with store.session() as session:
            current = session.scalar(select(CrawlRun.status).where(CrawlRun.id == run_id))
        if current == RunStatus.RUNNING:
            finish_run(store, run_id, status or RunStatus.FAILED, {"exit_code": returncode})
    except SQLAlchemyError:
        return  # the store is down: `runs` shows it running, `crawl --resume` still works


def ended_status(store: Store, end: CrawlEnd) -> RunStatus:
    """How a crawl that has just ended ended: the run's status, else its process's exit code
    (a distributed run other workers still crawl; a run the store was down to close)."""
    try:
        with store.session() as session:
            status = session.scalar(select(CrawlRun.status).where(CrawlRun.id == end.run_id))
    except SQLAlchemyError:
        status = None
    if status is not None and status != RunStatus.RUNNING:
        return RunStatus(status)
    if end.exit_code < 0:
        return RunStatus.KILLED
    return STATUS_FOR_EXIT.get(end.exit_code, RunStatus.FAILED)
