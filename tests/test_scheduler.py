"""The scheduler end to end: real sample-site server, real SQLite file, real crawl processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from corpus.cli import cli
from corpus.models import Article, ArticleRevision, CrawlRun, Page, Schedule
from corpus.schedule.schedules import as_utc
from corpus.store import Store
from tests.conftest import start_sample_site

pytestmark = pytest.mark.slow

# A few pages of the law blog: its first list page and the articles it links to.
SMALL_PROFILE = """name: sched-law
start_urls: [/law/]
follow: ['/law/hf/']
article_patterns: ['/law/hf/.+\\.html$']
depth: 1
"""
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False")
APPENDED = "补充:催收人员每天拨打电话不得超过三次。"


def debtcorpus(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "corpus", *args, "--db", str(db)]


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(debtcorpus(db, *args), capture_output=True, text=True, timeout=120)


def write_profile(folder: Path, text: str = SMALL_PROFILE) -> Path:
    profile = folder / "sched-law.yaml"
    profile.write_text(text, "utf-8")
    return profile


def add_schedule(db: Path, profile: Path, base_url: str, name: str = "law") -> None:
    """Make the corpus (schedule add needs one) and add schedule `name` to it: set-up, in
    process (two `debtcorpus` start-ups less per test; the scheduler runs as a process)."""
    runner = CliRunner()
    upgraded = runner.invoke(cli, ["db", "upgrade", "--db", str(db)])
    assert upgraded.exit_code == 0, upgraded.output
    add = ["schedule", "add", name, "--site", str(profile), "--every", "1h"]
    added = runner.invoke(cli, [*add, "--base-url", base_url, "--db", str(db)])
    assert added.exit_code == 0, added.output


def post(url: str, body: str) -> None:
    request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def all_runs(store: Store) -> list[CrawlRun]:
    with store.session() as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def schedule_row(store: Store, name: str = "law") -> Schedule:
    with store.session() as session:
        return session.scalars(select(Schedule).where(Schedule.name == name)).one()


@dataclass(frozen=True)
class TwoRuns:
    store: Store
    db: Path
    edited_url: str
    first: CrawlRun
    second: CrawlRun
    next_after_first: datetime


def edited_article_url(store: Store) -> str:
    with store.session() as session:
        urls = session.scalars(select(Article.url).where(Article.url.contains("/law/hf/")))
        return sorted(urls)[0]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoRuns]:
    """A schedule whose slots were missed for days runs once; then, after an edit on the
    site, a second scheduled run. The site is this module's own, since it gets edited."""
    folder = tmp_path_factory.mktemp("scheduler")
    db = folder / "corpus.db"
    process, base_url = start_sample_site()
    try:
        add_schedule(db, write_profile(folder), base_url)
        store = Store(str(db))
        with store.session() as session:
            missed = datetime.now(UTC) - timedelta(days=3)
            session.execute(update(Schedule).values(next_run_at=missed))
        first = run_cli(db, "scheduler", "--once", "--poll", "0.2", *FAST)
        assert first.returncode == 0, first.stderr
        next_after_first = as_utc(schedule_row(store).next_run_at or datetime.min)
        url = edited_article_url(store)
        post(f"{base_url}/_control/edit?path={url.removeprefix(base_url)}", APPENDED)
        assert run_cli(db, "schedule", "run-now", "law", "--queue").returncode == 0
        second = run_cli(db, "scheduler", "--once", "--poll", "0.2", *FAST)
        assert second.returncode == 0, second.stderr
        runs = all_runs(store)
        assert len(runs) == 2, "each scheduler --once ran the due schedule exactly once"
        yield TwoRuns(store, db, url, runs[0], runs[1], next_after_first)
        store.dispose()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_due_schedule_runs_once_with_right_counts(two_runs: TwoRuns) -> None:
    run = two_runs.first
    with two_runs.store.session() as session:
        pages = session.scalar(select(func.count()).where(Page.crawl_run_id == run.id))
        articles = session.scalar(select(func.count(Article.id)))
    assert run.status == "finished"
    assert run.schedule_id == schedule_row(two_runs.store).id
    assert run.stats["schedule"] == "law"
    assert pages and run.pages_fetched == pages
    assert articles and run.articles_new == articles >= 3
    assert (run.articles_changed, run.articles_unchanged) == (0, 0)


