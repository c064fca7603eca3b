"""`--json` and `--csv` on stats, claims, runs, runs show, history and schedule list: the
shapes docs/cli-output.md documents, read back with json and csv (real SQLite rows)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corpus.cli import cli
from corpus.commands.claims import COUNT_FIELDS, SENTENCE_FIELDS
from corpus.commands.schedule import SCHEDULE_FIELDS
from corpus.commands.stats import RUN_FIELDS
from corpus.models import CrawlRun, Schedule
from corpus.store import Store, open_store
from tests.test_claims_query import ARTICLES, _article

STARTED = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def corpus(db_path: Path) -> Store:
    store = open_store(str(db_path))
    with store.session() as session:
        session.add_all(_article(url, site, text) for (url, site), text in ARTICLES.items())
        schedule = Schedule(name="nightly", site="a.example", cron="0 3 * * *", created_at=STARTED)
        session.add(schedule)
        session.flush()
        session.add_all(
            [
                CrawlRun(
                    site="a.example",
                    schedule_id=schedule.id,
                    status="finished",
                    started_at=STARTED,
                    finished_at=STARTED + timedelta(seconds=90),
                    pages_fetched=12,
                    articles_new=3,
                    errors={"http-404": 2},
                    stats={"scrapy": {"a.example": {"finish_reason": "finished"}}},
                ),
                CrawlRun(site="b.example", status="running", started_at=STARTED),
            ]
        )
    return store


def stdout(db_path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_stats_json_is_one_object(corpus: Store, db_path: Path) -> None:
    stats = json.loads(stdout(db_path, "stats", "--json"))
    assert (stats["articles"], stats["pages"]) == (3, 0)
    assert {site["site"]: site["articles"] for site in stats["sites"]} == {
        "a.example": 1,
        "b.example": 2,
    }
    assert [run["id"] for run in stats["runs"]] == [2, 1]
    assert list(stats["runs"][0]) == list(RUN_FIELDS)
    assert stats["runs"][1]["started_at"] == "2026-02-01T03:00:00Z"


def test_claims_json_and_csv_counts_and_sentences(corpus: Store, db_path: Path) -> None:
    counts = json_lines(stdout(db_path, "claims", "--by", "lender", "--json"))
    assert all(list(row) == list(COUNT_FIELDS) and row["by"] == "lender" for row in counts)
    assert {row["value"]: row["claims"] for row in counts}["微众银行"] >= 2
    header, rows = csv_rows(stdout(db_path, "claims", "--by", "site", "--csv"))
    assert header == list(COUNT_FIELDS) and {row["value"] for row in rows} == {
        "a.example",
        "b.example",
    }
    listed = json_lines(stdout(db_path, "claims", "--list", "--json", "--type", "CHANNEL"))
    assert listed and all(list(row) == list(SENTENCE_FIELDS) for row in listed)
    for row in listed:
        assert row["type"] == "CHANNEL" and isinstance(row["checks"], list)
        assert ARTICLES[(row["url"], row["site"])][row["start"] : row["end"]] == row["sentence"]
    header, rows = csv_rows(stdout(db_path, "claims", "--list", "--csv", "--type", "CHANNEL"))
    assert header == list(SENTENCE_FIELDS) and len(rows) == len(listed)
    assert all(isinstance(json.loads(row["checks"]), list) for row in rows)


def test_runs_json_csv_and_show(corpus: Store, db_path: Path) -> None:
    runs = json_lines(stdout(db_path, "runs", "--json"))
    assert [(run["id"], run["status"]) for run in runs] == [(2, "running"), (1, "finished")]
    assert runs[1]["errors"] == {"http-404": 2} and runs[0]["finished_at"] is None
    header, rows = csv_rows(stdout(db_path, "runs", "--csv"))
    assert header == list(RUN_FIELDS) and rows[1]["pages_fetched"] == "12"
    assert json.loads(rows[1]["errors"]) == {"http-404": 2}
    shown = json.loads(stdout(db_path, "runs", "show", "1", "--json"))
    assert shown["schedule"] == "nightly" and shown["duration_s"] == 90.0
    assert shown["stats"]["scrapy"]["a.example"]["finish_reason"] == "finished"
    assert json.loads(stdout(db_path, "runs", "show", "2", "--json"))["duration_s"] is None


def test_history_json(corpus: Store, db_path: Path) -> None:
    found = json.loads(stdout(db_path, "history", "https://a.example/1", "--json"))
    assert found["url"] == "https://a.example/1" and found["changes"] == []
    (version,) = found["versions"]
    assert version["text"] == ARTICLES[("https://a.example/1", "a.example")]
    assert version["claims"] and set(version["claims"][0]) == {"type", "subtype", "sentence"}


def test_schedule_list_json_and_csv(corpus: Store, db_path: Path) -> None:
    (row,) = json_lines(stdout(db_path, "schedule", "list", "--json"))
    assert list(row) == list(SCHEDULE_FIELDS)
    assert (row["name"], row["cron"], row["state"], row["every_seconds"]) == (
        "nightly",
        "0 3 * * *",
        "active",
        None,
    )
    header, rows = csv_rows(stdout(db_path, "schedule", "list", "--csv"))
    assert header == list(SCHEDULE_FIELDS) and rows[0]["every_seconds"] == ""


def test_empty_results_are_empty_json_and_a_csv_header(db_path: Path) -> None:
    open_store(str(db_path)).dispose()
    assert stdout(db_path, "runs", "--json") == ""
    assert stdout(db_path, "schedule", "list", "--csv").strip() == ",".join(SCHEDULE_FIELDS)
