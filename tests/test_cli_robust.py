"""Bad input, run as a user runs it (`debtcorpus ...` in a subprocess, against real servers on
127.0.0.1 or dead ports there): one line saying what was wrong and what to do, no traceback,
an exit code that tells success from loss."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import select

from corpus.crawl_contract import CrawlRequest
from corpus.crawl_runs import open_run
from corpus.models import Page, SkippedUrlRow
from corpus.store import Store, open_store
from tests.test_eval_extraction import PARAGRAPH, article_html
from tests.test_postgres import REDIS_URL, redis_server

__all__ = ["redis_server"]

DEBTCORPUS = [sys.executable, "-m", "corpus"]
FAST_CRAWL = ("-s", "RETRY_ENABLED=False", "-s", "AUTOTHROTTLE_ENABLED=False", "--workers", "1")


def dead_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then closed: connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DEBTCORPUS, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def last_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert lines, "nothing said on stderr"
    return lines[-1]


def test_a_crawl_of_a_dead_site_says_it_could_not_be_reached_and_fails(tmp_path: Path) -> None:
    db, port = tmp_path / "c.db", dead_port()
    result = run("crawl", "--db", str(db), *FAST_CRAWL, f"http://127.0.0.1:{port}/")
    line = last_error_line(result.stderr)
    assert result.returncode == 1, result.stderr
    assert f"could not be reached at 127.0.0.1:{port} (connection refused)" in line
    assert "check that its server is up" in line
    store = Store(str(db))
    with store.session() as session:
        pages = session.execute(select(Page.url, Page.outcome, Page.reason)).all()
        skipped = session.scalars(select(SkippedUrlRow.reason)).all()
    store.dispose()
    assert pages == [(f"http://127.0.0.1:{port}/", "error", "refused")]
    assert "robots-forbidden" not in skipped


def test_a_crawl_with_a_dead_redis_is_refused_at_once(tmp_path: Path) -> None:
    redis = f"redis://127.0.0.1:{dead_port()}/0"
    started = time.monotonic()
    result = run("crawl", "--db", str(tmp_path / "c.db"), "--redis", redis, "http://127.0.0.1:9/")
    assert time.monotonic() - started < 30
    assert result.returncode == 2
    line = last_error_line(result.stderr)
    assert line.startswith(f"Error: Redis is unreachable at {redis}")
    assert "start it, or fix --redis" in line
    assert not (tmp_path / "c.db").exists()


def _interrupt(argv: list[str], children: int, settle: float) -> tuple[int, str, float]:
    """Start `argv` with SIGINT at its default (a background job ignores it); once it has
    `children` child processes and `settle` seconds more, send SIGINT to its main process
    only. Its exit code, stderr and the seconds it took to exit."""
    process = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while len(psutil.Process(process.pid).children(recursive=True)) < children:
        assert process.poll() is None and time.monotonic() < deadline, "it never started"
        time.sleep(0.1)
    time.sleep(settle)
    children_now = psutil.Process(process.pid).children(recursive=True)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    took = time.monotonic() - sent
    _, alive = psutil.wait_procs(children_now, timeout=10)
    assert not alive, f"left running: {alive}"
    return process.returncode, stderr, took


@pytest.mark.services
def test_ctrl_c_of_a_worker_whose_site_is_down_is_one_line_and_130(
    redis_server: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "c.db")
    store = open_store(db)
    site = f"http://127.0.0.1:{dead_port()}/"
    request = CrawlRequest(urls=(site,), redis=REDIS_URL, redis_prefix=f"test:{tmp_path.name}")
    run_id = open_run(store, request)
    store.dispose()
    argv = [*DEBTCORPUS, "worker", "--db", db, "--redis", REDIS_URL, "--idle-timeout", "60"]
    # the worker's crawl process has started and found the site down
    code, stderr, _ = _interrupt([*argv, *FAST_CRAWL[:4]], children=1, settle=3.0)
    assert code == 130, stderr
    line = last_error_line(stderr)
    assert f"worker stopped (Ctrl-C) before crawl run {run_id} ended" in line


def test_ctrl_c_of_eval_extraction_stops_its_workers(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "gold").mkdir()
    rows = []
    for number in range(400):
        html = article_html(PARAGRAPH * (1 + number % 7))
        (tmp_path / "pages" / f"p{number}.html").write_bytes(html.encode("gb18030"))
        (tmp_path / "gold" / f"p{number}.txt").write_text(PARAGRAPH, encoding="utf-8")
        rows.append(json.dumps({"id": f"p{number}", "url": f"http://x{number % 9}.cn/{number}"}))
    (tmp_path / "index.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    argv = [*DEBTCORPUS, "eval", "extraction", str(tmp_path), "--workers", "2"]
    code, stderr, took = _interrupt(argv, children=2, settle=1.0)
    assert code == 130, stderr
    assert "interrupted (Ctrl-C)" in last_error_line(stderr)
    assert took < 15


def test_ingest_warc_refuses_a_file_that_is_no_warc(tmp_path: Path) -> None:
    text = tmp_path / "notes.warc"
    text.write_text("这不是 WARC 文件\n", encoding="utf-8")
    result = run("ingest-warc", str(text), "--db", str(tmp_path / "c.db"))
    assert result.returncode == 2
    line = last_error_line(result.stderr)
    assert line == (
        f"Error: not a WARC or ARC file (gzip-compressed or not): {text}; nothing was ingested"
    )
    assert not (tmp_path / "c.db").exists()


DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:{port}/x"


@pytest.mark.parametrize(
    "command",
    [("stats",), ("runs",), ("eval", "dedup", "--limit", "1"), ("crawl", "http://127.0.0.1:9/")],
    ids=" ".join,
)
def test_a_dead_postgresql_server_is_named_unreachable(command: tuple[str, ...]) -> None:
    port = dead_port()
    db = DEAD_PG.format(port=port)
    result = run(*command, "--db", db)
    assert result.returncode == 2
    line = last_error_line(result.stderr)
    assert f"the database server at 127.0.0.1:{port} is unreachable (Connection refused)" in line
    assert "create one" not in line
    assert f"start it, or fix the host and port in --db {db}" in line


def test_an_unsupported_database_url_is_one_line() -> None:
    result = run("stats", "--db", "mysql://user@127.0.0.1:9/x")
    assert result.returncode == 2
    line = last_error_line(result.stderr)
    assert "cannot open 'mysql://user@127.0.0.1:9/x'" in line
    assert "supported are sqlite:///PATH and postgresql+psycopg://USER@HOST/DB" in line


def test_an_export_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    open_store(db).dispose()
    result = run("export", "/proc/no-such/out", "--db", db)
    assert result.returncode == 2
    line = last_error_line(result.stderr)
    assert "cannot write the export folder /proc/no-such/out" in line
