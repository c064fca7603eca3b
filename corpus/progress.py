"""Progress of long corpus jobs on stderr: a live bar (or a spinner, when the amount of work is
unknown) on a terminal, whatever the item count; plain lines every few seconds otherwise (a log
file, a pipe, CI), so a long job is never silent. Stdout stays the command's output.

`progress(items, total, description)` wraps an iterable; `phase(description, total)` is a
step that is not a loop (a rebuild, a render), or one that advances by hand.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from corpus.errors import ConfigError

T = TypeVar("T")

# Seconds between plain progress lines when stderr is not a terminal.
PERIOD_ENV = "DEBTCORPUS_PROGRESS_EVERY"
DEFAULT_PERIOD_S = 10.0

Advance = Callable[[int], None]


def progress(items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    """Iterate `items`, showing how far it got (`total`: how many there are, if known)."""
    with phase(description, total) as advance:
        for item in items:
            yield item
            advance(1)


@contextmanager
def phase(description: str, total: int | None = None) -> Iterator[Advance]:
    """A step of a long job, shown while it runs; yields `advance(n)` for the work done."""
    if sys.stderr.isatty():
        with _bar(description, total) as advance:
            yield advance
    else:
        with _lines(description, total) as advance:
            yield advance


@contextmanager
def _bar(description: str, total: int | None) -> Iterator[Advance]:
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        *([BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()] if total else []),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def period_s() -> float:
    """The period of plain progress lines; a value that is not a positive number is refused."""
    raw = os.environ.get(PERIOD_ENV)
    if raw is None:
        return DEFAULT_PERIOD_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(
            f"{PERIOD_ENV}={raw!r} is not a positive number of seconds; unset it or give "
            "one such as 10"
        )
    return max(0.05, value)


@contextmanager
def _lines(description: str, total: int | None) -> Iterator[Advance]:
    """A line every period_s() from a timer thread (a step that is one blocking call shows
    too), and a last one when any was written."""
    done = [0]
    started = time.monotonic()
    stop = threading.Event()
    wrote = threading.Event()

    def report() -> None:
        while not stop.wait(period):
            click.echo(_line(description, done[0], total, started), err=True)
            wrote.set()

    period = period_s()
    ticker = threading.Thread(target=report, name="progress", daemon=True)
    ticker.start()
    ended = "stopped"
    try:
        yield lambda n: done.__setitem__(0, done[0] + n)
        ended = "done"
    finally:
        stop.set()
        ticker.join()
        if wrote.is_set():
            elapsed = time.monotonic() - started
            click.echo(
                f"{description}: {ended}, {_count(done[0], total)} in {elapsed:.1f} s", err=True
            )


def _line(description: str, done: int, total: int | None, started: float) -> str:
    return f"{description}: {_count(done, total)}, {time.monotonic() - started:.0f} s"


def _count(done: int, total: int | None) -> str:
    if total:
        return f"{done}/{total} ({100 * done / total:.0f}%)"
    return f"{done} done" if done else "working"
