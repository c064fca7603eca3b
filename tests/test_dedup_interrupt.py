"""Ctrl-C during a real `debtcorpus dedup` with worker processes: one line, exit 130, the stored
pairs kept, and a run after it ends with the clusters of an uninterrupted run."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, insert, select

from cleaning.fingerprint import FingerprintConfig
from corpus.cli import cli
from corpus.commands.dedup import INTERRUPTED
from corpus.dedup.run import run_dedup
from corpus.dedup.synthetic import generate_corpus
from corpus.models import Article, DuplicatePair, dedup_unpaired
from corpus.search import sqlite as search
from corpus.store import open_store
from tests.test_dedup_scale import stored

# four pairing batches of 2000: the run is stopped after the first two are stored
ARTICLES = 8000


def write_generated(path: Path, count: int) -> None:
    """The scale benchmark's generated articles, one in five a farm's copy of an earlier one
    (written without the search index's triggers, which dedup never reads)."""
    texts = generate_corpus(count, seed=3)
    store = open_store(str(path))
    with store.session() as session:
        for name in search.TRIGGER_NAMES:
            session.connection().exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    now = datetime.now(UTC)
    rows = [
        {
            "id": number + 1, "url": f"https://site{number % 31}.cn/a/{number}.html",
            "site": f"site{number % 31}.cn", "title": f"文章 {number}", "text": text,
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "extractor_version": "test", "first_seen_at": now, "last_seen_at": now,
        }
        for number, text in enumerate(texts)
    ]  # fmt: skip
    with store.session() as session:
        session.execute(insert(Article), rows)
        search.create(session.connection())
    store.dispose()


def test_ctrl_c_keeps_the_pairs_and_a_rerun_finishes(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    write_generated(db, ARTICLES)
    shutil.copy(db, tmp_path / "whole.db")
    command = [sys.executable, "-m", "corpus", "dedup", "--no-templates", "--db", str(db)]
    process = subprocess.Popen(
        [*command, "--workers", "2"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=os.environ | {"DEBTCORPUS_PROGRESS_EVERY": "0.1"},
        start_new_session=True,  # a process group of its own: the main process and its workers
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )
    assert process.stderr is not None
    while not re.match(r"verifying candidates: [2-9]", line := process.stderr.readline()):
        assert line, "dedup ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C at a terminal reaches the whole group
    rest = process.stderr.read()
    assert process.wait(timeout=120) == 130, rest
    said = [line for line in rest.splitlines() if not line.startswith(("verifying", "finger"))]
    assert said == [f"Error: {INTERRUPTED}"], rest

    store = open_store(str(db))
    with store.session() as session:
        kept = session.scalar(select(func.count()).select_from(DuplicatePair))
        waiting = session.scalar(select(func.count()).select_from(dedup_unpaired))
    assert kept and waiting, "stopped in the middle of pairing: some pairs stored, some not"
    result = CliRunner().invoke(cli, ["dedup", "--no-templates", "--db", str(db)])
    assert result.exit_code == 0, result.output
    whole = open_store(str(tmp_path / "whole.db"))
    run_dedup(whole, FingerprintConfig(), workers=1)
    pairs, clusters = stored(whole)
    assert clusters and stored(store) == (pairs, clusters)
