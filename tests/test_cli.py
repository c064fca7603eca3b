"""The CLI: every command has help; bad options become clean errors, not tracebacks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus.cli import COMMANDS, cli


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_bad_db_url_is_a_clean_error() -> None:
    result = CliRunner().invoke(cli, ["stats", "--db", "nosuchdriver://x/y"])
    assert result.exit_code != 0
    assert "Error" in result.output
    assert "Traceback" not in result.output


def test_db_in_missing_folder_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["crawl", "--db", str(tmp_path / "no" / "corpus.db"), "http://127.0.0.1:9/x/"]
    )
    assert result.exit_code != 0
    assert "does not exist" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "no").exists()


def test_db_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("DEBTCORPUS_DB", str(db))
    refused = CliRunner().invoke(cli, ["stats"])
    assert refused.exit_code == 2 and str(db) in refused.output and not db.exists()
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 0, result.output


def test_crawl_without_targets_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2  # bad input (docs/crawling.md)
    assert "nothing to crawl" in result.output
    assert not (tmp_path / "c.db").exists()


def test_unknown_profile_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--site", "nope", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2
    assert "no site profile 'nope'" in result.output
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("name: bad\nstart_urls: [http://127.0.0.1:9/x/]\ndepth: two\n", "depth:"),
        ("name: bad\nstart_urls: [/x/]\n", "pass --base-url"),
    ],
)
def test_a_refused_profile_creates_no_corpus(tmp_path: Path, profile: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(profile, "utf-8")
    db = tmp_path / "c.db"
    result = CliRunner().invoke(cli, ["crawl", "--site", str(path), "--db", str(db)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not db.exists()


def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path) -> None:
    gold = Path(__file__).parent / "data" / "claims_gold2_dev.jsonl"
    big = tmp_path / "gold.jsonl"
    big.write_text(gold.read_text("utf-8") * 30, "utf-8")
    command = [sys.executable, "-m", "corpus", "eval", "claims", str(big)]
    environment = os.environ | {"DEBTCORPUS_PROGRESS_EVERY": "0.2"}
    process = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=environment,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )
    assert process.stderr is not None
    while "scoring" not in process.stderr.readline():  # scoring has begun
        assert process.poll() is None, "eval claims ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    rest = process.stderr.read()
    assert process.wait(timeout=30) == 130, rest
    lines = [line for line in rest.splitlines() if "scoring" not in line]
    assert lines == [
        "Error: interrupted (Ctrl-C) before the end; run the same command again to do it all"
    ]
