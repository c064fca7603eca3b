"""The dataset card (README.md with a Hugging Face YAML header) and manifest.json of an export."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from corpus.export.card_sections import (
    annotation_section,
    citation_section,
    contact_section,
    limitations_section,
    personal_section,
    rationale_section,
    source_section,
    summary_section,
)
from corpus.export.schema import Column, hf_features

PRETTY_NAME = "debtcorpus: Chinese web articles about debt collection (催收)"
CARD_FILE = "README.md"
MANIFEST_FILE = "manifest.json"
LICENSE_FILE = "LICENSE.md"
ID_SCHEME = (
    "article_id, claim_id and comment_id are the row ids of the corpus database "
    "(articles.id, claims.id, comments.id). An article keeps its id for as long as the "
    "database lives (one row per canonical URL, updated in place by re-crawls), so re-exports "
    "of the same database join; claim and comment ids change when `debtcorpus reprocess` "
    "re-extracts an article. Across databases, join on `url`."
)
COPYRIGHT_NOTE = (
    "The texts and comments are third-party web content: their copyright stays with their "
    "authors and publishers, and no licence to redistribute them is granted here. This export "
    "is made for non-commercial research (text and data mining, analysis of what is said "
    "about debt collection). Check the law that applies to you before sharing or publishing "
    "it, quote only what your analysis needs, and remove an article on its owner's request. "
    "The structure, ids, claims and other annotations are machine-generated and may be wrong."
)


@dataclass(frozen=True)
class WrittenTable:
    """One exported table as written: its file, schema and size."""

    name: str
    file_name: str
    columns: tuple[Column, ...]
    schema: pa.Schema
    num_rows: int
    num_bytes: int


@dataclass(frozen=True)
class CardFacts:
    """Everything the card and manifest say, apart from file hashes."""

    tool_version: str
    schema_version: int
    file_format: str
    nested: bool
    filters: dict[str, Any]
    tables: tuple[WrittenTable, ...]
    summary: dict[str, Any]
    dedup: dict[str, Any] | str
    # corpus.export.provenance: runs, sites and filter counts from the run records
    provenance: dict[str, Any]
    # corpus.export.quality: the stored eval figures
    quality: dict[str, Any]
    # corpus.export.pseudonyms: which columns hold keyed hashes, and how; None: names as printed
    pseudonyms: dict[str, Any] | None = None


SIZE_CATEGORIES: tuple[tuple[int, str], ...] = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
)


def size_category(num_rows: int) -> str:
    """The Hugging Face `size_categories` label for a row count."""
    return next((label for limit, label in SIZE_CATEGORIES if num_rows < limit), "n>10M")


def languages(facts: CardFacts) -> list[str]:
    """The exported articles' languages (zh when none is known)."""
    found = sorted(code for code in facts.summary["languages"] if not code.startswith("("))
    return found or ["zh"]


def card_header(facts: CardFacts) -> dict[str, Any]:
    articles = next(t for t in facts.tables if t.name == "articles")
    codes = languages(facts)
    return {
        "pretty_name": PRETTY_NAME,
        "license": "other",
        "license_name": "third-party-web-content",
        "license_link": LICENSE_FILE,
        "annotations_creators": ["machine-generated"],
        "language_creators": ["found"],
        "source_datasets": ["original"],
        "multilinguality": ["monolingual" if len(codes) == 1 else "multilingual"],
        "language": codes,
        "task_categories": ["text-classification"],
        "task_ids": ["multi-class-classification", "topic-classification", "fact-checking"],
        "tags": ["debt-collection", "consumer-finance", "web-crawl", "chinese"],
        "size_categories": [size_category(articles.num_rows)],
        "configs": [config_entry(table) for table in facts.tables],
        "dataset_info": [dataset_info_entry(table) for table in facts.tables],
    }


def config_entry(table: WrittenTable) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "config_name": table.name,
        "data_files": [{"split": "train", "path": table.file_name}],
    }
    if table.name == "articles":
        entry["default"] = True
    return entry


def dataset_info_entry(table: WrittenTable) -> dict[str, Any]:
    return {
        "config_name": table.name,
        "features": hf_features(table.schema),
        "splits": [{"name": "train", "num_bytes": table.num_bytes, "num_examples": table.num_rows}],
        "dataset_size": table.num_bytes,
    }


def render_card(facts: CardFacts) -> str:
    header = yaml.safe_dump(card_header(facts), sort_keys=False, allow_unicode=True, width=100)
    sections = (
        intro_section(facts),
        summary_section(facts),
        files_section(facts),
        loading_section(facts),
        *(columns_section(table, facts.file_format) for table in facts.tables),
        rationale_section(facts),
        source_section(facts),
        annotation_section(facts),
        personal_section(facts),
        limitations_section(facts),
        provenance_section(facts),
        f"## Copyright and use\n\n{COPYRIGHT_NOTE} The same text is in `{LICENSE_FILE}`.\n",
        citation_section(facts),
        contact_section(facts),
    )
    return f"---\n{header}---\n\n" + "\n".join(sections)


