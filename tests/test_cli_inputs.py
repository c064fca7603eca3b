"""Checked inputs (issue 15): a --db that holds no corpus (only crawl, ingest-warc, db upgrade
and sample-site make one), filter values nothing could match, and a lender's product for its
operator, each refused or resolved in one line."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from corpus.cli import cli
from corpus.store import Store, open_store
from tests.test_claims_query import ARTICLES, _article

PG_URL = os.environ.get(
    "DEBTCORPUS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/debtcorpus_test"
)

# Every command that reads (or edits) a corpus, with the arguments it needs besides --db.
READ_COMMANDS = [
    ("stats",),
    ("claims",),
    ("claims", "--db", "typo.db", "mine"),
    ("runs",),
    ("runs", "show", "1"),
    ("history", "https://a.example/1"),
    ("schedule", "list"),
    (
        "schedule",
        "add",
        "n",
        "--site",
        "sample-law",
        "--base-url",
        "http://127.0.0.1:9",
        "--every",
        "1h",
    ),
    ("schedule", "pause", "n"),
    ("schedule", "resume", "n"),
    ("schedule", "remove", "n"),
    ("schedule", "run-now", "n"),
    ("scheduler", "--once"),
    ("dedup",),
    ("reprocess",),
    ("report", "dedup", "--out", "report.html"),
    ("search", "上门"),
    ("search", "--reindex"),
    ("export", "out"),
    ("export", "--format", "warc", "out"),
    ("browse",),
    ("db", "current"),
    ("worker", "--redis", "redis://127.0.0.1:9/0"),
]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result: Result, *expected: str) -> None:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_read_command_refuses_a_missing_corpus_and_creates_nothing(
    command: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(*command, *(() if "--db" in command else ("--db", "typo.db")))
    assert_one_line_error(
        result,
        f"there is no corpus at {tmp_path / 'typo.db'}",
        "debtcorpus db upgrade --db typo.db",
    )
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_no_corpus_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    assert_one_line_error(invoke("stats", "--db", str(empty)), "holds no debtcorpus corpus")
    assert empty.stat().st_size == 0 and sorted(tmp_path.iterdir()) == [empty]
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", "utf-8")
    assert_one_line_error(invoke("claims", "--db", str(notes)), "file is not a database")
    assert notes.read_text("utf-8") == "not a database\n"


def test_crawl_and_db_upgrade_create_the_corpus_read_commands_then_open(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    assert invoke("db", "upgrade", "--db", db).exit_code == 0
    result = invoke("stats", "--db", db, "--json")
    assert result.exit_code == 0, result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_missing_or_unreachable_postgresql_database_is_one_line() -> None:
    base = PG_URL.rsplit("/", 1)[0]
    missing = invoke("stats", "--db", f"{base}/debtcorpus_no_such_db")
    assert_one_line_error(missing, "does not exist", "createdb debtcorpus_no_such_db")
    port = free_port()
    refused = invoke("runs", "--db", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")
    assert_one_line_error(
        refused, f"the database server at 127.0.0.1:{port} is unreachable", "start it, or fix"
    )
    assert "create one" not in refused.output


@pytest.fixture
def corpus(db_path: Path) -> Store:
    store = open_store(str(db_path))
    with store.session() as session:
        session.add_all(_article(url, site, text) for (url, site), text in ARTICLES.items())
    return store


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--type", "FOO"), "--type 'FOO' is unknown; valid: CHANNEL, TIMING"),
        (("--subtype", "vist"), "closest: visit"),
        (("--modality", "maybe"), "valid: prohibition, obligation, possible"),
        (("--site", "c.example"), "valid: a.example, b.example"),
        (("--lender", "微粒"), "closest: 微粒贷"),
    ],
)
def test_claims_refuses_a_filter_value_nothing_holds(
    corpus: Store, db_path: Path, options: tuple[str, ...], expected: str
) -> None:
    assert_one_line_error(invoke("claims", *options, "--db", str(db_path)), expected)


def test_type_names_are_case_insensitive(corpus: Store, db_path: Path) -> None:
    lower = invoke("claims", "--type", "channel", "--json", "--by", "site", "--db", str(db_path))
    upper = invoke("claims", "--type", "CHANNEL", "--json", "--by", "site", "--db", str(db_path))
    assert lower.exit_code == 0, lower.output
    assert lower.output == upper.output and '"value": "a.example"' in lower.output


@pytest.mark.parametrize(
    ("product", "operator"), [("微粒贷", "微众银行"), ("花呗", "蚂蚁"), ("支付宝", "蚂蚁")]
)
def test_a_lender_product_resolves_to_its_operator_and_says_so(
    corpus: Store, db_path: Path, product: str, operator: str
) -> None:
    result = CliRunner().invoke(
        cli, ["claims", "--lender", product, "--by", "lender", "--json", "--db", str(db_path)]
    )
    assert result.exit_code == 0, result.output
    assert (
        result.stderr.strip()
        == f"--lender {product} -> {operator} (its operator, from the gazetteer)"
    )
    if operator == "微众银行":
        assert '"value": "微众银行"' in result.stdout


def test_search_and_export_check_their_filters(
    corpus: Store, db_path: Path, tmp_path: Path
) -> None:
    db = str(db_path)
    assert_one_line_error(invoke("search", "上门", "--type", "VISIT", "--db", db), "--type 'VISIT'")
    assert_one_line_error(invoke("search", "上门", "--site", "a.exampel", "--db", db), "a.example")
    out = tmp_path / "out"
    assert_one_line_error(invoke("export", str(out), "--claim-type", "foo", "--db", db), "CHANNEL")
    assert_one_line_error(invoke("export", str(out), "--language", "xx", "--db", db), "--language")
    assert not out.exists()
    exported = CliRunner().invoke(cli, ["export", str(out), "--lender", "微粒贷", "--db", db])
    assert exported.exit_code == 0, exported.output
    assert "微粒贷 -> 微众银行" in exported.stderr and "articles 2" in exported.stdout


def test_runs_checks_site_and_status(corpus: Store, db_path: Path) -> None:
    db = str(db_path)
    assert_one_line_error(
        invoke("runs", "--status", "done", "--db", db), "valid: running, finished"
    )
    assert_one_line_error(invoke("runs", "--site", "sample-law", "--db", db), "no values")
    assert invoke("runs", "--status", "FINISHED", "--db", db).exit_code == 0


@pytest.mark.parametrize("command", [("browse",), ("sample-site", "serve")], ids=" ".join)
def test_a_port_out_of_range_or_in_use_is_one_line(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    """Not an OverflowError or OSError traceback: exit code 2 and what to do."""
    if command == ("browse",):
        open_store(str(tmp_path / "corpus.db")).dispose()
        command = (*command, "--db", str(tmp_path / "corpus.db"))
    out_of_range = CliRunner().invoke(cli, [*command, "--port", "99999"])
    assert out_of_range.exit_code == 2, out_of_range.output
    assert "--port" in out_of_range.output and "99999" in out_of_range.output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        in_use = CliRunner().invoke(cli, [*command, "--port", port])
    assert in_use.exit_code == 2, in_use.output
    assert f"cannot listen on 127.0.0.1:{port}" in in_use.output
    assert "choose another --port" in in_use.output
