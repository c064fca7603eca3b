"""`debtcorpus browse`: the corpus in Datasette, with the Chinese search index behind its box."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url

from corpus.commands.options import db_option, listen_options
from corpus.errors import ConfigError
from corpus.store import open_corpus


def sqlite_path(db: str | None) -> Path:
    """The corpus file; Datasette reads SQLite only. Brought to the newest schema first."""
    store = open_corpus(db)
    url, dialect = store.url, store.engine.dialect.name
    store.dispose()
    if dialect != "sqlite":
        raise ConfigError(
            "browse needs a SQLite corpus (Datasette reads SQLite only); "
            "`debtcorpus export` a PostgreSQL corpus, or search it with `debtcorpus search`"
        )
    return Path(make_url(url).database or "")


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound here so that a port in use is refused in one line
    and `--port 0` (any free port) can say which port it got."""
    server = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind((host, port))
    except OSError as exc:
        server.close()
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
        ) from exc
    return server


def make_datasette(path: Path, settings: dict[str, Any] | None = None) -> Any:
    """A Datasette over the corpus with its metadata and the debtcorpus plugin."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from corpus.browse import plugin
    from corpus.browse.metadata import corpus_metadata

    if not pm.is_registered(plugin):
        pm.register(plugin, name="debtcorpus")
    defaults = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 1000}
    return Datasette(
        [str(path)], metadata=corpus_metadata(path.stem), settings=defaults | (settings or {})
    )


@click.command(name="browse")
@db_option
@listen_options(default_port=8001)
def browse(db: str | None, host: str, port: int) -> None:
    """Open the corpus in Datasette: tables with descriptions and facets, canned queries
    (search, claims by lender and type, copies of an article, runs with errors), raw pages
    as text (page_previews). The search box on articles and comments finds every row that
    contains all the words, Chinese included. Stop with Ctrl-C."""
    import uvicorn

    path = sqlite_path(db)
    server = listen(host, port)
    datasette = make_datasette(path)
    asyncio.run(datasette.invoke_startup())
    bound_port = server.getsockname()[1]
    click.echo(f"http://{host}:{bound_port}/{path.stem}")
    config = uvicorn.Config(datasette.app(), log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run(sockets=[server])
    except KeyboardInterrupt:  # uvicorn shuts down, then re-raises the signal: a normal stop
        click.echo("stopped", err=True)
