"""Progress bars for long corpus jobs: shown on a terminal, silent otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

T = TypeVar("T")

# Below this many items a bar is noise.
MIN_ITEMS_FOR_BAR = 200


def progress(items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    """Iterate `items`, drawing a bar on stderr when it is a terminal and the job is long."""
    if total is None or total < MIN_ITEMS_FOR_BAR or not sys.stderr.isatty():
        yield from items
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)
