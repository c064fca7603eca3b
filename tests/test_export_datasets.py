"""`debtcorpus export` in Hugging Face `datasets`, offline: from the files and from the
folder's card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pytest

from tests.test_export import TABLES, export_corpus, exported
from tests.test_export_corpus import (
    FORMATS,
    ExportCorpus,
    export_ok,
    read_card_header,
    read_manifest,
)

__all__ = ["export_corpus", "exported"]  # fixtures shared with tests/test_export.py


@pytest.fixture
def hf_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No network, and a cache of the test's own; returns the cache folder."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
    datasets.disable_progress_bars()
    return tmp_path / "hf-cache"


def card_features(folder: Path, table: str) -> Any:
    info = next(i for i in read_card_header(folder)["dataset_info"] if i["config_name"] == table)
    return datasets.Features._from_yaml_list(info["features"])


def test_load_dataset_json_data_files(exported: dict[str, Path], hf_offline: Path) -> None:
    folder = exported["jsonl"]
    articles = datasets.load_dataset(
        "json",
        data_files={"train": str(folder / "articles.jsonl")},
        split="train",
        cache_dir=str(hf_offline),
    )
    assert articles.num_rows == 6
    assert articles[0]["tags"] == ["微粒贷", "催收", "逾期"]
    claims = datasets.load_dataset(
        "json",
        data_files=str(folder / "claims.jsonl"),
        split="train",
        features=card_features(folder, "claims"),
        cache_dir=str(hf_offline),
    )
    assert claims.num_rows == 6 and claims.features == card_features(folder, "claims")


def test_load_dataset_parquet_data_files(exported: dict[str, Path], hf_offline: Path) -> None:
    articles = datasets.load_dataset(
        "parquet",
        data_files=str(exported["parquet"] / "articles.parquet"),
        split="train",
        cache_dir=str(hf_offline),
    )
    assert articles.num_rows == 6
    assert articles.features["published_at"] == datasets.Value("timestamp[us, tz=UTC]")
    assert articles.features["tags"] == datasets.List(datasets.Value("string"))
    assert articles[0]["published_at"].isoformat() == "2024-02-10T02:00:00+00:00"


@pytest.mark.parametrize("fmt", FORMATS)
def test_load_dataset_from_the_folder_uses_the_card(
    exported: dict[str, Path], hf_offline: Path, fmt: str
) -> None:
    folder = exported[fmt]
    counts = read_manifest(folder)["row_counts"]
    default = datasets.load_dataset(str(folder), split="train", cache_dir=str(hf_offline))
    assert default.num_rows == counts["articles"] and "title" in default.column_names
    for table in TABLES:
        loaded = datasets.load_dataset(str(folder), table, split="train", cache_dir=str(hf_offline))
        assert loaded.num_rows == counts[table]
        assert loaded.features == card_features(folder, table)
        assert loaded.info.splits["train"].num_examples == counts[table]


def test_load_dataset_reads_nested_parquet(
    export_corpus: ExportCorpus, tmp_path: Path, hf_offline: Path
) -> None:
    out = export_ok(export_corpus, tmp_path / "nested", "--format", "parquet", "--nested")
    articles = datasets.load_dataset(str(out), split="train", cache_dir=str(hf_offline))
    claim_types = [[claim["type"] for claim in claims] for claims in articles["claims"]]
    assert sum(len(types) for types in claim_types) == 6
    arrow_claims = articles.data.schema.field("claims").type
    assert pa.types.is_list(arrow_claims) and pa.types.is_struct(arrow_claims.value_type)
