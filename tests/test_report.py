"""The dedup report: CSV, Markdown, and HTML that renders offline in Chromium and runs no script."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaning.fingerprint import FingerprintConfig
from corpus.cli import cli
from corpus.dedup import run_dedup
from corpus.report_diff import GAP_MARK, side_by_side
from tests.dedup_corpus import HOSTILE_TEXT, SCRIPT_MARKER, build_corpus

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    store, _, _ = build_corpus(folder / "corpus.db", groups=6)
    run_dedup(store, FingerprintConfig())
    store.dispose()
    written = {}
    for output_format in ("html", "md", "csv"):
        out = folder / f"report.{output_format}"
        arguments = [
            "report",
            "dedup",
            "--db",
            str(folder / "corpus.db"),
            "--format",
            output_format,
        ]
        result = CliRunner().invoke(cli, [*arguments, "--out", str(out), "--max-diffs", "10"])
        assert result.exit_code == 0, result.output
        written[output_format] = out
    return written


def test_csv_says_what_was_removed_and_what_it_duplicates(reports: dict[str, Path]) -> None:
    rows = list(csv.DictReader(io.StringIO(reports["csv"].read_text(encoding="utf-8"))))
    near = [row for row in rows if row["method"] == "minhash"]
    assert near and {row["removed"] for row in near} == {"0", "1"}
    for row in near:
        if row["removed"] == "1":
            assert row["duplicate_of"] and row["cluster_id"] and row["direction_evidence"]
            assert float(row["similarity"]) >= 0.45


def test_markdown_has_every_section(reports: dict[str, Path]) -> None:
    text = reports["md"].read_text(encoding="utf-8")
    for heading in (
        "## Sites",
        "## Syndication",
        "## Repeated paragraphs",
        "## Clusters: minhash",
        "```diff",
    ):
        assert heading in text
    assert "origin.cn | farm" in text


def test_diff_marks_changes_and_gaps() -> None:
    rows = side_by_side(
        "第一段\n相同的段落",
        "第一段落\n相同的段落\n新加的",
        None,
        [{"start": 1, "end": 2}, {"start": 8, "end": 8}],
    )
    assert [row.tag for row in rows] == ["replace", "equal", "insert"]
    assert any(segment.kind == "changed" for segment in rows[0].right)
    assert rows[0].right[1].kind == "gap"
    assert any(segment.text == GAP_MARK for row in rows for segment in row.right)


def test_html_is_self_contained_and_escaped(reports: dict[str, Path]) -> None:
    html = reports["html"].read_text(encoding="utf-8")
    assert HOSTILE_TEXT not in html and "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # opens offline
    assert html.count("data:image/png;base64,") == 3
    assert 'class="gap"' in html


def _chromium(arguments: list[str], profile: Path) -> str:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(
            "headless browser test: install Debian's chromium package (apt-get install chromium)"
        )
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.browser
def test_html_renders_in_chromium_and_scraped_script_does_not_run(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    url = reports["html"].resolve().as_uri()
    dom = _chromium(["--dump-dom", url], tmp_path / "profile")
    assert "<title>Deduplication report</title>" in dom
    assert "Syndication: who copies whom" in dom and "Cluster " in dom
    body_tag = re.search(r"<body[^>]*>", dom)
    assert body_tag is not None and SCRIPT_MARKER not in body_tag.group(0)
    assert f"<title>{SCRIPT_MARKER}" not in dom
    assert "<script" not in dom  # the scraped one is text, not an element
    assert "&lt;script&gt;" in dom
    screenshot = tmp_path / "report.png"
    _chromium([f"--screenshot={screenshot}", "--window-size=1200,1600", url], tmp_path / "profile")
    assert screenshot.stat().st_size > 10_000
