"""Schedules: named, recurring crawls of one site profile, kept in the `schedules` table.

A schedule fires on a cron expression (read in its own time zone) or every fixed interval.
After each run its next time is computed from the moment the run ended, so slots missed while
no scheduler was running collapse into a single run. `corpus.schedule.scheduler` runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from corpus.errors import ConfigError
from corpus.models import CrawlRun, Schedule
from corpus.profiles import load_profile, stored_site
from corpus.store import Store

EVERY_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
MIN_EVERY_SECONDS = 60
MAX_EVERY_SECONDS = 366 * 86_400
_EVERY = re.compile(r"(?:\d+[smhd])+")
_EVERY_PART = re.compile(r"(\d+)([smhd])")
_NAME = re.compile(r"\w[\w.-]{0,199}")
CRON_FIELDS = "minute hour day-of-month month day-of-week"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_every(text: str) -> int:
    """'30m', '6h', '1d', '1h30m' -> seconds; strict: digits and units s, m, h, d only."""
    value = text.strip()
    if not _EVERY.fullmatch(value):
        raise ConfigError(
            f"--every {text!r} is not an interval: use whole numbers with a unit "
            "s, m, h or d, e.g. 30m, 6h, 1d or 1h30m"
        )
    seconds = sum(int(number) * EVERY_UNITS[unit] for number, unit in _EVERY_PART.findall(value))
    if seconds < MIN_EVERY_SECONDS:
        raise ConfigError(f"--every {text!r} is shorter than the minimum of 1m")
    if seconds > MAX_EVERY_SECONDS:
        raise ConfigError(
            f"--every {text!r} is longer than the maximum of 366d; use --cron for rarer crawls"
        )
    return seconds


def format_every(seconds: int) -> str:
    """The inverse of parse_every: 5400 -> '1h30m'."""
    parts = []
    for unit, size in EVERY_UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def check_cron(expression: str) -> str:
    """A five-field cron expression (or an @daily-style alias), normalised; else ConfigError."""
    fields = expression.split()
    if len(fields) == 1 and fields[0].startswith("@"):
        if not croniter.is_valid(fields[0]):
            raise ConfigError(
                f"--cron {expression!r}: unknown alias; use @hourly, @daily, @weekly, "
                "@monthly, @yearly or five fields"
            )
        return fields[0]
    if len(fields) != 5:
        raise ConfigError(
            f"--cron {expression!r} has {len(fields)} fields; cron needs 5 "
            f"({CRON_FIELDS}), e.g. '0 3 * * *' for 03:00 every day"
        )
    normalised = " ".join(fields)
    try:
        croniter(normalised)
    except (CroniterError, ValueError) as exc:
        raise ConfigError(f"--cron {expression!r} is not a valid cron expression: {exc}") from exc
    check_fires(normalised, expression)
    return normalised


def check_fires(cron: str, shown: str) -> None:
    """ConfigError when `cron` names no real moment (e.g. '* * 31 2 *', 31 February)."""
    try:
        croniter(cron, datetime(2000, 1, 1, tzinfo=UTC)).get_next(datetime)
    except CroniterBadDateError as exc:
        raise ConfigError(
            f"--cron {shown!r} never fires: no date has that day of the month in that month "
            f"({CRON_FIELDS}); e.g. '0 3 L 2 *' is the last day of February"
        ) from exc


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"--tz {name!r} is not a known time zone; use an IANA name like UTC or Asia/Shanghai"
        ) from exc


@dataclass(frozen=True)
class Timing:
    """When a schedule fires: exactly one of cron / every_seconds."""

    cron: str | None
    every_seconds: int | None
    timezone: str = "UTC"

    def next_after(self, moment: datetime) -> datetime:
        """The first firing time strictly after `moment`, in UTC."""
        if self.every_seconds is not None:
            return as_utc(moment) + timedelta(seconds=self.every_seconds)
        assert self.cron is not None, "a schedule has a cron expression or an interval"
        local = as_utc(moment).astimezone(check_timezone(self.timezone))
        return as_utc(croniter(self.cron, local).get_next(datetime))

    def describe(self) -> str:
        if self.every_seconds is not None:
            return f"every {format_every(self.every_seconds)}"
        zone = "" if self.timezone == "UTC" else f" ({self.timezone})"
        return f"cron {self.cron}{zone}"


def timing_of(schedule: Schedule) -> Timing:
    return Timing(schedule.cron, schedule.every_seconds, schedule.timezone or "UTC")


@dataclass(frozen=True)
class ScheduleSpec:
    """A checked `schedule add`: what gets stored."""

    name: str
    site: str
    base_url: str | None
    timing: Timing


def make_spec(
    name: str,
    site: str,
    cron: str | None,
    every: str | None,
    base_url: str | None = None,
    timezone: str = "UTC",
) -> ScheduleSpec:
    """Check every part of a new schedule, with messages that say how to fix it."""
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"schedule name {name!r}: use letters, digits, '.', '_' or '-' (at most 200)"
        )
    if (cron is None) == (every is None):
        raise ConfigError("give exactly one of --cron EXPRESSION or --every INTERVAL")
    check_timezone(timezone)
    if every is not None and timezone != "UTC":
        raise ConfigError("--tz applies to --cron only; an --every interval has no time zone")
    timing = Timing(
        cron=check_cron(cron) if cron is not None else None,
        every_seconds=parse_every(every) if every is not None else None,
        timezone=timezone,
    )
    checked_base = check_base_url(base_url) if base_url else None
    return ScheduleSpec(name, check_site(site, checked_base), checked_base, timing)


def check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--base-url {base_url!r} is not an http(s) URL like http://host:8765")
    return base_url.rstrip("/")


def check_site(site: str, base_url: str | None) -> str:
    """The profile name (or absolute path) to store; ConfigError when the crawl could not start
    (no such profile, an invalid one, relative URLs without a base URL)."""
    profile = load_profile(site)
    profile.resolved(base_url)
    return stored_site(site)


def add_schedule(store: Store, spec: ScheduleSpec, now: datetime | None = None) -> Schedule:
    """Store a new schedule. An interval schedule is due at once; a cron one at its next slot."""
    now = now or utcnow()
    first_run = now if spec.timing.every_seconds is not None else spec.timing.next_after(now)
    with store.session() as session:
        if session.scalar(select(Schedule.id).where(Schedule.name == spec.name)) is not None:
            raise ConfigError(
                f"a schedule named {spec.name!r} exists; remove it first or pick another name"
            )
        schedule = Schedule(
            name=spec.name,
            site=spec.site,
            base_url=spec.base_url,
            cron=spec.timing.cron,
            timezone=spec.timing.timezone,
            every_seconds=spec.timing.every_seconds,
            created_at=now,
            next_run_at=first_run,
        )
        session.add(schedule)
        session.flush()
        return schedule


def list_schedules(store: Store) -> list[Schedule]:
    with store.session() as session:
        return list(session.scalars(select(Schedule).order_by(Schedule.name)))


def find_schedule(session: Session, name: str) -> Schedule:
    schedule = session.scalars(select(Schedule).where(Schedule.name == name)).one_or_none()
    if schedule is None:
        known = ", ".join(session.scalars(select(Schedule.name).order_by(Schedule.name)))
        raise ConfigError(f"no schedule named {name!r}; schedules: {known or 'none yet'}")
    return schedule


def get_schedule(store: Store, name: str) -> Schedule:
    with store.session() as session:
        return find_schedule(session, name)


def set_paused(store: Store, name: str, paused: bool) -> Schedule:
    """Pause or resume. A resumed schedule whose time passed runs once, at the next tick."""
    with store.session() as session:
        schedule = find_schedule(session, name)
        schedule.paused = paused
        return schedule


def is_running(schedule: Schedule, now: datetime | None = None) -> bool:
    """Held by a scheduler whose lease has not run out."""
    if schedule.locked_by is None or schedule.locked_until is None:
        return False
    return as_utc(schedule.locked_until) >= (now or utcnow())


def remove_schedule(store: Store, name: str) -> None:
    """Delete a schedule; its past runs stay, keeping its name in their stats."""
    with store.session() as session:
        schedule = find_schedule(session, name)
        if is_running(schedule):
            raise ConfigError(
                f"schedule {name!r} is running now (held by {schedule.locked_by}); "
                "pause it and remove it when the run has ended"
            )
        session.execute(
            update(CrawlRun).where(CrawlRun.schedule_id == schedule.id).values(schedule_id=None)
        )
        session.delete(schedule)


def schedule_names(store: Store, schedule_ids: set[int]) -> dict[int, str]:
    if not schedule_ids:
        return {}
    with store.session() as session:
        rows = session.execute(
            select(Schedule.id, Schedule.name).where(Schedule.id.in_(schedule_ids))
        ).all()
    return {schedule_id: name for schedule_id, name in rows}
