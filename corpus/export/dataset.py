"""Export the corpus as a dataset: articles, claims and comments tables, a card and a manifest.

The public API is `ExportRequest` and `export_dataset`; `docs/export.md` describes the output.
Files are staged in a hidden folder beside OUT and moved in only when all are written, and the
same request on the same database gives byte-identical files.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
from sqlalchemy.orm import Session

from corpus.errors import ConfigError
from corpus.export.card import (
    CARD_FILE,
    LICENSE_FILE,
    MANIFEST_FILE,
    CardFacts,
    WrittenTable,
    build_manifest,
    license_text,
    manifest_text,
    render_card,
)
from corpus.export.filters import ExportFilters
from corpus.export.provenance import export_provenance
from corpus.export.pseudonyms import PseudonymSettings
from corpus.export.quality import stored_quality
from corpus.export.rows import (
    BATCH_SIZE,
    ArticleRow,
    count_articles,
    iter_article_batches,
    read_batch,
)
from corpus.export.schema import TABLE_COLUMNS, file_schema, table_columns
from corpus.export.summary import ExportSummary, dedup_summary
from corpus.export.writers import FORMATS, TableWriter, open_writer
from corpus.models import SCHEMA_VERSION
from corpus.progress import progress
from corpus.store import Store

T = TypeVar("T")

EXPORT_FILE_NAMES = frozenset(
    {f"{table}.{ext}" for table in TABLE_COLUMNS for ext in FORMATS}
    | {CARD_FILE, MANIFEST_FILE, LICENSE_FILE}
)


@dataclass(frozen=True)
class ExportRequest:
    out_dir: Path
    file_format: str = "parquet"
    filters: ExportFilters = field(default_factory=ExportFilters)
    nested: bool = False
    overwrite: bool = False
    # author names replaced by keyed hashes (corpus.export.pseudonyms); None keeps them
    pseudonyms: PseudonymSettings | None = None

    def tables(self) -> tuple[str, ...]:
        return ("articles",) if self.nested else tuple(TABLE_COLUMNS)

    def validate(self) -> None:
        if self.file_format not in FORMATS:
            raise ConfigError(f"unknown export format {self.file_format!r}; use one of {FORMATS}")
        if self.nested and self.file_format == "csv":
            raise ConfigError("--nested needs --format jsonl or parquet; CSV cells are flat")
        if self.filters.min_length is not None and self.filters.min_length < 0:
            raise ConfigError("--min-length must be 0 or more characters")


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    row_counts: dict[str, int]
    files: tuple[str, ...]


def tool_version() -> str:
    return importlib.metadata.version("debtcorpus")


def is_dataset_file(name: str) -> bool:
    return name in EXPORT_FILE_NAMES


def check_out_dir(
    out_dir: Path, overwrite: bool, is_export_file: Callable[[str], bool] = is_dataset_file
) -> None:
    """OUT may be missing or empty; with --overwrite it may hold an earlier export only."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"export folder {out_dir} is a file; give a folder path")
    if not out_dir.exists():
        return
    present = sorted(path.name for path in out_dir.iterdir())
    if not present:
        return
    if not overwrite:
        raise ConfigError(
            f"export folder {out_dir} is not empty; pass --overwrite to replace the export in "
            "it, or choose a new folder"
        )
    foreign = [name for name in present if not is_export_file(name)]
    if foreign:
        raise ConfigError(
            f"export folder {out_dir} holds files that are not from an export "
            f"({', '.join(foreign[:5])}); --overwrite only replaces an earlier export, "
            "so choose an empty folder"
        )


def publish(
    staging: Path, out_dir: Path, is_export_file: Callable[[str], bool] = is_dataset_file
) -> None:
    """Replace any earlier export in OUT with the staged files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in out_dir.iterdir():
        if is_export_file(path.name):
            path.unlink()
    for path in sorted(staging.iterdir()):
        path.replace(out_dir / path.name)
    staging.rmdir()


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def open_writers(stack: ExitStack, request: ExportRequest, folder: Path) -> dict[str, TableWriter]:
    writers = {}
    for table in request.tables():
        columns = table_columns(table, request.nested)
        path = folder / f"{table}.{request.file_format}"
        writer = open_writer(request.file_format, path, file_schema(columns, request.file_format))
        stack.callback(writer.close)
        writers[table] = writer
    return writers


def write_tables(
    session: Session, request: ExportRequest, folder: Path, summary: ExportSummary
) -> tuple[WrittenTable, ...]:
    """Stream the kept articles, in id order, into one writer per table."""
    filters = request.filters
    total = count_articles(session, filters)
    articles: Iterator[ArticleRow] = (
        article for batch in iter_article_batches(session, filters, BATCH_SIZE) for article in batch
    )
    with ExitStack() as stack:
        writers = open_writers(stack, request, folder)
        for chunk in chunks(progress(articles, total, "Exporting articles"), BATCH_SIZE):
            batch = read_batch(session, filters, chunk)
            if request.pseudonyms is not None:
                batch = request.pseudonyms.apply(batch)
            for table, writer in writers.items():
                writer.write(batch.table(table, request.nested))
            summary.add(batch)
    return tuple(written_table(name, writer, request) for name, writer in writers.items())


def written_table(name: str, writer: TableWriter, request: ExportRequest) -> WrittenTable:
    return WrittenTable(
        name=name,
        file_name=writer.path.name,
        columns=table_columns(name, request.nested),
        schema=writer.schema,
        num_rows=writer.num_rows,
        num_bytes=writer.num_bytes,
    )


def write_export(store: Store, request: ExportRequest, folder: Path) -> CardFacts:
    summary = ExportSummary()
    with store.session() as session:
        tables = write_tables(session, request, folder, summary)
        dedup = dedup_summary(session)
        provenance = export_provenance(session, request.filters)
    pseudonyms = request.pseudonyms
    facts = CardFacts(
        tool_version=tool_version(),
        schema_version=SCHEMA_VERSION,
        file_format=request.file_format,
        nested=request.nested,
        filters=request.filters.describe(),
        tables=tables,
        summary=summary.describe(),
        dedup=dedup,
        provenance=provenance,
        quality=stored_quality(),
        pseudonyms=pseudonyms.describe() if pseudonyms is not None else None,
    )
    (folder / CARD_FILE).write_text(render_card(facts), encoding="utf-8")
    (folder / LICENSE_FILE).write_text(license_text(), encoding="utf-8")
    manifest = build_manifest(facts, folder, {"pyarrow": pa.__version__})
    (folder / MANIFEST_FILE).write_text(manifest_text(manifest), encoding="utf-8")
    return facts


def export_dataset(store: Store, request: ExportRequest) -> ExportResult:
    """Write the export into `request.out_dir`; nothing there changes if it fails."""
    request.validate()
    out_dir = request.out_dir
    check_out_dir(out_dir, request.overwrite)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as exc:
        raise ConfigError(
            f"cannot write the export folder {out_dir}: {exc.strerror or exc}; "
            "choose a folder you can write to"
        ) from exc
    try:
        facts = write_export(store, request, staging)
        files = tuple(sorted(path.name for path in staging.iterdir()))
        publish(staging, out_dir)
        if request.pseudonyms is not None:
            request.pseudonyms.save_generated_key()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(out_dir, {t.name: t.num_rows for t in facts.tables}, files)
