"""Crawl runs as the CLI sees them: start one as a child Scrapy process, list them, show one.

corpus/ never imports Scrapy: a crawl is `python -m crawler ...` in its own process.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from corpus.errors import ConfigError
from corpus.ingest import finish_run, start_run
from corpus.models import CrawlRun
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

    def label(self) -> str:
        return ",".join(self.sites) or ",".join(self.urls)


def crawler_argv(store: Store, run_id: int, request: CrawlRequest) -> list[str]:
    argv = [sys.executable, "-m", "crawler", "--db", store.url, "--run-id", str(run_id)]
    for site in request.sites:
        argv += ["--site", site]
    optional = {
        "--base-url": request.base_url,
        "--depth": request.depth,
        "--workers": request.workers,
        "--jobdir": request.jobdir,
    }
    for flag, value in optional.items():
        if value is not None:
            argv += [flag, str(value)]
    for setting in request.settings:
        argv += ["--set", setting]
    return argv + list(request.urls)


def run_crawl(store: Store, request: CrawlRequest, run_id: int | None = None) -> int:
    """Run a crawl to its end in a child process; returns the crawl run's id."""
    if not request.urls and not request.sites:
        raise ConfigError("nothing to crawl: give start URLs or --site PROFILE")
    if run_id is None:
        settings = {"depth": request.depth, "base_url": request.base_url}
        run_id = start_run(store, request.label(), [*request.urls, *request.sites], settings)
    returncode = _wait_for_child(crawler_argv(store, run_id, request))
    if returncode == CRAWL_CONFIG_ERROR:
        _forget_run(store, run_id)
        raise ConfigError("the crawl did not start; the error above says why")
    _close_if_abandoned(store, run_id, returncode)
    return run_id


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
