"""A crawl that is stopped (Ctrl-C, SIGTERM, kill -9), whose disk fills up or whose database
goes away ends with the documented status and exit code, leaves no process behind, and after
`crawl --resume` the corpus equals an uninterrupted crawl of the same site."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from corpus.cli import cli
from corpus.store import Store

# the fixtures slow_site, reference, postgres and private_redis: tests/crawl_services.py
from tests.crawl_services import (
    CRAWL_TIMEOUT_S,
    STOPPING_LATENCY_MS,
    PrivatePostgres,
    Snapshot,
    corpus_snapshot,
    crawl_argv,
    full_speed,
    latency,
    run_status,
    wait_for_pages,
)

pytestmark = pytest.mark.slow


def resume_argv(db: str, run_id: int = 1) -> list[str]:
    return [sys.executable, "-m", "corpus", "crawl", "--resume", str(run_id), "--db", db]


def process_tree(root: subprocess.Popen[bytes]) -> list[psutil.Process]:
    parent = psutil.Process(root.pid)
    return [parent, *parent.children(recursive=True)]


def assert_all_gone(processes: list[psutil.Process], within: float = 10.0) -> None:
    _, alive = psutil.wait_procs(processes, timeout=within)
    assert not alive, f"left running: {[(p.pid, p.cmdline()[:4]) for p in alive]}"


def resume_and_compare(db: str, reference: Snapshot, slow_site: str) -> None:
    """Resume the stopped crawl (at full speed: the stop is over) and compare its corpus."""
    with full_speed(slow_site):
        done = subprocess.run(resume_argv(db), timeout=CRAWL_TIMEOUT_S, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert run_status(db) == "finished"
    assert corpus_snapshot(db) == reference


def test_ctrl_c_stops_cleanly_within_10_s_and_resume_completes(
    slow_site: str, reference: Snapshot, tmp_path: Path
) -> None:
    db = str(tmp_path / "corpus.db")
    with latency(slow_site, STOPPING_LATENCY_MS):
        crawl = subprocess.Popen(crawl_argv(slow_site, db), stderr=subprocess.PIPE)
        wait_for_pages(db, 5)
        tree = process_tree(crawl)
        crawl.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, stderr = crawl.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert crawl.returncode == 4
    assert run_status(db) == "interrupted"
    assert b"Traceback" not in stderr
    assert b"debtcorpus crawl --resume 1" in stderr
    assert_all_gone(tree)
    resume_and_compare(db, reference, slow_site)


def test_a_second_ctrl_c_stops_at_once(slow_site: str, tmp_path: Path) -> None:
    db = str(tmp_path / "corpus.db")
    with latency(slow_site, STOPPING_LATENCY_MS):
        crawl = subprocess.Popen(crawl_argv(slow_site, db), stderr=subprocess.PIPE)
        wait_for_pages(db, 5)
        tree = process_tree(crawl)
        crawl.send_signal(signal.SIGINT)
        time.sleep(0.3)
        crawl.send_signal(signal.SIGINT)
    started = time.monotonic()
    crawl.communicate(timeout=30)
    assert time.monotonic() - started < 5
    assert crawl.returncode in (4, 5)
    assert run_status(db) in ("interrupted", "killed")
    assert_all_gone(tree)
    Store(db).dispose()  # the database opens: it was left whole


def test_kill_9_of_the_crawl_process_leaves_nothing_and_resume_completes(
    slow_site: str, reference: Snapshot, tmp_path: Path
) -> None:
    db = str(tmp_path / "corpus.db")
    with latency(slow_site, STOPPING_LATENCY_MS):
        crawl = subprocess.Popen(crawl_argv(slow_site, db), stderr=subprocess.PIPE)
        wait_for_pages(db, 5)
        tree = process_tree(crawl)
        child = next(p for p in tree if "crawler" in p.cmdline())
        child.kill()
    crawl.communicate(timeout=30)
    assert crawl.returncode == 5
    assert run_status(db) == "killed"
    assert_all_gone(tree)
    resume_and_compare(db, reference, slow_site)


def test_kill_9_of_debtcorpus_stops_its_crawl_too(
    slow_site: str, reference: Snapshot, tmp_path: Path
) -> None:
    db = str(tmp_path / "corpus.db")
    with latency(slow_site, STOPPING_LATENCY_MS):
        crawl = subprocess.Popen(crawl_argv(slow_site, db), stderr=subprocess.DEVNULL)
        wait_for_pages(db, 5)
        tree = process_tree(crawl)
        crawl.kill()
    crawl.wait(timeout=10)
    assert_all_gone(tree, within=20)
    assert run_status(db) == "interrupted"
    resume_and_compare(db, reference, slow_site)


def test_a_running_crawl_listens_on_no_port_and_cannot_be_resumed_twice(
    slow_site: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "corpus.db")
    # slower still: the crawl must outlast the port scan and the second command's start-up
    with latency(slow_site, STOPPING_LATENCY_MS):
        crawl = subprocess.Popen(crawl_argv(slow_site, db), stderr=subprocess.DEVNULL)
        try:
            wait_for_pages(db, 2)
            listening = [
                (process.pid, connection.laddr)
                for process in process_tree(crawl)
                for connection in process.net_connections(kind="inet")
                if connection.status == psutil.CONN_LISTEN
            ]
            assert not listening, f"a crawl process listens on a port: {listening}"
            done = subprocess.run(resume_argv(db), timeout=60, capture_output=True, text=True)
            assert done.returncode == 2
            assert "is still running in process" in done.stderr
            assert "Traceback" not in done.stderr
        finally:
            crawl.send_signal(signal.SIGINT)
            crawl.wait(timeout=30)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 800 KB tmpfs: the empty corpus (about 500 KB) and its migrations fit, the crawl fills
    it half-way."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8); run the suite as root")
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=800k", "tmpfs", str(mountpoint)])
    if mounted.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    yield mountpoint
    subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def test_a_full_disk_ends_incomplete_and_resume_stores_everything(
    slow_site: str, reference: Snapshot, small_disk: Path, tmp_path: Path
) -> None:
    db = str(small_disk / "corpus.db")
    env = {**os.environ, "DEBTCORPUS_SPOOL_DIR": str(tmp_path / "spool")}
    argv = crawl_argv(slow_site, db, "-s", "DEBTCORPUS_STORE_RETRY_SECONDS=2")
    with full_speed(slow_site):  # nothing stops this crawl: it ends incomplete by itself
        done = subprocess.run(argv, timeout=CRAWL_TIMEOUT_S, capture_output=True, env=env)
    stderr = done.stderr.decode()
    assert done.returncode == 3, stderr[-2000:]
    assert "is incomplete" in stderr and "debtcorpus crawl --resume 1" in stderr
    assert "Traceback" not in stderr
    assert any((tmp_path / "spool").rglob("*.json")), "fetched pages were not kept"
    subprocess.run(["mount", "-o", "remount,size=50m", str(small_disk)], check=True)
    with full_speed(slow_site):
        resumed = subprocess.run(resume_argv(db), timeout=CRAWL_TIMEOUT_S, env=env)
    assert resumed.returncode == 0
    assert run_status(db) == "finished"
    assert corpus_snapshot(db) == reference
    assert not any((tmp_path / "spool").rglob("*.json")), "the spool was not emptied"


def test_postgres_restarting_mid_crawl_loses_nothing(
    slow_site: str, reference: Snapshot, postgres: PrivatePostgres
) -> None:
    db = postgres.url
    crawl = subprocess.Popen(crawl_argv(slow_site, db), stderr=subprocess.PIPE)
    postgres.wait_for_rows("pages", 5)
    postgres.stop()
    time.sleep(5)
    postgres.start()
    with full_speed(slow_site):  # the outage is over: the rest of the crawl at full speed
        _, stderr = crawl.communicate(timeout=CRAWL_TIMEOUT_S)
    assert crawl.returncode == 0, stderr.decode()[-2000:]
    assert b"cannot store pages" in stderr  # the outage was seen, and waited out
    assert run_status(db) == "finished"
    assert corpus_snapshot(db) == reference


# Redis outages: tests/test_distributed.py (two workers, each waits it out).


def test_a_running_crawl_shows_its_progress(slow_site: str, tmp_path: Path) -> None:
    """The run's row counts pages while it crawls, and on a terminal (a pty here) the crawl
    draws a live status; the crawl's end is unchanged."""
    import pty

    db = str(tmp_path / "corpus.db")
    leader, follower = pty.openpty()
    argv = crawl_argv(slow_site, db, "-s", "DEBTCORPUS_PROGRESS_SECONDS=1")
    crawl = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    screen = b""
    counted_while_running = speeded_up = False
    deadline = time.monotonic() + CRAWL_TIMEOUT_S
    with ExitStack() as rest_at_full_speed:
        while crawl.poll() is None and time.monotonic() < deadline:
            screen += _read_available(leader)
            if not counted_while_running and Path(db).exists():
                counted_while_running = _stored_pages_while_running(db)
            if counted_while_running and b"per s" in screen and not speeded_up:
                # both seen while it ran: the rest of the crawl need not be slow
                rest_at_full_speed.enter_context(full_speed(slow_site))
                speeded_up = True
        screen += _read_available(leader)
    os.close(leader)
    assert crawl.wait(timeout=30) == 0
    assert counted_while_running, "`runs --json` showed no pages while the crawl ran"
    assert b"pages fetched" in screen and b"per s" in screen


