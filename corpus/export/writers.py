"""Table writers for JSONL, CSV and Parquet; each output is byte-for-byte reproducible.

Every batch goes through `pa.RecordBatch.from_pylist` with the table's schema, whatever the
format: that checks the types once, and gives the Arrow size the dataset card reports.

JSONL and CSV carry no schema, so readers infer each column's type from the first rows (polars
from 100, DuckDB from 20480): a column null in all of them is read as null or text, and
polars then refuses the file, DuckDB drops the later values. So these files start with the
*witness* rows: for each column (and each field inside lists and structs) the first row, in
id order, that has a value there; the other rows follow in id order. At most one row per
column comes first, so every type is seen within polars' 100 rows.
"""

from __future__ import annotations

import csv
import io
import json
from array import array
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

Row = dict[str, Any]

FORMATS = ("jsonl", "csv", "parquet")
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3


def json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=json_default)


class TableWriter:
    """Writes one table to one file; counts rows and Arrow bytes."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.num_rows = 0
        self.num_bytes = 0

    def write(self, rows: list[Row]) -> None:
        file_rows = [self.file_row(row) for row in rows]
        batch = pa.RecordBatch.from_pylist(file_rows, schema=self.schema)
        self.num_rows += batch.num_rows
        self.num_bytes += batch.nbytes
        self.write_rows(file_rows, batch)

    def file_row(self, row: Row) -> Row:
        return {name: row[name] for name in self.schema.names}

    def write_rows(self, rows: list[Row], batch: pa.RecordBatch) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def value_paths(value: Any, path: str) -> Iterator[str]:
    """The paths at which a value has content: a scalar its own, a list `path[]` and its
    elements', an object each field's."""
    if value is None or value == "":
        return
    if isinstance(value, list):
        if value:
            yield f"{path}[]"
        for item in value:
            yield from value_paths(item, f"{path}[]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from value_paths(item, f"{path}.{key}")
    else:
        yield path


def type_paths(data_type: pa.DataType, path: str) -> set[str]:
    """Every path at which values of an Arrow type can have content (as `value_paths`)."""
    if pa.types.is_list(data_type):
        return {f"{path}[]"} | type_paths(data_type.value_type, f"{path}[]")
    if pa.types.is_struct(data_type):
        return {p for field in data_type for p in type_paths(field.type, f"{path}.{field.name}")}
    return {path}


class WitnessFirstWriter(TableWriter):
    """Text lines in id order into a side file; the witness rows are moved to the front when
    the file is closed (module docstring)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        super().__init__(path, schema)
        self.body_path = path.with_name(f".{path.name}.body")
        self.body: IO[str] = self.body_path.open("w", encoding="utf-8", newline="")
        # per column, the paths no row has shown a value at yet; a column leaves when none
        # is left, so once every type is shown rows are written without looking at them
        self.pending: dict[str, set[str]] = {
            field.name: type_paths(field.type, field.name) for field in schema
        }
        # row number -> text of each witness row
        self.witnesses: dict[int, str] = {}
        # characters of each row's text in the side file (a CSV row may span several lines)
        self.sizes = array("q")

    def texts(self, rows: list[Row]) -> list[str]:
        """The text of each row, line end included."""
        raise NotImplementedError

    def header(self) -> str:
        return ""

    def write_rows(self, rows: list[Row], batch: pa.RecordBatch) -> None:
        for row, text in zip(rows, self.texts(rows), strict=True):
            if self.pending and self.shows_new_type(row):
                self.witnesses[len(self.sizes)] = text
            self.body.write(text)
            self.sizes.append(len(text))

    def shows_new_type(self, row: Row) -> bool:
        shown = False
        for name in list(self.pending):
            found = self.pending[name].intersection(value_paths(row[name], name))
            if found:
                shown = True
                self.pending[name] -= found
                if not self.pending[name]:
                    del self.pending[name]
        return shown

    def close(self) -> None:
        self.body.close()
        with (
            self.path.open("w", encoding="utf-8", newline="") as out,
            self.body_path.open(encoding="utf-8", newline="") as body,
        ):
            out.write(self.header())
            out.writelines(self.witnesses[number] for number in sorted(self.witnesses))
            for number, size in enumerate(self.sizes):
                text = body.read(size)
                if number not in self.witnesses:
                    out.write(text)
        self.body_path.unlink()


class JsonlWriter(WitnessFirstWriter):
    """One JSON object per line, UTF-8, keys in column order, times as ISO 8601 with offset."""

    def texts(self, rows: list[Row]) -> list[str]:
        return [to_json(row) + "\n" for row in rows]


def csv_cell(value: Any) -> Any:
    """Flat CSV text: null as empty, booleans as true/false, lists and objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return to_json(value)
    return value


class CsvWriter(WitnessFirstWriter):
    """RFC 4180 CSV with a header row, UTF-8 without BOM, `\\n` line ends."""

    def csv_texts(self, records: list[list[Any]]) -> list[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        ends = []
        for record in records:
            writer.writerow(record)
            ends.append(buffer.tell())
        text = buffer.getvalue()
        return [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]

    def header(self) -> str:
        return self.csv_texts([self.schema.names])[0]

    def texts(self, rows: list[Row]) -> list[str]:
        return self.csv_texts([[csv_cell(row[name]) for name in self.schema.names] for row in rows])

    def file_row(self, row: Row) -> Row:
        """Lists and objects become JSON text, as the CSV schema says; the rest stays typed."""
        return {
            name: to_json(row[name]) if isinstance(row[name], list | dict) else row[name]
            for name in self.schema.names
        }


class ParquetWriter(TableWriter):
    """Parquet via pyarrow: fixed compression, one row group per batch, no pandas metadata."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        super().__init__(path, schema)
        self.writer = pq.ParquetWriter(
            path,
            schema,
            compression=PARQUET_COMPRESSION,
            compression_level=PARQUET_COMPRESSION_LEVEL,
        )

    def write_rows(self, rows: list[Row], batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self.writer.write_batch(batch)

    def close(self) -> None:
        self.writer.close()


WRITERS: dict[str, type[TableWriter]] = {
    "jsonl": JsonlWriter,
    "csv": CsvWriter,
    "parquet": ParquetWriter,
}


def open_writer(file_format: str, path: Path, schema: pa.Schema) -> TableWriter:
    return WRITERS[file_format](path, schema)
