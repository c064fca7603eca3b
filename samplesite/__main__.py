"""`python -m samplesite serve --port 0 [--host 127.0.0.1] [--generate N] [--latency-ms MS]`."""

from __future__ import annotations

import argparse

from samplesite.hostile import serve_hostile
from samplesite.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m samplesite", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the sample site until interrupted")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one")
    serve_parser.add_argument(
        "--generate",
        type=int,
        default=0,
        metavar="N",
        help="also serve N generated pages under /gen/",
    )
    serve_parser.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        metavar="MS",
        help="wait this long before each answer, like a remote site (for benchmarks)",
    )
    hostile_parser = commands.add_parser("hostile", help="serve the hostile fault site")
    hostile_parser.add_argument("--port", type=int, default=8766, help="port; 0 picks a free one")
    args = parser.parse_args(argv)
    if args.command == "hostile":
        serve_hostile(args.port)
        return
    serve(host=args.host, port=args.port, generate=args.generate, latency_ms=args.latency_ms)


if __name__ == "__main__":
    main()
