"""`debtcorpus search` on the command line, and the migration that gives old corpora the index
and readable JSON."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, text

from corpus import migrate
from corpus.cli import cli
from corpus.store import open_store
from tests.test_search import add_article

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def small_corpus(path: Path) -> str:
    return small_corpus_at(str(path))


def small_corpus_at(db: str) -> str:
    store = open_store(db)
    with store.session() as session:
        add_article(session, "微粒贷逾期催收上门来了怎么办", "很多借款人担心催收人员上门家访。")
        answer = "律师解答：家访须事先告知。"
        add_article(session, "第三方催收需要家访吗", answer, ("我被暴力催收过",))
    store.dispose()
    return db


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_json_lines_have_the_documented_fields(tmp_path: Path) -> None:
    db = small_corpus(tmp_path / "c.db")
    rows = [json.loads(line) for line in run("search", "家访", "--json", "--db", db).splitlines()]
    assert len(rows) == 2
    fields = {"article_id", "url", "title", "site", "published_at", "score", "snippet"}
    assert all(set(row) == fields for row in rows)
    assert "<mark>家访</mark>" in rows[0]["snippet"]
    limited = run("search", "家访", "--json", "--limit", "1", "--db", db).splitlines()
    assert len(limited) == 1


def test_table_comments_and_reindex(tmp_path: Path) -> None:
    db = small_corpus(tmp_path / "c.db")
    table = run("search", "上门", "--db", db)
    assert "微粒贷逾期催收上门来了怎么办" in table and "1 articles" in table
    assert "0 articles" in run("search", "暴力", "--db", db)
    comments = run("search", "暴力", "--comments", "--json", "--db", db)
    assert json.loads(comments)["comment_id"]
    assert "indexed 2 articles and 1 comments" in run("search", "--reindex", "--db", db)


def test_a_list_cut_by_limit_says_so(tmp_path: Path) -> None:
    db = small_corpus(tmp_path / "c.db")
    cut = run("search", "家访", "--limit", "1", "--db", db)
    assert "first 1 articles" in cut and "--limit" in cut
    assert "first" not in run("search", "家访", "--db", db).splitlines()[0]


def test_the_help_examples_name_real_sites() -> None:
    bundled = Path(__file__).resolve().parent.parent / "corpus" / "sites"
    profiles = {path.stem for path in bundled.glob("*.yaml")}
    sites = re.findall(r"debtcorpus search .*--site (\S+)", run("search", "--help"))
    assert sites and set(sites) <= profiles, sites


def test_bad_queries_are_one_line_errors(tmp_path: Path) -> None:
    db = small_corpus(tmp_path / "c.db")
    for args in (["search", "--db", db], ["search", "，。", "--db", db]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2
        assert "Traceback" not in result.output and "Error" in result.output


def fill_old_article(engine: Engine) -> None:
    """An article as revision 0003 stored it: JSON with \\u escapes, no index."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (url, title, text, text_sha256, extractor_version, "
                "first_seen_at, last_seen_at, tags, date_candidates, masked_gaps, "
                "boilerplate_removed, relevance, masked_gap_count, revision_count) VALUES "
                "('u', '上门催收', '催收人员上门', 'x', '1', :now, :now, :tags, '[]', '[]', "
                "'{}', 0, 0, 0)"
            ),
            {"now": NOW, "tags": json.dumps(["催收"])},
        )


def test_db_upgrade_gives_an_old_corpus_the_index_and_readable_json(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0003")
    fill_old_article(engine)
    engine.dispose()
    assert "\\u50ac" in path.read_bytes().decode("latin-1")
    upgraded = run("db", "upgrade", "--db", str(path))
    assert f"upgraded 0003 -> {migrate.head_revision()}" in upgraded
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT tags FROM articles")) == '["催收"]'
    engine.dispose()
    assert "上门催收" in run("search", "上门", "--db", str(path))


@pytest.mark.services
def test_search_and_browse_commands_on_postgres(tmp_path: Path) -> None:
    from tests.test_postgres import PG_URL, create_database_if_missing, reset_database

    create_database_if_missing(PG_URL)
    reset_database(PG_URL)
    small_corpus_at(PG_URL)
    lines = run("search", "家访", "--json", "--db", PG_URL).splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 2 and all("<mark>家访</mark>" in row["snippet"] for row in rows)
    assert "indexed 2 articles and 1 comments" in run("search", "--reindex", "--db", PG_URL)
    result = CliRunner().invoke(cli, ["browse", "--db", PG_URL])
    assert result.exit_code == 2 and "browse needs a SQLite corpus" in result.output


@pytest.mark.services
def test_db_upgrade_on_postgres_rewrites_json_and_builds_the_index() -> None:
    from tests.test_postgres import PG_URL, create_database_if_missing, reset_database

    create_database_if_missing(PG_URL)
    reset_database(PG_URL)
    engine = create_engine(PG_URL)
    migrate.upgrade(engine, "0003")
    fill_old_article(engine)
    with engine.connect() as connection:
        assert "\\u50ac" in connection.scalar(text("SELECT CAST(tags AS text) FROM articles"))
    engine.dispose()
    run("db", "upgrade", "--db", PG_URL)
    engine = create_engine(PG_URL)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT CAST(tags AS text) FROM articles")) == '["催收"]'
    engine.dispose()
    assert "上门催收" in run("search", "门催", "--db", PG_URL)
