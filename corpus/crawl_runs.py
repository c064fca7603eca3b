"""Crawl runs as the CLI sees them: start one as a child Scrapy process, list them, show one.

corpus/ never imports Scrapy: a crawl is `python -m crawler ...` in its own process.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import delete, select

from corpus.errors import ConfigError
from corpus.models import CrawlRun
from corpus.run_records import finish_run, start_run
from corpus.store import Store

# `python -m crawler` exits with this when the crawl never started (bad profile or option).
CRAWL_CONFIG_ERROR = 2


@dataclass(frozen=True)
class CrawlRequest:
    urls: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    base_url: str | None = None
    depth: int | None = None
    workers: int | None = None
    jobdir: str | None = None
    settings: tuple[str, ...] = ()
    # distributed crawl (docs/distributed.md): shared queue in Redis, its key prefix
    redis: str | None = None
    redis_prefix: str | None = None
    idle_timeout: float | None = None

    def label(self) -> str:
        return ",".join(self.sites) or ",".join(self.urls)

    def as_settings(self) -> dict[str, Any]:
        """What the crawl_runs row keeps, so that `crawl --resume` can run it again."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
        }

    @classmethod
    def from_settings(cls, stored: dict[str, Any]) -> CrawlRequest:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in stored.items() if k in known
        }
        return cls(**values)


def crawler_argv(store: Store, run_id: int, request: CrawlRequest) -> list[str]:
    argv = [sys.executable, "-m", "crawler", "--db", store.url, "--run-id", str(run_id)]
    for site in request.sites:
        argv += ["--site", site]
    optional = {
        "--base-url": request.base_url,
        "--depth": request.depth,
        "--workers": request.workers,
        "--jobdir": request.jobdir,
        "--redis": request.redis,
        "--redis-prefix": request.redis_prefix,
        "--idle-timeout": request.idle_timeout,
    }
    for flag, value in optional.items():
        if value is not None:
            argv += [flag, str(value)]
    for setting in request.settings:
        argv += ["--set", setting]
    return argv + list(request.urls)


def open_run(
    store: Store,
    request: CrawlRequest,
    schedule_id: int | None = None,
    stats: dict[str, Any] | None = None,
) -> int:
    """The crawl_runs row for a request, keeping what `crawl --resume` needs to run it again."""
    start_urls = [*request.urls, *request.sites]
    return start_run(store, request.label(), start_urls, request.as_settings(), schedule_id, stats)


def run_crawl(store: Store, request: CrawlRequest, run_id: int | None = None) -> int:
    """Run a crawl to its end in a child process; returns the crawl run's id."""
    if not request.urls and not request.sites:
        raise ConfigError("nothing to crawl: give start URLs or --site PROFILE")
    created = run_id is None
    if request.redis and not request.redis_prefix:
        request = replace(request, redis_prefix=f"debtcorpus:{uuid.uuid4().hex[:12]}")
    if run_id is None:
        run_id = open_run(store, request)
    returncode = _wait_for_child(crawler_argv(store, run_id, request))
    if returncode == CRAWL_CONFIG_ERROR:
        if created:
            _forget_run(store, run_id)
        raise ConfigError("the crawl did not start; the error above says why")
    if not request.redis:  # a distributed run is closed by its last worker
        _close_if_abandoned(store, run_id, returncode)
    return run_id


def resume_crawl(store: Store, run_id: int) -> int:
    """Carry on an interrupted or killed run: pages it stored are replayed from the store
    (to follow their links), everything else is fetched; nothing is stored twice."""
    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise ConfigError(f"there is no crawl run {run_id}; see `debtcorpus runs`")
        if run.status == "finished":
            raise ConfigError(f"crawl run {run_id} finished already; nothing to resume")
        if run.settings.get("source") == "warc":
            raise ConfigError(
                f"run {run_id} read WARC files; resume it with `ingest-warc --resume`"
            )
        request = CrawlRequest.from_settings(run.settings)
        run.status, run.finished_at = "running", None
    resumed = replace(request, settings=(*request.settings, f"DEBTCORPUS_RESUME_RUN={run_id}"))
    return run_crawl(store, resumed, run_id=run_id)


def _wait_for_child(argv: Sequence[str]) -> int:
    child = subprocess.Popen(argv)
    try:
        return child.wait()
    except KeyboardInterrupt:
        # The terminal sent SIGINT to the child too; let Scrapy finish its graceful stop.
        child.send_signal(signal.SIGINT)
        return child.wait()


def _forget_run(store: Store, run_id: int) -> None:
    with store.session() as session:
        session.execute(delete(CrawlRun).where(CrawlRun.id == run_id))


def _close_if_abandoned(store: Store, run_id: int, returncode: int) -> None:
    """A child that died without closing its run (killed, crashed) leaves it 'running'."""
    with store.session() as session:
        status = session.scalar(select(CrawlRun.status).where(CrawlRun.id == run_id))
    if status == "running":
        kind = "killed" if returncode < 0 else "failed"
        finish_run(store, run_id, kind, {"exit_code": returncode})
