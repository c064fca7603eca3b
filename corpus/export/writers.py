"""Table writers for JSONL, CSV and Parquet; each output is byte-for-byte reproducible.

Every batch goes through `pa.RecordBatch.from_pylist` with the table's schema, whatever the
format: that checks the types once, and gives the Arrow size the dataset card reports.
"""

from __future__ import annotations

import csv
import json
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


class JsonlWriter(TableWriter):
    """One JSON object per line, UTF-8, keys in column order, times as ISO 8601 with offset."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        super().__init__(path, schema)
        self.handle: IO[str] = path.open("w", encoding="utf-8", newline="\n")

    def write_rows(self, rows: list[Row], batch: pa.RecordBatch) -> None:
        self.handle.writelines(to_json(row) + "\n" for row in rows)

    def close(self) -> None:
        self.handle.close()


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


class CsvWriter(TableWriter):
    """RFC 4180 CSV with a header row, UTF-8 without BOM, `\\n` line ends."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        super().__init__(path, schema)
        self.handle: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.handle, lineterminator="\n")
        self.csv.writerow(schema.names)

    def file_row(self, row: Row) -> Row:
        """Lists and objects become JSON text, as the CSV schema says; the rest stays typed."""
        return {
            name: to_json(row[name]) if isinstance(row[name], list | dict) else row[name]
            for name in self.schema.names
        }

    def write_rows(self, rows: list[Row], batch: pa.RecordBatch) -> None:
        self.csv.writerows([csv_cell(row[name]) for name in self.schema.names] for row in rows)

    def close(self) -> None:
        self.handle.close()


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
