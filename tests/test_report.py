"""The dedup report: CSV, Markdown rendered by a real Markdown renderer, and HTML loaded in
headless Chromium, with hostile scraped titles and text that must stay inert."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from cleaning.fingerprint import FingerprintConfig
from corpus.cli import cli
from corpus.dedup.run import run_dedup
from corpus.report.diff import GAP_MARK, side_by_side
from corpus.report.escape import csv_cell, markdown_fence, markdown_text
from corpus.store import open_store
from tests.dedup_corpus import HOSTILE_TEXT, HOSTILE_TITLES, SCRIPT_MARKER, build_corpus
from tests.test_search import add_article

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip
LIVE_TOKENS = ("link_open", "image", "html_inline", "html_block")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    store, _ = build_corpus(folder / "corpus.db", groups=5)
    run_dedup(store, FingerprintConfig())
    store.dispose()
    written = {}
    for output_format in ("html", "md", "csv"):
        out = folder / f"report.{output_format}"
        arguments = ["report", "dedup", "--db", str(folder / "corpus.db")]
        arguments += ["--format", output_format, "--out", str(out), "--max-diffs", "10"]
        result = CliRunner().invoke(cli, arguments)
        assert result.exit_code == 0, result.output
        written[output_format] = out
    return written


def _tokens(markdown: str) -> list[str]:
    parser = MarkdownIt("gfm-like")
    found = []
    for token in parser.parse(markdown):
        found.append(token.type)
        found += [child.type for child in token.children or []]
    return found


def test_a_corpus_dedup_never_ran_on_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    store = open_store(db)
    with store.session() as session:
        add_article(session, "微粒贷逾期催收上门来了怎么办", "很多借款人担心催收人员上门家访。")
    store.dispose()
    out = tmp_path / "r.md"
    command = ["report", "dedup", "--format", "md", "--out", str(out), "--db", db]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2 and "run it first" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()
    assert CliRunner().invoke(cli, ["dedup", "--workers", "1", "--db", db]).exit_code == 0
    assert CliRunner().invoke(cli, command).exit_code == 0 and out.exists()


def test_markdown_escaping_leaves_no_live_link_image_or_html() -> None:
    for title in (*HOSTILE_TITLES, HOSTILE_TEXT, "[a]: http://x.example\n[b][a]"):
        rendered = MarkdownIt("gfm-like").render(f"| t |\n|---|\n| {markdown_text(title)} |")
        assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered
        assert not set(_tokens(markdown_text(title))) & set(LIVE_TOKENS), title
    fenced = "\n".join(markdown_fence("``` \n[x](javascript:1)\n````", "diff"))
    assert "<a " not in MarkdownIt("commonmark").render(fenced)


def test_csv_cells_cannot_be_formulas() -> None:
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("+1") == "'+1" and csv_cell("@SUM") == "'@SUM" and csv_cell("-2") == "'-2"
    assert csv_cell("微粒贷") == "微粒贷" and csv_cell(3) == 3


def test_csv_says_what_was_removed_and_what_it_duplicates(reports: dict[str, Path]) -> None:
    rows = list(csv.DictReader(io.StringIO(reports["csv"].read_text(encoding="utf-8"))))
    near = [row for row in rows if row["method"] == "minhash"]
    assert near and {row["removed"] for row in near} == {"0", "1"}
    for row in near:
        if row["removed"] == "1":
            assert row["duplicate_of"] and row["cluster_id"] and row["direction_evidence"]
    contained = [row for row in rows if row["relation"] == "containment"]
    assert contained and all(row["copied_from"] for row in contained)
    for row in rows:
        assert not any(cell.startswith(("=", "+", "@")) for cell in row.values())


def test_markdown_report_renders_inert_with_every_section(reports: dict[str, Path]) -> None:
    text = reports["md"].read_text(encoding="utf-8")
    for heading in ("## Sites", "## Syndication", "## Pages holding part", "## Repeated",
                    "## Clusters: minhash", "Timeline:", "```diff"):  # fmt: skip
        assert heading in text
    sites = text.split("## Sites")[1].split("## Syndication")[0]
    assert "源站" in sites and "farm0\\.com" in sites and ":8080" not in sites
    tokens = _tokens(text)
    assert "table_open" in tokens and "fence" in tokens
    assert not set(tokens) & set(LIVE_TOKENS)
    html = MarkdownIt("gfm-like").render(text)
    assert "<a " not in html and "<img" not in html and "<script" not in html


def test_sites_are_tied_to_the_profile_names_stats_lists(reports: dict[str, Path]) -> None:
    from sqlalchemy import create_engine, text

    md = reports["md"].read_text(encoding="utf-8")
    section = md.split("## Sites")[1].split("## Syndication")[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ")]
    assert rows[0][1] == "in stats as"
    shown = {name for row in rows[1:] for name in row[1].replace("\\", "").split(", ")}
    engine = create_engine(f"sqlite:///{reports['md'].parent / 'corpus.db'}")
    with engine.connect() as connection:
        stored = {r[0] or "(none)" for r in connection.execute(text("SELECT site FROM articles"))}
    engine.dispose()
    assert shown == stored


def test_syndication_runs_source_to_copier_without_self_loops(reports: dict[str, Path]) -> None:
    text = reports["md"].read_text(encoding="utf-8")
    section = text.split("## Syndication")[1].split("## Pages")[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ")][1:]
    assert rows and all(row[0].strip("| ") != row[1].strip() for row in rows)
    sources = {row[0].strip("| ") for row in rows}
    assert "源站" in sources


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
    assert not re.search(r"""(src|href)=["']?(https?:|javascript:)?//""", html)
    assert html.count("data:image/png;base64,") == 3


