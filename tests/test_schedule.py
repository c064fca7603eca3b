"""Schedules: parsing, the `schedule` commands, and the database lock (real SQLite, no crawl)."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from corpus.cli import cli
from corpus.errors import ConfigError
from corpus.schedule.scheduler import Job, Outcome, claim, due_jobs, release, renew
from corpus.schedule.schedules import (
    Timing,
    as_utc,
    check_cron,
    format_every,
    get_schedule,
    parse_every,
)
from corpus.store import Store, open_store

BASE = "http://127.0.0.1:9"
LEASE = timedelta(minutes=5)


def invoke(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--db", str(db)])


def add(db: Path, name: str, *timing: str, site: str = "sample-law") -> Result:
    return invoke(db, "schedule", "add", name, "--site", site, "--base-url", BASE, *timing)


@pytest.fixture
def store(db_path: Path) -> Store:
    return open_store(str(db_path))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1m", 60), ("30m", 1800), ("6h", 21600), ("1d", 86400), ("1h30m", 5400), ("90s", 90)],
)
def test_every_parses_units(text: str, seconds: int) -> None:
    assert parse_every(text) == seconds
    assert parse_every(format_every(seconds)) == seconds


@pytest.mark.parametrize("text", ["6", "h", "6x", "6 h", "-1h", "1.5h", "6H", "", "0m", "59s"])
def test_every_rejects_bad_values(text: str) -> None:
    with pytest.raises(ConfigError, match="--every"):
        parse_every(text)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 3 * *", "has 4 fields"),
        ("0 3 * * * *", "has 6 fields"),
        ("61 3 * * *", "not a valid cron"),
        ("0 3 * * mon-xyz", "not a valid cron"),
        ("@sometimes", "unknown alias"),
    ],
)
def test_cron_rejects_bad_values(expression: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_cron(expression)


def test_cron_next_run_reads_its_time_zone() -> None:
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert Timing("0 3 * * *", None).next_after(moment) == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    shanghai = Timing("0 3 * * *", None, "Asia/Shanghai")
    assert shanghai.next_after(moment) == datetime(2026, 3, 1, 19, 0, tzinfo=UTC)
    assert Timing(None, 3600).next_after(moment) == moment + timedelta(hours=1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--cron", "0 3 * *"), "cron needs 5"),
        (("--cron", "99 3 * * *"), "not a valid cron"),
        (("--every", "6x"), "not an interval"),
        (("--every", "10s"), "shorter than the minimum"),
        ((), "exactly one of --cron"),
        (("--cron", "0 3 * * *", "--every", "6h"), "exactly one of --cron"),
        (("--cron", "0 3 * * *", "--tz", "Mars/Olympus"), "not a known time zone"),
        (("--cron", "* * 31 2 *"), "never fires"),
        (("--cron", "0 0 30 2 *"), "never fires"),
        (("--cron", "0 0 31 4,6,9,11 *"), "never fires"),
        (("--cron", ""), "has 0 fields"),
        (("--cron", "0 3 * * *", "--base-url", "ftp://127.0.0.1/"), "not an http(s) URL"),
        (("--every", "400d"), "longer than the maximum of 366d"),
        (("--every", "1h", "--tz", "Asia/Shanghai"), "--tz applies to --cron only"),
    ],
)
def test_bad_schedule_values_are_clean_errors(
    db_path: Path, options: tuple[str, ...], message: str
) -> None:
    result = add(db_path, "law", *options)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not db_path.exists()


def test_a_bad_schedule_name_is_one_line(db_path: Path) -> None:
    result = add(db_path, "two words", "--every", "1h")
    assert result.exit_code == 2 and "schedule name 'two words'" in result.output
    assert not db_path.exists()


def test_a_cron_that_fires_only_in_leap_years_is_accepted() -> None:
    assert check_cron("0 0 29 2 *") == "0 0 29 2 *"
    leap = Timing("0 0 29 2 *", None).next_after(datetime(2026, 3, 1, tzinfo=UTC))
    assert leap == datetime(2028, 2, 29, tzinfo=UTC)
    last_day = Timing("0 3 L 2 *", None).next_after(datetime(2026, 3, 1, tzinfo=UTC))
    assert last_day == datetime(2027, 2, 28, 3, 0, tzinfo=UTC)


def test_unknown_profile_and_missing_base_url_are_clean_errors(db_path: Path) -> None:
    result = add(db_path, "x", "--every", "1h", site="nope")
    assert result.exit_code == 2 and "no site profile 'nope'" in result.output
    result = invoke(db_path, "schedule", "add", "x", "--site", "sample-law", "--every", "1h")
    assert result.exit_code == 2 and "pass --base-url" in result.output


def test_add_list_pause_resume_remove(db_path: Path, store: Store) -> None:
    assert add(db_path, "law", "--every", "6h").exit_code == 0
    result = add(db_path, "news", "--cron", "0 3 * * *", site="sample-news")
    assert result.exit_code == 0, result.output
    assert add(db_path, "law", "--every", "1h").exit_code == 2  # the name is taken

    listing = invoke(db_path, "schedule", "list")
    assert listing.exit_code == 0
    assert "every 6h" in listing.output and "cron 0 3 * * *" in listing.output

    law = get_schedule(store, "law")
    assert law.base_url == BASE and law.every_seconds == 21600 and law.next_run_at is not None
    assert [job.name for job in due_jobs(store, datetime.now(UTC))] == ["law"]

    assert invoke(db_path, "schedule", "pause", "law").exit_code == 0
    assert "paused" in invoke(db_path, "schedule", "list").output
    assert due_jobs(store, datetime.now(UTC)) == []
    assert invoke(db_path, "schedule", "resume", "law").exit_code == 0
    assert get_schedule(store, "law").paused is False

    assert invoke(db_path, "schedule", "remove", "news").exit_code == 0
    missing = invoke(db_path, "schedule", "pause", "news")
    assert missing.exit_code == 2 and "no schedule named 'news'" in missing.output


def test_profile_path_is_stored_absolute(db_path: Path, tmp_path: Path, store: Store) -> None:
    profile = tmp_path / "mine.yaml"
    profile.write_text("name: mine\nstart_urls: [http://127.0.0.1:9/x/]\n", "utf-8")
    result = invoke(db_path, "schedule", "add", "mine", "--site", str(profile), "--every", "1d")
    assert result.exit_code == 0, result.output
    assert get_schedule(store, "mine").site == str(profile.resolve())


def job_named(store: Store, name: str) -> Job:
    return Job.of(get_schedule(store, name))


def test_lock_is_taken_once_and_released_with_next_run_from_now(
    db_path: Path, store: Store
) -> None:
    assert add(db_path, "law", "--every", "1h").exit_code == 0
    job = job_named(store, "law")
    assert claim(store, job, "a", LEASE)
    assert not claim(store, job, "b", LEASE)
    assert renew(store, job, "a", LEASE) and not renew(store, job, "b", LEASE)
    assert "running" in invoke(db_path, "schedule", "list").output
    removing = invoke(db_path, "schedule", "remove", "law")
    assert removing.exit_code == 2 and "running now" in removing.output

    release(store, job, "a", Outcome(None, "config-error", "test"))
    after = get_schedule(store, "law")
    assert after.locked_by is None and after.last_status == "config-error"
    assert after.next_run_at is not None
    # next run is an interval from now, not from the missed slot: it is not due again
    assert as_utc(after.next_run_at) > datetime.now(UTC) + timedelta(minutes=59)
    assert not claim(store, job, "b", LEASE)
    assert claim(store, job, "b", LEASE, due_only=False)


def test_expired_lease_can_be_taken_over(db_path: Path, store: Store) -> None:
    assert add(db_path, "law", "--every", "1h").exit_code == 0
    job = job_named(store, "law")
    assert claim(store, job, "dead", timedelta(seconds=-1))
    assert claim(store, job, "alive", LEASE)
    release(store, job, "dead", Outcome(None, "error"))  # the dead holder cannot release it
    assert get_schedule(store, "law").locked_by == "alive"


def test_one_site_is_never_crawled_twice_at_once(db_path: Path, store: Store) -> None:
    assert add(db_path, "law-a", "--every", "1h").exit_code == 0
    assert add(db_path, "law-b", "--every", "2h").exit_code == 0
    assert add(db_path, "news", "--every", "2h", site="sample-news").exit_code == 0
    assert claim(store, job_named(store, "law-a"), "one", LEASE)
    assert not claim(store, job_named(store, "law-b"), "two", LEASE)
    assert claim(store, job_named(store, "news"), "two", LEASE)


def test_run_now_refuses_a_running_schedule(db_path: Path, store: Store) -> None:
    assert add(db_path, "law", "--every", "1h").exit_code == 0
    assert claim(store, job_named(store, "law"), "other", LEASE)
    result = invoke(db_path, "schedule", "run-now", "law")
    assert result.exit_code == 2 and "is running now" in result.output


def test_run_now_queue_makes_a_schedule_due(db_path: Path, store: Store) -> None:
    assert add(db_path, "law", "--cron", "0 3 * * *").exit_code == 0
    assert due_jobs(store, datetime.now(UTC)) == []
    assert invoke(db_path, "schedule", "run-now", "law", "--queue").exit_code == 0
    assert [job.name for job in due_jobs(store, datetime.now(UTC))] == ["law"]


def test_the_readme_schedule_line_works(db_path: Path, store: Store) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    line = next(row for row in readme.splitlines() if row.startswith("debtcorpus schedule add"))
    args = shlex.split(line.split(";")[0].split("#")[0])[1:]
    result = invoke(db_path, *args)
    assert result.exit_code == 0, result.output
    assert "added schedule" in result.output
