"""Machine-readable output shared by the commands: `--json` and `--csv` (docs/cli-output.md).

A list (claims, runs, schedules, search hits) is JSON lines, one object a line, or CSV with a
header; one record (stats, `runs show`, history) is one JSON object. Times are ISO 8601 in UTC,
Chinese is written as itself, and in CSV a nested value (a dict or list) is a JSON string.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

TABLE, JSON, CSV = "table", "json", "csv"


def output_option(tabular: bool = True) -> Callable[[F], F]:
    """`--json` (and `--csv` when `tabular`) as one parameter, `output`: table, json or csv."""

    def decorate(function: F) -> F:
        options = [
            click.option(
                "--json",
                "output",
                flag_value=JSON,
                help="JSON instead of a table (shapes in docs/cli-output.md).",
            )
        ]
        if tabular:
            options.append(
                click.option("--csv", "output", flag_value=CSV, help="CSV with a header row.")
            )
        table = click.option("--table", "output", flag_value=TABLE, default=True, hidden=True)
        options.append(table)
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def plain(value: Any) -> Any:
    """A value JSON can hold: datetimes as ISO 8601 UTC, enums as their value."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False)


def write_object(record: Mapping[str, Any]) -> None:
    """One record as one JSON object on stdout."""
    click.echo(dumps(record))


def write_rows(rows: Iterable[Mapping[str, Any]], output: str, columns: Sequence[str]) -> None:
    """Rows as JSON lines or as CSV with `columns` as the header (in that order)."""
    if output == JSON:
        for row in rows:
            click.echo(dumps({column: row.get(column) for column in columns}))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    sys.stdout.flush()


def _csv_cell(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value