def _read_available(fd: int) -> bytes:
    import select as select_module

    data = b""
    while select_module.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


def _stored_pages_while_running(db: str) -> bool:
    """`debtcorpus runs --json` shows the run as running with pages counted."""
    result = CliRunner().invoke(cli, ["runs", "--json", "--db", db])
    if result.exit_code != 0:  # the crawl has not made the corpus's schema yet
        return False
    runs = [json.loads(line) for line in result.stdout.splitlines()]
    return any(run["status"] == "running" and run["pages_fetched"] > 0 for run in runs)


def test_ctrl_c_while_the_crawl_child_imports_scrapy_is_an_interrupt_without_a_traceback() -> None:
    from corpus.crawl_contract import ExitCode

    child = subprocess.Popen(
        [sys.executable, "-m", "crawler", "--help"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    # lxml's C module is mapped while crawler.run imports Scrapy: the moment to interrupt
    while not any("lxml" in m.path for m in psutil.Process(child.pid).memory_maps()):
        assert time.monotonic() < deadline, "the crawl child never imported Scrapy"
        time.sleep(0.005)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=30)
    if child.returncode == 0:
        pytest.skip("the child finished its imports before the signal arrived")
    assert child.returncode == ExitCode.INTERRUPTED, stderr.decode()[-2000:]
    assert b"Traceback" not in stderr, stderr.decode()[-2000:]
