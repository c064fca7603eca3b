"""A stopped crawl ends within seconds, whoever stops it.

Scrapy's first SIGINT/SIGTERM stops taking requests and waits for the downloads in flight,
which a stalled server can hold for DOWNLOAD_TIMEOUT. `StopDeadline` wraps Scrapy's handlers
once the engine runs: the first stop starts a deadline, after which the crawl tells itself to
stop at once (Scrapy's second signal), and a crawl that still goes on exits (the run stays
resumable). It holds for a stop from `debtcorpus crawl`, a user's `kill -INT`, and the
parent-death signal.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from scrapy import signals

from corpus.crawl_contract import ExitCode

# After a stop signal the crawl finishes what is in flight for this long, then stops at once.
STOP_GRACE_S = 6.0
FORCED_STOP_S = 3.0
_deadline_armed = threading.Event()
_timers: list[threading.Timer] = []


class StopDeadline:
    """Scrapy extension: installs the deadline when the engine starts."""

    def __init__(self, crawler: Any) -> None:
        self.grace = crawler.settings.getfloat("DEBTCORPUS_STOP_GRACE_SECONDS", STOP_GRACE_S)
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StopDeadline:
        return cls(crawler)

    def engine_started(self) -> None:
        install_stop_deadline(self.grace)


def install_stop_deadline(grace_s: float) -> None:
    """Wrap Scrapy's SIGINT/SIGTERM handlers: the first stop starts a deadline, so a stopped
    crawl ends within seconds even with downloads stalled for DOWNLOAD_TIMEOUT, whoever sent
    the signal (`debtcorpus crawl`, a user's kill -INT, the parent-death signal)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        scrapy_handler = signal.getsignal(number)

        def handler(signum: int, frame: Any, scrapy_handler: Any = scrapy_handler) -> None:
            _arm_deadline(grace_s)
            if callable(scrapy_handler):
                scrapy_handler(signum, frame)

        signal.signal(number, handler)


def _arm_deadline(grace_s: float) -> None:
    if _deadline_armed.is_set():
        return
    _deadline_armed.set()
    # the second SIGINT is Scrapy's immediate stop
    _later(grace_s, lambda: os.kill(os.getpid(), signal.SIGINT))
    _later(grace_s + FORCED_STOP_S, lambda: os._exit(ExitCode.INTERRUPTED))


def _later(seconds: float, action: Callable[[], None]) -> None:
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    _timers.append(timer)
    timer.start()


def cancel_stop_deadline() -> None:
    """The crawl has stopped: nothing left to hurry (called once the reactor has returned)."""
    for timer in _timers:
        timer.cancel()
    _timers.clear()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)  # closing the run must not be interrupted
