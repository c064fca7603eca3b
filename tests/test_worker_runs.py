"""`debtcorpus worker --run-id` refuses a run that finished (its seen-set is gone: joining it
would crawl the whole site again into the finished run's counts)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from corpus.crawl_contract import CrawlRequest
from corpus.models import CrawlRun
from corpus.store import open_store


def test_a_worker_refuses_a_finished_run(tmp_path: Path) -> None:
    db = str(tmp_path / "corpus.db")
    store = open_store(db)
    request = CrawlRequest(sites=("sample-wp",), redis_prefix="debtcorpus:0123456789ab")
    with store.session() as session:
        run = CrawlRun(
            site="sample-wp",
            settings=request.as_settings(),
            status="finished",
            started_at=datetime.now(UTC),
            finished_at=datetime.now(UTC),
        )
        session.add(run)
        session.commit()
        run_id = run.id
    store.dispose()
    worker = ("worker", "--redis", "redis://127.0.0.1:1/0", "--run-id", str(run_id))
    result = subprocess.run(
        [sys.executable, "-m", "corpus", *worker, "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"crawl run {run_id} finished already" in result.stderr
    assert "Traceback" not in result.stderr
