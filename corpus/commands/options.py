"""Options shared by several commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from corpus.errors import ConfigError
from corpus.profiles import SITES_ENV

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    envvar="DEBTCORPUS_DB",
    default=None,
    metavar="URL|PATH",
    help="SQLAlchemy URL (sqlite:///x.db, postgresql+psycopg://...) or a SQLite file path. "
    "Default: $DEBTCORPUS_DB, else ./corpus.db.",
)


def listen_options(default_port: int) -> Callable[[F], F]:
    """`--host` and `--port` of a command that serves on this machine (0: any free port)."""

    def decorate(command: F) -> F:
        command = click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=default_port,
            show_default=True,
            help="Port to listen on (0: any free port; the URL printed says which).",
        )(command)
        return click.option(
            "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
        )(command)

    return decorate


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


def _use_sites_dir(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Profiles are looked up through $DEBTCORPUS_SITES (corpus.profiles.sites_dirs), which a
    crawl process inherits; --sites-dir sets it for this command."""
    if value:
        folders = [Path(part).expanduser().resolve() for part in value.split(os.pathsep)]
        missing = [str(folder) for folder in folders if not folder.is_dir()]
        if missing:
            raise ConfigError(f"--sites-dir: no such folder: {', '.join(missing)}")
        os.environ[SITES_ENV] = os.pathsep.join(map(str, folders))
    return value


sites_dir_option = click.option(
    "--sites-dir",
    envvar=SITES_ENV,
    metavar="DIR",
    callback=_use_sites_dir,
    expose_value=False,
    help="A folder of your own profiles: --site NAME finds DIR/NAME.yaml (or .yml) before "
    "./NAME.yaml and the bundled ones. Default: $DEBTCORPUS_SITES.",
)
