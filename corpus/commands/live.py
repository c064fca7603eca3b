"""The live status of a running crawl, read from its run row (crawler.progress writes it):
a rich panel on a terminal, a plain line every half minute otherwise; both on stderr.

The crawl's Scrapy process draws it, and reads the row through its store process
(corpus.store_calls, `run_view`): this module imports the standard library only."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from corpus.store_calls import StoreCallError, store_calls

if TYPE_CHECKING:
    from rich.live import Live
    from rich.table import Table

    from corpus.store import Store

REFRESH_S = 1.0
PLAIN_EVERY_S = 30.0


@dataclass(frozen=True)
class RunView:
    """What the status shows of a crawl_runs row."""

    id: int
    site: str | None
    status: str
    stats: dict[str, Any]
    pages_fetched: int
    articles_new: int
    articles_changed: int
    rejects: dict[str, Any]
    errors: dict[str, Any]
    not_fetched: dict[str, Any]


def run_view(store: Store, run_id: int) -> RunView | None:
    """Run in the crawl's store process: the run's row, as the status shows it."""
    from corpus.models import CrawlRun

    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            return None
        return RunView(**{f.name: getattr(run, f.name) for f in fields(RunView)})


def _reasons(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "-"


def _live(run: RunView) -> dict[str, float]:
    figures = list((run.stats.get("live") or {}).values())
    return {
        "fetched": sum(f.get("pages") or 0 for f in figures),
        "pages_per_s": sum(f.get("pages_per_s") or 0 for f in figures),
        "queued": sum(f.get("queued") or 0 for f in figures),
        "elapsed_s": max((f.get("elapsed_s") or 0 for f in figures), default=0),
    }


def status_line(run: RunView) -> str:
    live = _live(run)
    return (
        f"run {run.id} {run.status}: {int(live['fetched'])} pages fetched "
        f"({live['pages_per_s']:.1f}/s), {run.pages_fetched} stored, "
        f"articles {run.articles_new} new {run.articles_changed} changed, "
        f"rejected {_reasons(run.rejects)}, errors {_reasons(run.errors)}, "
        f"not fetched {_reasons(run.not_fetched)}, queued {int(live['queued'])}, "
        f"{time.strftime('%H:%M:%S', time.gmtime(live['elapsed_s']))} elapsed"
    )


def status_table(run: RunView) -> Table:
    from rich.table import Table  # on a terminal only: the crawl process need not hold rich

    live = _live(run)
    table = Table(title=f"Crawl run {run.id} ({run.site}): {run.status}", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    rows = (
        ("pages fetched", f"{int(live['fetched'])} ({live['pages_per_s']:.1f} per s)"),
        ("pages stored", str(run.pages_fetched)),
        ("articles", f"{run.articles_new} new, {run.articles_changed} changed"),
        ("rejected", _reasons(run.rejects)),
        ("errors", _reasons(run.errors)),
        ("not fetched", _reasons(run.not_fetched)),
        ("queued", str(int(live["queued"]))),
        ("elapsed", time.strftime("%H:%M:%S", time.gmtime(live["elapsed_s"]))),
    )
    for name, value in rows:
        table.add_row(name, value)
    return table


class LiveStatus:
    """Shows a run while `wait_for_crawl` waits for it (its `tick` is called a few times a
    second)."""

    def __init__(self, db: str, run_id: int) -> None:
        self.db = db
        self.run_id = run_id
        self.terminal = sys.stderr.isatty()
        self.live: Live | None = None
        self.last_refresh = 0.0
        self.last_plain = time.monotonic()

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.last_refresh < REFRESH_S:
            return
        if not self.terminal and now - self.last_plain < PLAIN_EVERY_S:
            return  # nothing to show: no query
        self.last_refresh = now
        run = self._run()
        if run is None:
            return
        if self.terminal:
            if self.live is None:
                from rich.console import Console
                from rich.live import Live

                console = Console(stderr=True)
                self.live = Live(status_table(run), console=console, refresh_per_second=2)
                self.live.start()
            self.live.update(status_table(run))
        elif now - self.last_plain >= PLAIN_EVERY_S:
            self.last_plain = now
            print(status_line(run), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()

    def _run(self) -> RunView | None:
        try:
            view: RunView | None = store_calls().call(
                "corpus.commands.live:run_view", self.run_id, db=self.db
            )
        except StoreCallError:
            return None
        return view


@contextmanager
def shown_while_running(db: str, run_id: int) -> Iterator[None]:
    """Show the run (`LiveStatus`, ticked by a thread of its own) while the block runs: the
    crawl process draws its own status (`python -m crawler --live`)."""
    status = LiveStatus(db, run_id)
    done = threading.Event()

    def keep_showing() -> None:
        while not done.wait(0.2):
            status.tick()

    thread = threading.Thread(target=keep_showing, name="live-status", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        status.close()
