"""`debtcorpus db`: schema migrations (Alembic) for SQLite and PostgreSQL corpora."""

from __future__ import annotations

import click

from corpus.commands.options import db_option
from corpus.errors import ConfigError
from corpus.store import Store, existing_corpus


@click.group("db")
def db_group() -> None:
    """Schema migrations: upgrade a corpus, show its revision, add a revision; compact it."""


@db_group.command()
@click.option("--revision", "target", default="head", show_default=True, help="Target revision.")
@db_option
def upgrade(target: str, db: str | None) -> None:
    """Migrate the corpus to the newest schema (or --revision).

    A corpus made before migrations existed is recognised, stamped and upgraded in place."""
    from sqlalchemy.exc import DatabaseError

    from corpus.migrate import upgrade as run_upgrade

    store = Store(db)
    try:
        before, after = run_upgrade(store.engine, target)
    except DatabaseError as exc:
        if "not a database" not in str(exc):
            raise
        where = store.engine.url.database or db
        message = f"{where} is not a database; give the path of a corpus, or a new file"
        raise ConfigError(message) from exc
    finally:
        store.dispose()
    if before == after:
        click.echo(f"already at revision {after}")
    else:
        click.echo(f"upgraded {before or 'an empty database'} -> {after}")


@db_group.command()
@db_option
def current(db: str | None) -> None:
    """Print the corpus's schema revision and the newest one this version knows."""
    from corpus.migrate import current_revision, head_revision

    store = existing_corpus(db)
    try:
        revision = current_revision(store.engine)
    finally:
        store.dispose()
    head = head_revision()
    state = "up to date" if revision == head else "run `debtcorpus db upgrade`"
    click.echo(f"{revision or 'none (no migrations applied)'} (head {head}: {state})")


@db_group.command()
@click.option(
    "--vacuum/--no-vacuum",
    default=True,
    show_default=True,
    help="VACUUM a SQLite corpus afterwards, so the file shrinks.",
)
@db_option
def compact(vacuum: bool, db: str | None) -> None:
    """Recompress stored raw bodies with zstd and their site's dictionary.

    Bodies kept from before migration 0012 stay zlib until this runs (docs/storage.md); a
    site without a dictionary gets one trained from its first 200 bodies. Safe to stop and
    run again: each batch is its own transaction."""
    from sqlalchemy import text

    from corpus.bodies import recompress

    store = existing_corpus(db)
    try:
        rewritten = recompress(store.engine)
        if vacuum and store.engine.dialect.name == "sqlite":
            with store.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))
    finally:
        store.dispose()
    click.echo(f"recompressed {rewritten} bodies")


@db_group.command()
@click.option("-m", "--message", required=True, help="What changed, e.g. 'add page worker'.")
def revision(message: str) -> None:
    """Write a new revision from the difference between corpus/models.py and the migrations.

    For developers: run it in a source checkout after changing the models, then read and
    adjust the file (e.g. a server_default for a new NOT NULL column)."""
    from corpus.migrate import new_revision

    path = new_revision(message)
    click.echo(f"wrote {path}")
