"""The scheduler: runs due schedules, each crawl in its own child process (`run_crawl`).

Two schedulers on one database never run the same schedule at once: a scheduler takes a
schedule with one atomic UPDATE that succeeds only while nobody holds it (or the holder's lease
ran out) and, for the scheduler loop, while it is still due. The lease is renewed while the crawl
runs and released, with the next run time computed from now, when it ends.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import psutil
from sqlalchemy import CursorResult, and_, exists, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased

from corpus.crawl_contract import CrawlRequest
from corpus.crawl_runs import open_run, run_crawl
from corpus.errors import ConfigError
from corpus.health.config import notifiers_from
from corpus.health.run import check_run
from corpus.models import CrawlRun, Schedule
from corpus.run_records import finish_run
from corpus.schedule.schedules import find_schedule, timing_of, utcnow
from corpus.store import Store

log = logging.getLogger("debtcorpus.schedule.scheduler")

DEFAULT_LEASE_SECONDS = 300
DEFAULT_CRAWL_SETTINGS = ("LOG_LEVEL=WARNING",)


def new_owner_id() -> str:
    """Who holds a lock: host, pid and a random part (pids repeat across containers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Job:
    """What a worker needs of a schedule, detached from any session."""

    schedule_id: int
    name: str
    site: str
    base_url: str | None

    @classmethod
    def of(cls, schedule: Schedule) -> Job:
        return cls(schedule.id, schedule.name, schedule.site, schedule.base_url)


@dataclass(frozen=True)
class Outcome:
    """How one scheduled crawl ended: its run (None when it never started) and status."""

    run_id: int | None
    status: str
    error: str | None = None


def _changed(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def claim(store: Store, job: Job, owner: str, lease: timedelta, due_only: bool = True) -> bool:
    """Take the schedule's lock in one UPDATE; False when another holder or the site is busy."""
    now = utcnow()
    other = aliased(Schedule)
    site_busy = exists().where(
        other.site == job.site,
        other.id != job.schedule_id,
        other.locked_by.is_not(None),
        other.locked_until >= now,
    )
    conditions = [
        Schedule.id == job.schedule_id,
        or_(Schedule.locked_by.is_(None), Schedule.locked_until < now),
        ~site_busy,
    ]
    if due_only:
        conditions += [Schedule.paused.is_(False), Schedule.next_run_at <= now]
    statement = (
        update(Schedule)
        .where(and_(*conditions))
        .values(locked_by=owner, locked_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    with store.session() as session:
        return _changed(session.execute(statement)) == 1


def renew(store: Store, job: Job, owner: str, lease: timedelta) -> bool:
    statement = (
        update(Schedule)
        .where(Schedule.id == job.schedule_id, Schedule.locked_by == owner)
        .values(locked_until=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
    with store.session() as session:
        return _changed(session.execute(statement)) == 1


def release(store: Store, job: Job, owner: str, outcome: Outcome) -> None:
    """Record the run on the schedule, set its next time from now, and drop the lock."""
    with store.session() as session:
        schedule = session.get(Schedule, job.schedule_id)
        if schedule is None or schedule.locked_by != owner:
            log.warning("schedule %s: lock was lost before the run ended", job.name)
            return
        now = utcnow()
        schedule.last_run_at = now
        schedule.last_status = outcome.status
        schedule.last_run_id = outcome.run_id
        schedule.next_run_at = timing_of(schedule).next_after(now)
        schedule.locked_by = schedule.locked_until = None


class _LeaseKeeper(threading.Thread):
    """Renews a held lock every third of the lease until stopped."""

    def __init__(self, store: Store, job: Job, owner: str, lease: timedelta) -> None:
        super().__init__(name=f"lease-{job.name}", daemon=True)
        self.store, self.job, self.owner, self.lease = store, job, owner, lease
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.lease.total_seconds() / 3):
            if not renew(self.store, self.job, self.owner, self.lease):
                log.warning("schedule %s: could not renew its lock", self.job.name)


@contextmanager
def leased(store: Store, job: Job, owner: str, lease: timedelta) -> Iterator[None]:
    keeper = _LeaseKeeper(store, job, owner, lease)
    keeper.start()
    try:
        yield
    finally:
        keeper.done.set()
        keeper.join()


def open_scheduled_run(store: Store, job: Job, request: CrawlRequest) -> int:
    """The crawl_runs row, tagged with its schedule before the crawl starts."""
    # The name is kept in stats too, so the run still names its schedule after it is removed.
    return open_run(store, request, schedule_id=job.schedule_id, stats={"schedule": job.name})


def crawl_job(
    store: Store, job: Job, settings: tuple[str, ...], on_start: Callable[[int], None] | None = None
) -> Outcome:
    """Run the schedule's crawl to its end; a crawl that cannot start is an outcome too."""
    request = CrawlRequest(sites=(job.site,), base_url=job.base_url, settings=settings)
    run_id = open_scheduled_run(store, job, request)
    if on_start is not None:
        on_start(run_id)
    try:
        run_crawl(store, request, run_id=run_id)
    except ConfigError as exc:
        return Outcome(close_unstarted(store, run_id, str(exc)), "config-error", str(exc))
    try:  # failures go to the profile's notifiers and $DEBTCORPUS_HEALTH_WEBHOOK ...
        check_run(store, run_id, notifiers_from())
    except OperationalError as exc:
        log.warning("schedule %s: run %s not health-checked: %s", job.name, run_id, exc)
    with store.session() as session:
        status = session.scalar(select(CrawlRun.status).where(CrawlRun.id == run_id))
    return Outcome(run_id, status or "missing")


def close_unstarted(store: Store, run_id: int, error: str) -> int | None:
    """Keep a scheduled crawl that never started as a closed run, so `runs` shows the failure."""
    with store.session() as session:
        if session.get(CrawlRun, run_id) is None:
            return None
    finish_run(store, run_id, "config-error", {"error": error})
    return run_id


def run_held_job(
    store: Store,
    job: Job,
    owner: str,
    lease: timedelta,
    settings: tuple[str, ...],
    on_start: Callable[[int], None] | None = None,
) -> Outcome:
    """Crawl a job whose lock this owner holds; renew the lock meanwhile, release it after."""
    outcome = Outcome(None, "error", "the scheduler failed before the crawl ended")
    try:
        with leased(store, job, owner, lease):
            outcome = crawl_job(store, job, settings, on_start)
    except Exception as exc:
        log.exception("schedule %s: the run failed", job.name)
        outcome = Outcome(None, "error", str(exc))
    finally:
        release(store, job, owner, outcome)
    return outcome


def run_now(
    store: Store,
    name: str,
    settings: tuple[str, ...] = DEFAULT_CRAWL_SETTINGS,
    lease_seconds: int = DEFAULT_LEASE_SECONDS,
) -> Outcome:
    """`schedule run-now`: crawl a schedule at once in this process, due or not, paused or not."""
    with store.session() as session:
        job = Job.of(find_schedule(session, name))
    owner, lease = new_owner_id(), timedelta(seconds=lease_seconds)
    if not claim(store, job, owner, lease, due_only=False):
        raise ConfigError(
            f"schedule {name!r} (or another schedule of site {job.site!r}) is running now; "
            "see `debtcorpus schedule list`"
        )
    return run_held_job(store, job, owner, lease, settings)


def mark_due(store: Store, name: str) -> datetime:
    """`schedule run-now --queue`: make the schedule due, for a running scheduler to pick up."""
    now = utcnow()
    with store.session() as session:
        schedule = find_schedule(session, name)
        schedule.next_run_at = now
    return now


def due_jobs(store: Store, now: datetime) -> list[Job]:
    with store.session() as session:
        rows = session.scalars(
            select(Schedule)
            .where(Schedule.paused.is_(False), Schedule.next_run_at <= now)
            .order_by(Schedule.next_run_at, Schedule.id)
        )
        return [Job.of(row) for row in rows]


def forward_to_crawls(signum: int) -> list[int]:
    """Send a signal to this process's crawl children (by pid); returns their pids."""
    pids = []
    for child in psutil.Process().children():
        try:
            argv = child.cmdline()
            if "crawler" in argv and "--run-id" in argv:
                child.send_signal(signum)
                pids.append(child.pid)
        except psutil.Error:
            continue  # it ended meanwhile
    return pids


def install_signal_handlers(on_stop: Callable[[int], None]) -> None:
    """SIGTERM and SIGINT call on_stop(signum) instead of killing the process."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: on_stop(number))


@dataclass(frozen=True)
class SchedulerConfig:
    poll_seconds: float = 30.0
    # crawls at once across sites; never two of one site
    parallel: int = 1
    # run what is due now, then exit
    once: bool = False
    lease_seconds: int = DEFAULT_LEASE_SECONDS
    crawl_settings: tuple[str, ...] = DEFAULT_CRAWL_SETTINGS


@dataclass
class _Running:
    job: Job
    thread: threading.Thread
    run_id: int | None = None


class Scheduler:
    """The foreground loop: take due schedules, crawl each in a worker thread, stop cleanly."""

    def __init__(self, store: Store, config: SchedulerConfig, owner: str | None = None) -> None:
        self.store, self.config = store, config
        self.owner = owner or new_owner_id()
        self.lease = timedelta(seconds=config.lease_seconds)
        self.stopping = threading.Event()
        self.outcomes: list[tuple[Job, Outcome]] = []
        self._wake = threading.Event()
        self._running: dict[int, _Running] = {}
        self._started: set[int] = set()

    def run(self) -> list[tuple[Job, Outcome]]:
        """Loop until stopped (or, with `once`, until nothing due is left); returns outcomes."""
        log.info("scheduler %s started (poll %ss)", self.owner, self.config.poll_seconds)
        while True:
            self._wake.clear()
            self._reap()
            if not self.stopping.is_set():
                self._start_due_or_wait()
            if not self._running and (self.config.once or self.stopping.is_set()):
                break
            self._wake.wait(self.config.poll_seconds)
        log.info("scheduler %s stopped after %d run(s)", self.owner, len(self.outcomes))
        return self.outcomes

    def stop(self, signum: int | None = None) -> None:
        """Take no new jobs; on SIGTERM pass it on to running crawls (they stop gracefully).

        SIGINT is not passed on: Ctrl-C in a terminal reaches the crawl processes already."""
        if not self.stopping.is_set():
            runs = [running.run_id for running in self._running.values()]
            log.info("stopping: no new crawls; waiting for runs %s", runs or "none")
        self.stopping.set()
        if signum == signal.SIGTERM:
            forward_to_crawls(signal.SIGTERM)
        self._wake.set()

    def _start_due_or_wait(self) -> None:
        """A database that is briefly unreachable or locked is retried at the next tick."""
        try:
            self._start_due()
        except OperationalError as exc:
            log.warning(
                "cannot read schedules now, retrying in %ss: %s", self.config.poll_seconds, exc
            )

    def _start_due(self) -> None:
        for job in due_jobs(self.store, utcnow()):
            if len(self._running) >= self.config.parallel:
                return
            if self._skip(job):
                continue
            if claim(self.store, job, self.owner, self.lease):
                self._launch(job)

    def _skip(self, job: Job) -> bool:
        busy_sites = {running.job.site for running in self._running.values()}
        started_already = self.config.once and job.schedule_id in self._started
        return job.site in busy_sites or job.schedule_id in self._running or started_already

    def _launch(self, job: Job) -> None:
        running = _Running(job, threading.Thread(target=self._work, args=(job,), name=job.name))
        self._running[job.schedule_id] = running
        self._started.add(job.schedule_id)
        log.info("schedule %s: crawling %s", job.name, job.site)
        running.thread.start()

    def _work(self, job: Job) -> None:
        def started(run_id: int) -> None:
            self._running[job.schedule_id].run_id = run_id

        outcome = run_held_job(
            self.store, job, self.owner, self.lease, self.config.crawl_settings, started
        )
        self.outcomes.append((job, outcome))
        detail = f": {outcome.error}" if outcome.error else ""
        log.info("schedule %s: run %s %s%s", job.name, outcome.run_id, outcome.status, detail)
        self._wake.set()

    def _reap(self) -> None:
        for schedule_id, running in list(self._running.items()):
            if not running.thread.is_alive():
                running.thread.join()
                del self._running[schedule_id]
