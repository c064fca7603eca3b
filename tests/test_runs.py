"""`debtcorpus runs` and `runs show`: crawl runs listed and explained (real SQLite rows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from corpus.cli import cli
from corpus.models import CrawlRun, Schedule
from corpus.store import Store, open_store

STARTED = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
SCRAPY = {
    "sample-law": {
        "downloader/request_count": 42,
        "downloader/response_count": 41,
        "downloader/response_status_count/200": 39,
        "downloader/response_status_count/304": 2,
        "retry/count": 1,
        "elapsed_time_seconds": 12.345,
        "finish_reason": "finished",
        "debtcorpus/articles": 30,
    }
}


def invoke(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--db", str(db)])


@pytest.fixture
def store(db_path: Path) -> Store:
    store = open_store(str(db_path))
    with store.session() as session:
        schedule = Schedule(
            name="nightly", site="sample-law", every_seconds=3600, created_at=STARTED
        )
        session.add(schedule)
        session.flush()
        session.add_all(
            [
                CrawlRun(
                    site="sample-law",
                    start_urls=["sample-law"],
                    settings={"base_url": "http://127.0.0.1:8765"},
                    schedule_id=schedule.id,
                    status="finished",
                    started_at=STARTED,
                    finished_at=STARTED + timedelta(minutes=2, seconds=5),
                    pages_fetched=41,
                    bytes_fetched=3 * 1024 * 1024,
                    articles_new=3,
                    articles_changed=1,
                    articles_unchanged=26,
                    rejects={"not-html": 2},
                    errors={"http-404": 4, "timeout": 1},
                    stats={"schedule": "nightly", "scrapy": SCRAPY},
                ),
                CrawlRun(site="adhoc.test", status="running", started_at=STARTED),
                CrawlRun(
                    site="sample-news",
                    status="interrupted",
                    started_at=STARTED,
                    finished_at=STARTED + timedelta(seconds=3),
                    stats={"schedule": "gone"},
                ),
            ]
        )
    return store


def test_runs_lists_newest_first_with_filters(store: Store, db_path: Path) -> None:
    result = invoke(db_path, "runs")
    assert result.exit_code == 0, result.output
    assert result.output.index("sample-news") < result.output.index("sample-law")
    scheduled = invoke(db_path, "runs", "--schedule", "nightly")
    assert "sample-law" in scheduled.output and "adhoc.test" not in scheduled.output
    running = invoke(db_path, "runs", "--status", "running")
    assert "adhoc.test" in running.output and "sample-law" not in running.output
    unknown = invoke(db_path, "runs", "--schedule", "nope")
    assert unknown.exit_code == 2 and "no schedule named 'nope'" in unknown.output


def test_runs_show_gives_the_detail(store: Store, db_path: Path) -> None:
    result = invoke(db_path, "runs", "show", "1")
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "schedule:           nightly",
        "duration:           2m 5.0s",
        "bytes:              3,145,728 (3.0 MiB)",
        "new 3, changed 1, unchanged 26",
        "errors by kind:     http-404=4, timeout=1",
        "rejects by reason:  not-html=2",
        "base URL:           http://127.0.0.1:8765",
        "200=39, 304=2",
        "12.3",
    ):
        assert expected in out, expected


def test_runs_show_ad_hoc_running_and_removed_schedule(store: Store, db_path: Path) -> None:
    adhoc = invoke(db_path, "runs", "show", "2")
    assert "- (ad hoc)" in adhoc.output and "still running" in adhoc.output
    assert "gone (removed)" in invoke(db_path, "runs", "show", "3").output


def test_runs_show_unknown_id_is_a_clean_error(store: Store, db_path: Path) -> None:
    result = invoke(db_path, "runs", "show", "99")
    assert result.exit_code == 2 and "there is no crawl run 99" in result.output


def test_no_runs_yet(db_path: Path) -> None:
    open_store(str(db_path)).dispose()
    result = invoke(db_path, "runs")
    assert result.exit_code == 0 and "no crawl runs match" in result.output
