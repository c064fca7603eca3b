"""Every export file loads, without options, in polars, pandas, DuckDB and Hugging Face
`datasets`, with each column's type right from the first row: the corpus here has 130
articles whose nullable columns (and list and nested fields) are empty in the first 120 rows,
more than polars' 100-row inference window, and filled after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import datasets
import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpus.cli import cli
from corpus.export.schema import csv_type, file_schema, table_columns
from corpus.export.writers import JsonlWriter
from corpus.models import Article, Claim, Comment, DuplicateCluster, DuplicateMember
from corpus.store import open_store

ARTICLES = 130
EMPTY_FIRST = 120
TABLES = ("articles", "claims", "comments")
FORMATS = ("jsonl", "csv", "parquet")
# the values only the late rows have, per table and column
LATE = {
    "articles": {"warc_offset": 4096, "exact_cluster_id": None, "published_confidence": 0.75},
    "claims": {"days_overdue": 90, "amount": 50000.0},
    "comments": {"position": 0},
}
NOW = datetime(2024, 5, 1, 8, tzinfo=UTC)


def make_article(number: int) -> Article:
    late = number >= EMPTY_FIRST
    text = f"第{number}篇：微粒贷逾期九十天后会上门催收吗？"
    article = Article(
        url=f"https://late.example/{number}.html",
        site="late.example",
        title=f"第{number}篇",
        text=text,
        text_sha256=sha256(text.encode()).hexdigest(),
        language="zh",
        relevance=0.9,
        extractor="trafilatura",
        extractor_version="extract-1",
        claim_rule_version="claims-2.0",
        first_seen_at=NOW,
        last_seen_at=NOW,
        tags=["催收"] if late else [],
        masked_gaps=[{"start": 0, "end": 1, "kind": "space", "context": "x"}] if late else [],
        masked_gap_count=1 if late else 0,
        published_at=NOW if late else None,
        published_confidence=0.75 if late else None,
        warc_file="late.warc.gz" if late else None,
        warc_offset=4096 if late else None,
    )
    sentence = text.split("：")[1]
    start = text.index(sentence)
    article.claims = [
        Claim(
            type="TIMING",
            subtype="days" if late else None,
            sentence=sentence,
            start=start,
            end=start + len(sentence),
            days_overdue=90 if late else None,
            amount=50000.0 if late else None,
            lender="微众银行" if late else None,
            conditions={"days_overdue": 90} if late else {},
            checks=[],
        )
    ]
    if late:
        article.comments = [Comment(position=0, author="网友", posted_at=NOW, text="真的吗")]
    return article


@pytest.fixture(scope="module")
def late_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("late") / "corpus.db"
    store = open_store(str(db))
    with store.session() as session:
        articles = [make_article(number) for number in range(ARTICLES)]
        session.add_all(articles)
        session.flush()
        last_two = articles[-2:]
        cluster = DuplicateCluster(
            method="exact",
            params={},
            representative_id=last_two[0].id,
            created_at=NOW,
            updated_at=NOW,
        )
        cluster.members = [
            DuplicateMember(method="exact", article_id=a.id, similarity=1.0) for a in last_two
        ]
        session.add(cluster)
    store.dispose()
    return db


@pytest.fixture(scope="module")
def exports(late_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("late-exports")
    found = {}
    for name, args in {
        **{fmt: ["--format", fmt] for fmt in FORMATS},
        "nested-jsonl": ["--format", "jsonl", "--nested"],
        "nested-parquet": ["--format", "parquet", "--nested"],
    }.items():
        out = root / name
        result = CliRunner().invoke(cli, ["export", "--db", str(late_corpus), str(out), *args])
        assert result.exit_code == 0, result.output
        found[name] = out
    return found


def integer_columns(table: str, fmt: str, parquet_folder: Path) -> list[str]:
    """The int64 columns of a table that hold a value in some row. A column null in every row
    has no type in JSONL or CSV (polars reads it as null or text); Parquet keeps its type."""
    truth = pq.read_table(parquet_folder / f"{table}.parquet")
    return [
        c.name
        for c in table_columns(table, False)
        if str(csv_type(c.type)) == "int64"
        and (fmt == "parquet" or truth.column(c.name).null_count < truth.num_rows)
    ]


def expected_count(table: str) -> int:
    return {"articles": ARTICLES, "claims": ARTICLES, "comments": ARTICLES - EMPTY_FIRST}[table]


@pytest.mark.parametrize("fmt", FORMATS)
def test_polars_reads_every_file_with_integer_columns_as_integers(
    exports: dict[str, Path], fmt: str
) -> None:
    readers = {"jsonl": pl.read_ndjson, "csv": pl.read_csv, "parquet": pl.read_parquet}
    for table in TABLES:
        frame = readers[fmt](exports[fmt] / f"{table}.{fmt}")
        assert frame.height == expected_count(table)
        for column in integer_columns(table, fmt, exports["parquet"]):
            assert frame.schema[column] == pl.Int64, (table, column)
        for column, value in LATE[table].items():
            if value is not None:
                assert value in frame[column].to_list(), (table, column)
        if table == "articles":
            assert frame.schema["published_confidence"] == pl.Float64
            assert frame.schema["is_representative"] == pl.Boolean
            if fmt != "csv":
                assert ["催收"] in frame["tags"].to_list()
                gaps = [g for gaps in frame["masked_gaps"].to_list() for g in gaps]
                assert {"start": 0, "end": 1, "kind": "space", "context": "x"} in gaps


@pytest.mark.parametrize("fmt", FORMATS)
def test_duckdb_reads_every_file_with_its_types_and_late_values(
    exports: dict[str, Path], fmt: str
) -> None:
    for table in TABLES:
        relation = duckdb.sql(f"SELECT * FROM '{exports[fmt] / f'{table}.{fmt}'}'")
        types = dict(zip(relation.columns, map(str, relation.types), strict=True))
        assert len(relation.fetchall()) == expected_count(table)
        for column in integer_columns(table, fmt, exports["parquet"]):
            assert types[column] == "BIGINT", (table, column, types[column])
    late = duckdb.sql(
        f"SELECT max(days_overdue), max(amount) FROM '{exports[fmt] / f'claims.{fmt}'}'"
    ).fetchall()[0]
    assert late == (90, 50000.0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_pandas_reads_every_file_with_numbers_as_numbers(
    exports: dict[str, Path], fmt: str
) -> None:
    readers: dict[str, Any] = {
        "jsonl": lambda path: pd.read_json(path, lines=True),
        "csv": pd.read_csv,
        "parquet": pd.read_parquet,
    }
    for table in TABLES:
        frame = readers[fmt](exports[fmt] / f"{table}.{fmt}")
        assert len(frame) == expected_count(table)
        # pandas holds a null integer as NaN in a float column unless told otherwise
        for column in integer_columns(table, fmt, exports["parquet"]):
            assert frame[column].dtype.kind in "iuf", (table, column)
    claims = readers[fmt](exports[fmt] / f"claims.{fmt}")
    assert claims["days_overdue"].max() == 90


@pytest.fixture
def hf_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    datasets.disable_progress_bars()
    return str(tmp_path / "hf-cache")


@pytest.mark.parametrize("fmt", FORMATS)
def test_datasets_reads_every_file_with_the_cards_types(
    exports: dict[str, Path], hf_cache: str, fmt: str
) -> None:
    for table in TABLES:
        loaded = datasets.load_dataset(str(exports[fmt]), table, split="train", cache_dir=hf_cache)
        assert loaded.num_rows == expected_count(table)
        for column in integer_columns(table, fmt, exports["parquet"]):
            assert loaded.features[column] == datasets.Value("int64"), (table, column)
        plain = datasets.load_dataset(
            {"csv": "csv", "jsonl": "json", "parquet": "parquet"}[fmt],
            data_files=str(exports[fmt] / f"{table}.{fmt}"),
            split="train",
            cache_dir=hf_cache,
        )
        assert plain.num_rows == expected_count(table)
    claims = datasets.load_dataset(str(exports[fmt]), "claims", split="train", cache_dir=hf_cache)
    assert max(day for day in claims["days_overdue"] if day is not None) == 90


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_nested_files_load_in_all_four(exports: dict[str, Path], hf_cache: str, fmt: str) -> None:
    folder = exports[f"nested-{fmt}"]
    path = folder / f"articles.{fmt}"
    frame = pl.read_ndjson(path) if fmt == "jsonl" else pl.read_parquet(path)
    days = [c["days_overdue"] for claims in frame["claims"].to_list() for c in claims]
    assert 90 in days
    claim_fields = dict(frame.schema["claims"].inner)  # type: ignore[attr-defined]
    assert claim_fields["days_overdue"] == pl.Int64
    assert duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall()[0] == (ARTICLES,)
    reader = pd.read_json(path, lines=True) if fmt == "jsonl" else pd.read_parquet(path)
    assert len(reader) == ARTICLES
    loaded = datasets.load_dataset(str(folder), split="train", cache_dir=hf_cache)
    assert loaded.num_rows == ARTICLES


def test_text_files_start_with_the_rows_that_show_each_type(exports: dict[str, Path]) -> None:
    """The witness rows come first (at most one per column), then the rest in id order."""
    lines = (exports["jsonl"] / "claims.jsonl").read_text("utf-8").splitlines()
    ids = [json.loads(line)["claim_id"] for line in lines]
    first_late = sorted(ids)[EMPTY_FIRST]
    assert ids[:2] == [min(ids), first_late]
    assert ids[2:] == sorted(set(ids) - {min(ids), first_late})


def test_jsonl_writer_puts_a_late_value_first_beyond_duckdbs_sample(tmp_path: Path) -> None:
    """DuckDB infers from 20480 rows and, without the witness first, drops later values."""
    columns = table_columns("claims", False)
    schema_names = [c.name for c in columns]
    writer = JsonlWriter(tmp_path / "claims.jsonl", file_schema(columns, "jsonl"))
    rows = []
    for number in range(21_000):
        row: dict[str, Any] = dict.fromkeys(schema_names)
        row.update(
            claim_id=number,
            article_id=number,
            type="TIMING",
            polarity="positive",
            severe=False,
            conditions="{}",
            sentence="s",
            char_start=0,
            char_end=1,
            rule_version="v",
            checks="[]",
            days_overdue=30 if number == 20_999 else None,
        )
        rows.append(row)
    writer.write(rows)
    writer.close()
    found = duckdb.sql(f"SELECT max(days_overdue) FROM '{tmp_path / 'claims.jsonl'}'").fetchall()[0]
    assert found == (30,)
    assert pl.read_ndjson(tmp_path / "claims.jsonl")["days_overdue"].max() == 30
    assert not list(tmp_path.glob(".*")), "the side file is removed"
