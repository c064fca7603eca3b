"""The CLI: every command has help; bad options become clean errors, not tracebacks."""

from __future__ import annotations

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
    result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "no" / "corpus.db"), "x"])
    assert result.exit_code != 0
    assert "does not exist" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "no").exists()


def test_db_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("DEBTCORPUS_DB", str(db))
    refused = CliRunner().invoke(cli, ["stats"])
    assert refused.exit_code == 1 and str(db) in refused.output and not db.exists()
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 0, result.output


def test_crawl_without_targets_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2  # bad input (docs/crawling.md)
    assert "nothing to crawl" in result.output


def test_unknown_profile_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--site", "nope", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2
    assert "no site profile 'nope'" in result.output
