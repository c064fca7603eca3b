"""`make demo`: serve the bundled sample site, crawl it with the four sample profiles, show stats.

Runs the same commands a user would type, each as its own process:
  debtcorpus sample-site serve --port PORT
  debtcorpus crawl --site sample-wp --site sample-portal ... --base-url URL --db DIR/corpus.db
  debtcorpus stats --db DIR/corpus.db
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SAMPLE_PROFILES = ("sample-wp", "sample-portal", "sample-news", "sample-law")


def debtcorpus(*args: str) -> list[str]:
    return [sys.executable, "-m", "corpus", *args]


def start_site(port: str) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        debtcorpus("sample-site", "serve", "--port", port), stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    base_url = server.stdout.readline().strip()
    if not base_url.startswith("http"):
        server.kill()
        raise SystemExit(f"the sample site did not start (port {port} busy?): {base_url!r}")
    return server, base_url.rstrip("/")


def main() -> int:
    out = Path(os.environ.get("DEMO_DIR", "demo"))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    db = str(out / "corpus.db")
    server, base_url = start_site(os.environ.get("DEMO_PORT", "0"))
    print(f"Sample site at {base_url}/ ; corpus at {db}", flush=True)
    try:
        sites = [arg for name in SAMPLE_PROFILES for arg in ("--site", name)]
        crawl = debtcorpus("crawl", *sites, "--base-url", base_url, "--db", db)
        subprocess.run(crawl, check=True)
        subprocess.run(debtcorpus("stats", "--db", db), check=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    command = os.path.relpath(Path(sys.executable).with_name("debtcorpus"))
    print(f"\nDone. Explore it: {command} stats --db {db}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
