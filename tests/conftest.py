"""Shared fixtures: the sample site served by a real HTTP server in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
BENCHMARKS = SHARED / "benchmarks"
SEEDS = SHARED / "seeds"
# fixtures of the stop and outage tests: the slow site, the reference crawl, private servers
pytest_plugins = ["tests.crawl_services"]


def start_sample_site(*extra: str) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m samplesite serve --port 0`; return the process and its base URL."""
    return start_server("serve", *extra)


def start_server(command: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m samplesite COMMAND --port 0` (serve, hostile); process and base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "samplesite", command, "--port", "0", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("http://127.0.0.1:"):
        process.kill()
        raise RuntimeError(f"sample site did not start: {line!r}")
    return process, line.rstrip("/")


@pytest.fixture(scope="session")
def sample_site() -> Iterator[str]:
    """Base URL (no trailing slash) of a sample site that lives for the whole session."""
    process, base_url = start_sample_site()
    yield base_url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def fresh_sample_site() -> Iterator[str]:
    """A sample site of its own, for tests that change its state (edits, flaky pages)."""
    process, base_url = start_sample_site()
    yield base_url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "corpus.db"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or the test PostgreSQL database emptied."""
    from tests.test_postgres import PG_URL, create_database_if_missing, reset_database

    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    create_database_if_missing(PG_URL)
    reset_database(PG_URL)
    return PG_URL