def test_missed_slots_run_once_and_next_run_counts_from_now(two_runs: TwoRuns) -> None:
    # three days of hourly slots were missed: one run, then the next an hour after it ended
    finished = as_utc(two_runs.first.finished_at or datetime.min)
    assert timedelta(minutes=59) < two_runs.next_after_first - finished < timedelta(minutes=61)
    schedule = schedule_row(two_runs.store)
    assert schedule.last_run_id == two_runs.second.id
    assert schedule.last_status == "finished" and schedule.locked_by is None


def test_edit_on_the_site_stores_exactly_one_revision(two_runs: TwoRuns) -> None:
    run = two_runs.second
    with two_runs.store.session() as session:
        revisions = session.scalars(select(ArticleRevision)).all()
        article = session.scalars(select(Article).where(Article.url == two_runs.edited_url)).one()
    assert len(revisions) == 1
    assert revisions[0].article_id == article.id
    assert APPENDED not in revisions[0].text and APPENDED in article.text
    assert (run.articles_new, run.articles_changed) == (0, 1)
    # unchanged pages are recognised by their text hash today (the crawler's 304 handling
    # and body-hash skipping are counted here as well once they land)
    assert run.articles_unchanged >= 1


def test_history_shows_the_dated_diff(two_runs: TwoRuns) -> None:
    shown = run_cli(two_runs.db, "history", two_runs.edited_url)
    assert shown.returncode == 0, shown.stderr
    assert "2 version(s)" in shown.stdout
    assert "== change 1: detected" in shown.stdout
    assert f"+{APPENDED}" in shown.stdout
    assert "claims added" in shown.stdout and "claims removed" in shown.stdout


def test_runs_lists_and_shows_scheduled_runs(two_runs: TwoRuns) -> None:
    listing = run_cli(two_runs.db, "runs", "--schedule", "law")
    assert listing.returncode == 0, listing.stderr
    assert str(two_runs.second.id) in listing.stdout and "finished" in listing.stdout
    shown = run_cli(two_runs.db, "runs", "show", str(two_runs.second.id))
    assert shown.returncode == 0, shown.stderr
    for expected in ("schedule:           law", "new 0, changed 1", "Scrapy stats per site"):
        assert expected in shown.stdout


def test_two_schedulers_run_a_job_once(sample_site: str, tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    add_schedule(db, write_profile(tmp_path), sample_site)
    argv = debtcorpus(db, "scheduler", "--once", "--poll", "0.2", *FAST)
    schedulers = [subprocess.Popen(argv, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [process.communicate(timeout=120)[1] for process in schedulers]
    assert [process.returncode for process in schedulers] == [0, 0], errors
    store = Store(str(db))
    runs = all_runs(store)
    assert len(runs) == 1 and runs[0].status == "finished"
    assert sum("crawling" in text for text in errors) == 1
    store.dispose()


def test_crawl_that_cannot_start_is_recorded(sample_site: str, tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    profile = write_profile(tmp_path)
    add_schedule(db, profile, sample_site)
    profile.unlink()
    result = run_cli(db, "scheduler", "--once", "--poll", "0.2")
    assert result.returncode == 1
    assert "could not start a crawl: law" in result.stderr
    store = Store(str(db))
    schedule = schedule_row(store)
    assert schedule.last_status == "config-error" and schedule.locked_by is None
    [run] = all_runs(store)
    assert run.status == "config-error" and schedule.last_run_id == run.id
    store.dispose()


def wait_for_run(store: Store, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all_runs(store):
        assert time.monotonic() < deadline, "the scheduler never started a crawl"
        time.sleep(0.2)


def test_sigterm_stops_cleanly(sample_site: str, tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    slow = SMALL_PROFILE.replace("start_urls: [/law/]", "start_urls: [/faults/slow, /law/]")
    add_schedule(db, write_profile(tmp_path, slow), sample_site)
    scheduler = subprocess.Popen(
        debtcorpus(db, "scheduler", "--poll", "0.2", *FAST), stderr=subprocess.PIPE, text=True
    )
    store = Store(str(db))
    wait_for_run(store)
    time.sleep(1.5)
    scheduler.send_signal(signal.SIGTERM)
    stderr = scheduler.communicate(timeout=90)[1]
    assert scheduler.returncode == 0, stderr
    assert "stopping: no new crawls" in stderr
    run = all_runs(store)[0]
    schedule = schedule_row(store)
    assert run.status != "running" and run.finished_at is not None
    assert schedule.locked_by is None and schedule.last_status == run.status
    store.dispose()
