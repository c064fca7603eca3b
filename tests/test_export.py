"""`debtcorpus export`: formats; loading in pandas, DuckDB and Hugging Face `datasets`; card,
manifest, determinism, filters and errors."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import datasets
import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import corpus.export.dataset
from corpus.cli import cli
from tests.test_export_corpus import (
    FORMATS,
    LAWFIRM_TEXT,
    MASKED_TEXT,
    WEILIDAI_TEXT,
    ExportCorpus,
    build_export_corpus,
    export_ok,
    read_card_header,
    read_manifest,
    read_table,
    run_export,
)

TABLES = ("articles", "claims", "comments")


@pytest.fixture(scope="session")
def export_corpus(tmp_path_factory: pytest.TempPathFactory) -> ExportCorpus:
    return build_export_corpus(tmp_path_factory.mktemp("export-corpus"))


@pytest.fixture(scope="session")
def exported(
    export_corpus: ExportCorpus, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """One unfiltered export per format, shared by the read-only tests."""
    root = tmp_path_factory.mktemp("exports")
    return {fmt: export_ok(export_corpus, root / fmt, "--format", fmt) for fmt in FORMATS}


def ids(corpus: ExportCorpus, *keys: str) -> list[int]:
    return sorted(corpus.article_ids[key] for key in keys)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tables_load_in_pandas_with_text_and_offsets_intact(
    exported: dict[str, Path], export_corpus: ExportCorpus, fmt: str
) -> None:
    folder = exported[fmt]
    articles, claims, comments = (read_table(folder, table) for table in TABLES)
    assert list(articles["article_id"]) == sorted(export_corpus.article_ids.values())
    assert read_manifest(folder)["row_counts"] == {"articles": 6, "claims": 6, "comments": 3}
    assert (len(articles), len(claims), len(comments)) == (6, 6, 3)
    texts = dict(zip(articles["article_id"], articles["text"], strict=True))
    assert texts[export_corpus.article_ids["weilidai"]] == WEILIDAI_TEXT
    assert texts[export_corpus.article_ids["masked"]] == MASKED_TEXT
    for claim in claims.itertuples():
        assert texts[claim.article_id][claim.char_start : claim.char_end] == claim.sentence
    assert list(claims["claim_id"]) == sorted(claims["claim_id"])
    assert set(comments["article_id"]) <= set(articles["article_id"])
    lawyer = comments[comments["role"] == "律师"]
    assert set(lawyer["author"]) == {"张律师", "李律师"}


def test_jsonl_keeps_lists_and_utc_times(exported: dict[str, Path]) -> None:
    articles = read_table(exported["jsonl"], "articles")
    first = articles.iloc[0]
    assert first["tags"] == ["微粒贷", "催收", "逾期"]
    assert str(pd.Timestamp(first["published_at"])) == "2024-02-10 02:00:00+00:00"
    masked = articles[articles["masked_gap_count"] == 2].iloc[0]
    assert [gap["kind"] for gap in masked["masked_gaps"]] == ["space", "missing"]
    assert MASKED_TEXT[masked["masked_gaps"][0]["start"]] == " "


def test_articles_carry_their_duplicate_clusters(
    exported: dict[str, Path], export_corpus: ExportCorpus
) -> None:
    articles = read_table(exported["parquet"], "articles").set_index("article_id")
    by_key = {key: articles.loc[id_] for key, id_ in export_corpus.article_ids.items()}
    assert by_key["weilidai"]["exact_cluster_id"] == by_key["copy"]["exact_cluster_id"]
    assert by_key["lawfirm"]["near_cluster_id"] == by_key["spun"]["near_cluster_id"]
    assert pd.isna(by_key["short"]["exact_cluster_id"]) and pd.isna(
        by_key["short"]["near_cluster_id"]
    )
    representatives = {key for key, row in by_key.items() if row["is_representative"]}
    assert representatives == {"weilidai", "lawfirm", "short", "masked"}


def test_csv_writes_lists_as_json_text(exported: dict[str, Path]) -> None:
    articles = read_table(exported["csv"], "articles")
    assert json.loads(articles.iloc[0]["tags"]) == ["微粒贷", "催收", "逾期"]
    assert articles["is_representative"].dtype == bool
    lawfirm = articles[articles["text"] == LAWFIRM_TEXT]
    assert len(lawfirm) == 1, "quotes, commas and newlines survive CSV"


def test_parquet_has_proper_types_and_no_pandas_metadata(exported: dict[str, Path]) -> None:
    schema = pq.read_schema(exported["parquet"] / "articles.parquet")
    assert schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("tags").type == pa.list_(pa.string())
    assert pa.types.is_struct(schema.field("masked_gaps").type.value_type)
    assert b"pandas" not in (schema.metadata or {})
    frame = pd.read_parquet(exported["parquet"] / "articles.parquet")
    assert str(frame["published_at"].dtype) == "datetime64[us, UTC]"
    assert list(frame.iloc[0]["tags"]) == ["微粒贷", "催收", "逾期"]


def duckdb_reader(path: Path) -> str:
    readers = {".jsonl": "read_json_auto", ".csv": "read_csv_auto", ".parquet": "read_parquet"}
    return f"{readers[path.suffix]}('{path}')"


@pytest.mark.parametrize("fmt", FORMATS)
def test_tables_join_in_duckdb(exported: dict[str, Path], fmt: str) -> None:
    connection = duckdb.connect()
    for table in TABLES:
        path = exported[fmt] / f"{table}.{fmt}"
        connection.execute(f"CREATE VIEW {table} AS SELECT * FROM {duckdb_reader(path)}")
    claims_per_site = connection.execute(
        "SELECT a.site, count(*) FROM claims c JOIN articles a USING (article_id) "
        "GROUP BY a.site ORDER BY a.site"
    ).fetchall()
    assert claims_per_site == [("a.example", 3), ("lawfirm.example", 3)]
    comments = connection.execute(
        "SELECT count(*) FROM comments JOIN articles USING (article_id) WHERE site = 'a.example'"
    ).fetchone()
    assert comments == (2,)
    kind = connection.execute("SELECT typeof(published_at) FROM articles LIMIT 1").fetchone()
    assert kind is not None and kind[0] in {"TIMESTAMP WITH TIME ZONE", "TIMESTAMP"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_card_header_matches_the_files(exported: dict[str, Path], fmt: str) -> None:
    folder = exported[fmt]
    header = read_card_header(folder)
    assert header["language"] == ["en", "zh"]  # the corpus has one English article
    assert header["multilinguality"] == ["multilingual"]
    assert header["license"] == "other" and header["pretty_name"].startswith("debtcorpus")
    assert header["task_categories"] and header["size_categories"] == ["n<1K"]
    configs = {config["config_name"]: config for config in header["configs"]}
    assert set(configs) == set(TABLES) and configs["articles"]["default"] is True
    for info in header["dataset_info"]:
        table = info["config_name"]
        data_file = folder / configs[table]["data_files"][0]["path"]
        frame = read_table(folder, table)
        assert data_file.exists()
        assert [feature["name"] for feature in info["features"]] == list(frame.columns)
        assert info["splits"] == [
            {"name": "train", "num_bytes": info["dataset_size"], "num_examples": len(frame)}
        ]
    body = (folder / "README.md").read_text("utf-8")
    assert "Copyright and use" in body and "third-party web content" in body


def test_card_features_are_the_parquet_schema(exported: dict[str, Path]) -> None:
    header = read_card_header(exported["parquet"])
    for info in header["dataset_info"]:
        schema = pq.read_schema(exported["parquet"] / f"{info['config_name']}.parquet")
        features = datasets.Features._from_yaml_list(info["features"])
        assert features == datasets.Features.from_arrow_schema(schema)


@pytest.mark.parametrize("fmt", FORMATS)
def test_manifest_hashes_every_file_and_describes_the_export(
    exported: dict[str, Path], fmt: str
) -> None:
    folder = exported[fmt]
    manifest = read_manifest(folder)
    on_disk = {path.name for path in folder.iterdir()} - {"manifest.json"}
    assert (
        set(manifest["files"])
        == on_disk
        == {
            "README.md",
            "LICENSE.md",
            *(f"{t}.{fmt}" for t in TABLES),
        }
    )
    for name, facts in manifest["files"].items():
        content = (folder / name).read_bytes()
        assert facts == {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
    assert manifest["tool_version"] == "0.1.0" and manifest["schema_version"] == 1
    assert manifest["format"] == fmt and manifest["filters"]["site"] == []
    assert manifest["sites"] == {"a.example": 3, "lawfirm.example": 2, "spin.example": 1}
    assert manifest["crawl_date_range"] == {
        "first_seen_at_min": "2024-03-01T08:00:00+00:00",
        "last_seen_at_max": "2024-04-02T11:00:00+00:00",
    }
    assert manifest["extractor_versions"] == {"extract-1": 5, "extract-2": 1}
    assert manifest["claim_rule_versions"]["claims"] == {"claims-1": 5, "claims-2": 1}
    assert manifest["dedup"]["minhash"]["params"] == [{"num_perm": 120, "threshold": 0.45}]
    assert manifest["dedup"]["exact"]["clusters"] == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_repeated_export_is_byte_identical(
    export_corpus: ExportCorpus, exported: dict[str, Path], fmt: str, tmp_path: Path
) -> None:
    again = export_ok(export_corpus, tmp_path / "again", "--format", fmt)
    replaced = tmp_path / "replaced"
    shutil.copytree(exported[fmt], replaced)
    export_ok(export_corpus, replaced, "--format", fmt, "--overwrite")
    for path in exported[fmt].iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
        assert (replaced / path.name).read_bytes() == path.read_bytes(), path.name


def test_small_batches_write_the_same_rows(
    export_corpus: ExportCorpus, exported: dict[str, Path], tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(corpus.export.dataset, "BATCH_SIZE", 2)
    out = export_ok(export_corpus, tmp_path / "batched", "--format", "jsonl")
    for table in TABLES:
        name = f"{table}.jsonl"
        assert (out / name).read_bytes() == (exported["jsonl"] / name).read_bytes()


def test_export_draws_progress_over_the_articles(
    export_corpus: ExportCorpus, tmp_path: Path, monkeypatch: Any
) -> None:
    calls: list[tuple[int | None, str, int]] = []
    real_progress = corpus.export.dataset.progress

    def recording(items: Iterable[Any], total: int | None, description: str) -> Iterator[Any]:
        seen = 0
        for item in real_progress(items, total, description):
            seen += 1
            yield item
        calls.append((total, description, seen))

    monkeypatch.setattr(corpus.export.dataset, "progress", recording)
    export_ok(export_corpus, tmp_path / "out", "--site", "a.example")
    assert calls == [(3, "Exporting articles", 3)]


FILTER_CASES: list[tuple[list[str], tuple[str, ...]]] = [
    (["--site", "a.example"], ("weilidai", "copy", "short")),
    (["--site", "spin.example", "--site", "a.example"], ("weilidai", "copy", "short", "spun")),
    (["--published-from", "2024-03-01"], ("lawfirm", "spun")),
    (["--published-to", "2024-02-10"], ("weilidai", "masked")),
    (
        ["--published-from", "2024-01-01T00:00:00+08:00", "--published-to", "2024-02-29"],
        ("weilidai", "masked"),
    ),
    (["--published-from", "2024-01-01"], ("weilidai", "lawfirm", "spun")),
    (["--crawled-from", "2024-04-01"], ("lawfirm", "copy", "spun")),
    (["--crawled-to", "2024-03-31"], ("weilidai", "short", "masked")),
    (["--lender", "微粒贷"], ("weilidai", "copy")),
    (["--claim-type", "criminal"], ("weilidai", "lawfirm")),
    (["--lender", "信用卡", "--claim-type", "home_visit"], ("lawfirm",)),
    (["--language", "en"], ("short",)),
    (["--representatives-only"], ("weilidai", "lawfirm", "short", "masked")),
    (["--min-length", "50"], ("weilidai", "lawfirm", "copy", "spun", "masked")),
    (["--site", "lawfirm.example", "--min-length", "100"], ("lawfirm",)),
]


@pytest.mark.parametrize(("args", "expected"), FILTER_CASES)
def test_each_filter_filters(
    export_corpus: ExportCorpus, tmp_path: Path, args: list[str], expected: tuple[str, ...]
) -> None:
    out = export_ok(export_corpus, tmp_path / "out", "--format", "jsonl", *args)
    articles = read_table(out, "articles")
    assert list(articles["article_id"]) == ids(export_corpus, *expected)
    claims, comments = read_table(out, "claims"), read_table(out, "comments")
    assert set(claims.get("article_id", [])) <= set(articles["article_id"])
    assert set(comments.get("article_id", [])) <= set(articles["article_id"])


def test_claim_filters_keep_only_matching_claims(
    export_corpus: ExportCorpus, tmp_path: Path
) -> None:
    out = export_ok(
        export_corpus, tmp_path / "out", "--format", "parquet", "--claim-type", "criminal"
    )
    claims = read_table(out, "claims")
    assert list(claims["type"]) == ["criminal", "criminal"]
    assert read_manifest(out)["filters"]["claim_type"] == ["criminal"]
    assert read_manifest(out)["row_counts"] == {"articles": 2, "claims": 2, "comments": 3}


def test_filters_are_recorded_exactly(export_corpus: ExportCorpus, tmp_path: Path) -> None:
    out = export_ok(
        export_corpus,
        tmp_path / "out",
        *("--site", "spin.example", "--site", "a.example"),
        *("--published-from", "2024-01-01T00:00:00+08:00", "--crawled-to", "2024-03-31"),
    )
    filters = read_manifest(out)["filters"]
    assert filters["site"] == ["a.example", "spin.example"]
    assert filters["published_at"] == {
        "from_inclusive": "2023-12-31T16:00:00+00:00",
        "to_exclusive": None,
    }
    assert filters["first_seen_at"]["to_exclusive"] == "2024-04-01T00:00:00+00:00"


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_nested_export_puts_claims_and_comments_inside_articles(
    export_corpus: ExportCorpus, tmp_path: Path, fmt: str
) -> None:
    out = export_ok(export_corpus, tmp_path / "out", "--format", fmt, "--nested")
    assert sorted(path.name for path in out.iterdir()) == [
        "LICENSE.md",
        "README.md",
        f"articles.{fmt}",
        "manifest.json",
    ]
    articles = read_table(out, "articles")
    weilidai = articles[articles["article_id"] == export_corpus.article_ids["weilidai"]].iloc[0]
    assert [claim["type"] for claim in weilidai["claims"]] == ["home_visit", "criminal"]
    assert [comment["position"] for comment in weilidai["comments"]] == [0, 1]
    assert sum(len(claims) for claims in articles["claims"]) == 6
    header = read_card_header(out)
    assert [config["config_name"] for config in header["configs"]] == ["articles"]


def test_export_matching_nothing_writes_empty_tables_and_warns(
    export_corpus: ExportCorpus, tmp_path: Path
) -> None:
    result = run_export(export_corpus, tmp_path / "out", "--published-from", "2099-01-01")
    assert result.exit_code == 0 and "no article matched the filters" in result.output
    assert read_manifest(tmp_path / "out")["row_counts"] == {
        "articles": 0,
        "claims": 0,
        "comments": 0,
    }
    assert pq.read_table(tmp_path / "out" / "claims.parquet").num_rows == 0


def test_non_empty_out_needs_overwrite(export_corpus: ExportCorpus, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "articles.jsonl").write_text("old\n")
    result = run_export(export_corpus, out, "--format", "jsonl")
    assert result.exit_code == 2
    assert "not empty" in result.output and "--overwrite" in result.output
    assert (out / "articles.jsonl").read_text() == "old\n"


def test_overwrite_refuses_a_folder_holding_other_files(
    export_corpus: ExportCorpus, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("mine")
    result = run_export(export_corpus, out, "--overwrite")
    assert result.exit_code == 2 and "thesis.tex" in result.output
    assert sorted(path.name for path in out.iterdir()) == ["thesis.tex"]


def test_overwrite_removes_files_of_an_earlier_format(
    export_corpus: ExportCorpus, exported: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(exported["csv"], out)
    export_ok(export_corpus, out, "--format", "parquet", "--overwrite")
    assert not list(out.glob("*.csv"))
    assert set(read_manifest(out)["files"]) == {p.name for p in out.iterdir()} - {"manifest.json"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--published-from", "2024-13-01"], "Invalid value for '--published-from'"),
        (["--crawled-to", "yesterday"], "Invalid value for '--crawled-to'"),
        (["--published-to", "2024/03/01"], "expected YYYY-MM-DD"),
        (["--published-from", "2024-03-02", "--published-to", "2024-03-01"], "is after"),
        (["--format", "xml"], "'xml' is not one of 'jsonl', 'csv', 'parquet'"),
        (["--format", "csv", "--nested"], "--nested needs --format jsonl or parquet"),
        (["--min-length", "-1"], "Invalid value for '--min-length'"),
    ],
)
def test_bad_options_give_clear_errors(
    export_corpus: ExportCorpus, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_export(export_corpus, tmp_path / "out", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_missing_database_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(cli, ["export", "--db", str(missing), str(tmp_path / "out")])
    assert result.exit_code == 2 and "there is no corpus at" in result.output
    assert not missing.exists() and not (tmp_path / "out").exists()


def test_out_that_is_a_file_is_refused(export_corpus: ExportCorpus, tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    out.write_text("x")
    result = run_export(export_corpus, out)
    assert result.exit_code != 0 and "out.parquet" in result.output


def test_failed_export_leaves_nothing_behind(
    export_corpus: ExportCorpus, tmp_path: Path, monkeypatch: Any
) -> None:
    def broken_card(*_args: Any) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(corpus.export.dataset, "render_card", broken_card)
    result = run_export(export_corpus, tmp_path / "out")
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert list(tmp_path.iterdir()) == []
