"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    envvar="DEBTCORPUS_DB",
    default=None,
    metavar="URL|PATH",
    help="SQLAlchemy URL (sqlite:///x.db, postgresql+psycopg://...) or a SQLite file path. "
    "Default: $DEBTCORPUS_DB, else ./corpus.db.",
)
