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


def scrapy_settings_option(scope: str) -> Callable[[F], F]:
    """`-s/--set KEY=VALUE`, repeatable: Scrapy settings for `scope` (e.g. "this crawl")."""
    return click.option(
        "-s",
        "--set",
        "settings",
        multiple=True,
        metavar="KEY=VALUE",
        help=f"Override a Scrapy setting for {scope}, e.g. -s DOWNLOAD_DELAY=1. Repeatable.",
    )


log_level_option = click.option(
    "--log-level",
    default="WARNING",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    help="Scrapy's log level in the crawl process; INFO shows progress every minute.",
)
