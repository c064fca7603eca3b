"""Alembic migrations: they agree with corpus/models.py, build fresh corpora, and adopt corpora
made before migrations existed (create_all, no alembic_version) without losing rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    create_engine,
    func,
    select,
    text,
)

from corpus import migrate
from corpus.cli import cli
from corpus.errors import ConfigError
from corpus.models import Article, Base, CrawlRun
from corpus.store import open_store

FIRST_REVISION = "0001"
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def sqlite_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "fresh.db")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        differences = migrate.model_differences(connection)
    engine.dispose()
    assert not differences, (
        "corpus/models.py and corpus/migrations disagree; add a revision with "
        f"`debtcorpus db revision -m 'what changed'`: {differences}"
    )


def test_open_store_migrates_a_new_corpus_to_head(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "new.db"))
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    store.dispose()


def _filler(column: Any) -> Any:
    """A value of the column's type, for NOT NULL columns a test does not care about."""
    kinds: list[tuple[type, Any]] = [
        (DateTime, NOW),
        (JSON, {}),
        (Boolean, False),
        (Float, 0.0),
        (Integer, 0),
    ]
    for kind, value in kinds:
        if isinstance(column.type, kind):
            return value
    return ""


def insert_row(engine: Engine, table_name: str, **values: Any) -> None:
    """Insert through the table as the database has it (older schemas than the models)."""
    table = Table(table_name, MetaData(), autoload_with=engine)
    row = {
        c.name: _filler(c)
        for c in table.columns
        if not c.nullable and not c.primary_key and c.server_default is None
    }
    with engine.begin() as connection:
        connection.execute(table.insert().values({**row, **values}))


def fill_old_corpus(engine: Engine) -> None:
    insert_row(engine, "crawl_runs", id=1, site="sample-wp", status="finished")
    insert_row(
        engine, "articles", id=7, url="http://x/wp/1.html", text="催收上门怎么办", title="标题"
    )
    insert_row(engine, "pages", id=3, crawl_run_id=1, url="http://x/wp/1.html", article_id=7)
    insert_row(engine, "schedules", id=1, name="weekly", site="sample-wp")


def assert_rows_kept(db: Path) -> None:
    store = open_store(str(db))
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    with store.session() as session:
        article = session.scalars(select(Article)).one()
        assert (article.id, article.text, article.title) == (7, "催收上门怎么办", "标题")
        assert session.get_one(CrawlRun, 1).site == "sample-wp"
        assert session.scalar(select(func.count()).select_from(Base.metadata.tables["pages"]))
    store.dispose()


def test_a_corpus_from_before_migrations_is_adopted_and_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = sqlite_engine(db)
    migrate.upgrade(engine, FIRST_REVISION)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # as create_all left it
    fill_old_corpus(engine)
    engine.dispose()
    assert_rows_kept(db)


def test_a_create_all_corpus_of_the_current_models_is_stamped(tmp_path: Path) -> None:
    db = tmp_path / "current.db"
    engine = sqlite_engine(db)
    Base.metadata.create_all(engine)
    fill_old_corpus(engine)
    engine.dispose()
    assert_rows_kept(db)


def test_tables_that_match_no_revision_are_refused(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "odd.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE articles (id INTEGER PRIMARY KEY, body TEXT)"))
    with pytest.raises(ConfigError, match="matches no debtcorpus schema"):
        migrate.upgrade(engine)
    engine.dispose()


def test_db_upgrade_and_current_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    before = runner.invoke(cli, ["db", "current", "--db", db])
    assert before.exit_code == 2 and "there is no corpus" in before.output
    assert not Path(db).exists()  # `db current` reads; it does not make a corpus
    upgraded = runner.invoke(cli, ["db", "upgrade", "--db", db])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"-> {migrate.head_revision()}" in upgraded.output
    after = runner.invoke(cli, ["db", "current", "--db", db])
    assert "up to date" in after.output


def test_upgrade_and_stats_refuse_a_file_that_is_no_database_in_one_line(tmp_path: Path) -> None:
    texts = tmp_path / "texts.jsonl"
    texts.write_text('{"text": "借呗逾期"}\n' * 200, "utf-8")
    for args in (["db", "upgrade", "--db", str(texts)], ["stats", "--db", str(texts)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert "not a database" in result.output and "db upgrade" not in result.output
        assert "Traceback" not in result.output
    assert texts.read_text("utf-8").startswith('{"text"')  # left as it was
