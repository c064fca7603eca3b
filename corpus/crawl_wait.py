"""Waiting for a crawl process, and the `debtcorpus crawl` process while it waits.

This module imports the standard library only. `debtcorpus crawl` checks its input, opens the
corpus and the run (SQLAlchemy, the models, the profiles: tens of MB), then replaces itself
(`hand_over`: the same process id, so a terminal's Ctrl-C and `kill` reach it as before) with
`python -m corpus.crawl_wait`, which starts the crawl process, passes stops on, and only once
the crawl has ended imports the command again to close the run, print it and check its health.
While the crawl runs the command so holds a bare interpreter instead of its imports.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

# After the first Ctrl-C or SIGTERM the crawl has this long to stop cleanly (finish what is
# in flight, close the run) before it is told again (Scrapy's immediate stop) and then killed.
GRACEFUL_STOP_S = 7.0
FORCED_STOP_S = 2.5


class _Stops:
    """Ctrl-C and SIGTERM while a crawl runs: counted here, passed on by `wait_for_crawl`."""

    def __init__(self) -> None:
        self.received = 0
        self.first_at = 0.0
        self.sent = 0
        self.last_sent_at = 0.0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received += 1
        self.first_at = self.first_at or time.monotonic()

    def pass_on(self, child: subprocess.Popen[bytes]) -> None:
        """The first stop asks for a clean stop; a second one, or the graceful time running
        out, for an immediate one; a crawl that still goes on is killed."""
        if not self.received:
            return
        now = time.monotonic()
        wanted = 2 if self.received > 1 or now - self.first_at > GRACEFUL_STOP_S else 1
        if self.sent < wanted:
            child.send_signal(signal.SIGINT)
            self.sent, self.last_sent_at = self.sent + 1, now
        elif self.sent == 2 and now - self.last_sent_at > FORCED_STOP_S:
            child.kill()


def wait_for_crawl(
    argv: Sequence[str],
    on_tick: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> int:
    """Run the crawl process to its end and return its exit code; `on_tick` is called a few
    times a second, `on_stop` once, when the first stop has been passed on.

    It runs in a session of its own, so a terminal's Ctrl-C reaches this process only, which
    passes each stop on once (`_Stops`). The child gets SIGTERM should this process die
    (crawler.run.die_with_parent)."""
    if threading.current_thread() is not threading.main_thread():
        # run by the scheduler's worker thread: the scheduler stops its own crawls
        return subprocess.Popen(argv).wait()
    stops = _Stops()
    previous = {sig: signal.signal(sig, stops) for sig in (signal.SIGINT, signal.SIGTERM)}
    child = subprocess.Popen(argv, start_new_session=True)
    try:
        while (code := _poll(child)) is None:
            stops.pass_on(child)
            if on_tick is not None:
                on_tick()
            if on_stop is not None and stops.sent:
                on_stop()
                on_stop = None
        return code
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _poll(child: subprocess.Popen[bytes]) -> int | None:
    try:
        return child.wait(timeout=0.2)
    except subprocess.TimeoutExpired:
        return None


def hand_over(state: dict[str, Any]) -> None:
    """Replace this process with `python -m corpus.crawl_wait STATE` (never returns): it runs
    `state["argv"]` and then `corpus.commands.crawl.end_command(state, exit_code)`.

    Stops are ignored across the exec (a handler would be reset to the default, which kills)
    until the waiting process installs its own."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os.execv(sys.executable, [sys.executable, "-m", "corpus.crawl_wait", json.dumps(state)])


def _import_the_end() -> None:
    import corpus.commands.crawl  # noqa: F401


def main(argv: list[str]) -> None:
    state = json.loads(argv[0])
    # Once told to stop, the crawl winds down (its peak is behind it): the imports that close
    # the run are made meanwhile, on a thread, so that the stop takes no longer than before.
    ending = threading.Thread(target=_import_the_end, name="import-the-end", daemon=True)
    code = wait_for_crawl(state["argv"], on_stop=ending.start)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from corpus.commands.crawl import end_command

    end_command(state, code)


if __name__ == "__main__":
    main(sys.argv[1:])
