"""`debtcorpus sample-site serve`: the bundled article site for the demo and the tests."""

from __future__ import annotations

import click

from corpus.commands.options import listen_options
from corpus.errors import ConfigError


@click.group(name="sample-site")
def sample_site() -> None:
    """The bundled sample site: four Chinese article sites with real boilerplate and faults."""


@sample_site.command(name="serve")
@listen_options(default_port=8765)
@click.option(
    "--generate",
    default=0,
    show_default=True,
    help="Also serve a generated site of this many article pages under /gen/ (for benchmarks).",
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    help="Wait this long before each answer, like a remote site (for benchmarks).",
)
def serve_command(host: str, port: int, generate: int, latency_ms: int) -> None:
    """Serve the sample site until interrupted; prints the base URL on the first line."""
    from samplesite.server import serve  # corpus imports samplesite only when it serves it

    try:
        serve(host=host, port=port, generate=generate, latency_ms=latency_ms)
    except OSError as exc:  # binding: the port in use, or an address not this machine's
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
        ) from exc