def _chromium(arguments: list[str], profile: Path) -> str:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("headless browser test: install Debian's chromium (apt-get install chromium)")
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _assert_inert(dom: str) -> None:
    body_tag = re.search(r"<body[^>]*>", dom)
    assert body_tag is not None and SCRIPT_MARKER not in body_tag.group(0)
    assert f"<title>{SCRIPT_MARKER}" not in dom and "<script" not in dom
    assert "<a " not in dom and "<iframe" not in dom
    for source in re.findall(r"<img[^>]*src=\"([^\"]*)\"", dom):
        assert source.startswith("data:image/png;base64,")


@pytest.mark.browser
def test_html_report_in_chromium_runs_nothing_scraped(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    dom = _chromium(["--dump-dom", reports["html"].resolve().as_uri()], tmp_path / "profile")
    assert "<title>Deduplication report</title>" in dom
    assert "Syndication: who copies whom" in dom and "containment" in dom
    assert "&lt;script&gt;" in dom
    _assert_inert(dom)


@pytest.mark.browser
def test_markdown_rendered_to_html_in_chromium_runs_nothing_scraped(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    rendered = MarkdownIt("gfm-like").render(reports["md"].read_text(encoding="utf-8"))
    page = tmp_path / "md.html"
    page.write_text(f"<!DOCTYPE html><html><head><title>md</title></head><body>{rendered}"
                    "</body></html>", encoding="utf-8")  # fmt: skip
    dom = _chromium(["--dump-dom", page.resolve().as_uri()], tmp_path / "profile")
    assert "<table>" in dom and "Deduplication report" in dom
    _assert_inert(dom)


def test_charts_without_a_cjk_font_warn_once_not_per_glyph(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    import subprocess
    import sys

    from corpus.report.render import _cjk_font_installed

    db = reports["html"].parent / "corpus.db"
    argv = [sys.executable, "-m", "corpus", "report", "dedup", "--db", str(db)]
    argv += ["--format", "html", "--out", str(tmp_path / "r.html")]
    finished = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "Glyph" not in finished.stderr, finished.stderr[-2000:]
    said = [line for line in finished.stderr.splitlines() if "no CJK font" in line]
    assert len(said) == (0 if _cjk_font_installed() else 1), finished.stderr[-2000:]
    if said:
        assert "fonts-noto-cjk" in said[0]
