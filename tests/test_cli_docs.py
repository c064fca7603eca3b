"""docs/cli.md is the commands' --help as they are now (regenerate: `make docs`)."""

from __future__ import annotations

from pathlib import Path

import pytest

import corpus.cli_docs
from corpus.cli_docs import CLI_MD, REGENERATE, main, render


def test_docs_cli_md_matches_every_commands_help() -> None:
    current = CLI_MD.read_text("utf-8") if CLI_MD.is_file() else ""
    assert current == render(), f"{CLI_MD} is out of date; regenerate it with `{REGENERATE}`"


def test_every_command_and_option_is_in_the_reference() -> None:
    text = render()
    for heading in ("## debtcorpus stats", "## debtcorpus runs show", "## debtcorpus schedule add"):
        assert heading in text
    assert "-h, --help" in text and "--sites-dir DIR" in text and "--json" in text


def test_check_says_how_to_regenerate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text("old\n", "utf-8")
    monkeypatch.setattr(corpus.cli_docs, "CLI_MD", stale)
    assert main(["--check"]) == 1
    assert REGENERATE in capsys.readouterr().err
    assert main([]) == 0 and main(["--check"]) == 0
    assert stale.read_text("utf-8") == render()