def intro_section(facts: CardFacts) -> str:
    summary = facts.summary
    crawl = summary["crawl_date_range"]
    crawled = f"{crawl['first_seen_at_min'] or 'n/a'} to {crawl['last_seen_at_max'] or 'n/a'}"
    sites = ", ".join(summary["sites"]) or "none"
    return (
        f"# {PRETTY_NAME}\n\n"
        "Articles from Chinese web sites (content farms, law-firm blogs, portals) about debt "
        "collection, with the claims they make about collection practice and their comments, "
        f"exported by debtcorpus {facts.tool_version} (schema {facts.schema_version}).\n\n"
        f"- Data as of: {summary['as_of'] or 'n/a'} (last fetch of any exported article)\n"
        f"- Crawled: {crawled}\n"
        f"- Sites: {sites}\n"
        f"- Ids: {ID_SCHEME}\n"
    )


def files_section(facts: CardFacts) -> str:
    lines = ["## Files", "", "| config | file | rows |", "|---|---|---|"]
    lines += [f"| {t.name} | `{t.file_name}` | {t.num_rows} |" for t in facts.tables]
    lines += ["", f"`{MANIFEST_FILE}` holds the filters, versions and SHA-256 of every file."]
    return "\n".join(lines) + "\n"


def loading_section(facts: CardFacts) -> str:
    articles = facts.tables[0].file_name
    pandas_reader = {
        "jsonl": f'pd.read_json("{articles}", lines=True)',
        "csv": f'pd.read_csv("{articles}")',
        "parquet": f'pd.read_parquet("{articles}")',
    }[facts.file_format]
    return (
        "## Loading\n\n```python\n"
        f"import pandas as pd\narticles = {pandas_reader}\n\n"
        f"import duckdb\nduckdb.sql(\"SELECT count(*) FROM '{articles}'\")\n\n"
        "from datasets import load_dataset\n"
        'articles = load_dataset("path/to/this/folder", "articles", split="train")\n'
        "```\n"
    )


def columns_section(table: WrittenTable, file_format: str) -> str:
    lines = [f"## Table `{table.name}`", "", "| column | type | description |", "|---|---|---|"]
    for column, field in zip(table.columns, table.schema, strict=True):
        lines.append(f"| `{column.name}` | `{field.type}` | {column.description} |")
    if file_format == "csv":
        lines += ["", "In CSV, list and struct columns are JSON text; an empty cell is null."]
    return "\n".join(lines) + "\n"


def provenance_section(facts: CardFacts) -> str:
    def as_json(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    summary = facts.summary
    return (
        "## How it was made\n\n"
        f"- Filters: `{as_json(facts.filters)}`\n"
        f"- Deduplication: `{as_json(facts.dedup)}`\n"
        f"- Extractor versions: `{as_json(summary['extractor_versions'])}`\n"
        f"- Claim rule versions: `{as_json(summary['claim_rule_versions'])}`\n"
        f"- {warc_provenance_line(summary['warc_provenance'])}\n"
    )


def warc_provenance_line(provenance: dict[str, Any]) -> str:
    """Where articles built from web archives came from (columns warc_file, warc_offset)."""
    count = provenance["articles_from_warc"]
    if not count:
        return "Web archives: none (every article was crawled by debtcorpus)"
    files = ", ".join(f"`{name}` ({n})" for name, n in provenance["warc_files"].items())
    return (
        f"Web archives: {count} articles were read from WARC/ARC files with `debtcorpus "
        f"ingest-warc` (columns `warc_file`, `warc_offset` give the record): {files}"
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_manifest(facts: CardFacts, folder: Path, libraries: dict[str, str]) -> dict[str, Any]:
    """The manifest; hashes every file in `folder` (all written before it)."""
    files = sorted(path for path in folder.iterdir() if path.name != MANIFEST_FILE)
    return {
        "tool": "debtcorpus",
        "tool_version": facts.tool_version,
        "libraries": libraries,
        "schema_version": facts.schema_version,
        "format": facts.file_format,
        "nested": facts.nested,
        "ids": ID_SCHEME,
        "filters": facts.filters,
        "row_counts": {t.name: t.num_rows for t in facts.tables},
        "tables": {t.name: t.file_name for t in facts.tables},
        **facts.summary,
        "dedup": facts.dedup,
        "provenance": facts.provenance,
        "pseudonymised": facts.pseudonyms,
        "files": {
            path.name: {"sha256": sha256_of(path), "bytes": path.stat().st_size} for path in files
        },
    }


def license_text() -> str:
    return f"# Copyright and use\n\n{COPYRIGHT_NOTE}\n"


def manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
