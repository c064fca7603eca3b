"""Progress of long jobs: a live bar on a terminal whatever the item count (a real pty), plain
periodic lines on stderr otherwise, nothing from a short job, stdout left to the output."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cleaning.claims.eval as claims_eval
from corpus.cli import cli
from corpus.progress import PERIOD_ENV, phase, progress

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "tests" / "data" / "claims_gold2_test.jsonl"


def test_off_a_terminal_a_long_job_writes_periodic_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PERIOD_ENV, "0.05")
    done = []
    for item in progress(range(6), 6, "counting"):
        time.sleep(0.04)
        done.append(item)
    captured = capsys.readouterr()
    assert done == list(range(6)) and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) >= 3, lines
    assert all(line.startswith("counting: ") for line in lines)
    assert "/6 (" in lines[0] and lines[-1].startswith("counting: done, 6/6 (100%) in ")


def test_a_step_that_is_one_blocking_call_is_shown_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PERIOD_ENV, "0.05")
    with phase("rebuilding"):
        time.sleep(0.2)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("rebuilding: working, ") and lines[-1].startswith("rebuilding: done")


def test_a_short_job_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(progress(range(3), 3, "counting")) == [0, 1, 2]
    assert capsys.readouterr().err == ""


def read_pty(master: int, process: subprocess.Popen[bytes]) -> bytes:
    output = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    return output


def test_on_a_terminal_a_bar_is_drawn_for_three_items() -> None:
    script = (
        "import time\nfrom corpus.progress import progress\n"
        "for _ in progress(range(3), 3, 'scoring pages'):\n    time.sleep(0.4)\n"
        "print('result')\n"
    )
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=REPO,
        env=env,
    )
    os.close(slave)
    shown = read_pty(master, process).decode("utf-8", "replace")
    stdout, _ = process.communicate(timeout=30)
    os.close(master)
    assert stdout == b"result\n"  # the bar never mixes into the output
    assert "scoring pages" in shown and "/3" in shown, shown


def test_eval_claims_shows_progress_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PERIOD_ENV, "0.05")
    # a warm process scores the gold in a few ms, shorter than any period: slow each sentence
    # down so the job outlasts the period, as a real eval does
    score = claims_eval.score_sentence

    def slowly(*args: Any) -> None:
        time.sleep(0.002)
        score(*args)

    monkeypatch.setattr(claims_eval, "score_sentence", slowly)
    result = CliRunner().invoke(cli, ["eval", "claims", str(GOLD)])
    assert result.exit_code == 0, result.output
    assert f"scoring {GOLD.name}: done, " in result.stderr
    assert "scoring" not in result.stdout and "precision" in result.stdout


@pytest.mark.parametrize("value", ["abc", "-5", "0"])
def test_a_bad_period_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from corpus.errors import ConfigError

    monkeypatch.setenv(PERIOD_ENV, value)
    with pytest.raises(ConfigError, match=f"{PERIOD_ENV}='{value}' is not a positive number"):
        list(progress(range(3), 3, "counting"))


def test_an_interrupted_job_says_stopped_not_done(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PERIOD_ENV, "0.05")
    with pytest.raises(KeyboardInterrupt):
        for item in progress(range(6), 6, "counting"):
            time.sleep(0.12)
            if item == 1:
                raise KeyboardInterrupt
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("counting: stopped, 1/6 (17%) in "), last
