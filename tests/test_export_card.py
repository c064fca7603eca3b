"""The dataset card: its YAML header read by huggingface_hub and `datasets` and checked against
the Hub's vocabularies; its sections; its figures (the stored eval results, checked against the
gold sets here); its column descriptions checked against the code that writes the columns; and,
on a real crawl of the sample site, its source data from the run records."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData
from sqlalchemy import func, select

from cleaning.claims import extract_claims
from cleaning.claims.checks import SOURCE_KINDS, Rule
from cleaning.claims.fields import SEVERE
from cleaning.claims.lexicon import modality_lexicon
from corpus.export.quality import build_quality, stored_quality
from corpus.export.schema import CLAIM_COLUMNS
from corpus.models import CrawlRun, SkippedUrlRow
from corpus.store import open_store
from tests.test_export_corpus import ExportCorpus, build_export_corpus, export_ok

REPO = Path(__file__).resolve().parents[1]
# The Hub's vocabularies (huggingface.js packages/tasks/src/pipelines.ts: text-classification
# subtasks; the dataset card metadata spec for the creators, multilinguality and sizes).
TEXT_CLASSIFICATION_TASK_IDS = {
    "acceptability-classification",
    "entity-linking-classification",
    "fact-checking",
    "intent-classification",
    "language-identification",
    "multi-class-classification",
    "multi-label-classification",
    "multi-input-text-classification",
    "natural-language-inference",
    "semantic-similarity-classification",
    "sentiment-classification",
    "topic-classification",
    "semantic-similarity-scoring",
    "sentiment-scoring",
    "sentiment-analysis",
    "hate-speech-detection",
    "text-scoring",
}
CREATORS = {
    "crowdsourced",
    "expert-generated",
    "found",
    "machine-generated",
    "no-annotation",
    "other",
}
MULTILINGUALITY = {"monolingual", "multilingual", "translation", "other"}
SIZES = {"n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "n>10M"}
SECTIONS = (
    "## Dataset summary",
    "## Curation rationale",
    "## Source data",
    "## Annotation process",
    "## Personal and sensitive information",
    "## Bias, risks and limitations",
    "## Copyright and use",
    "## Citation",
    "## Contact",
)


@pytest.fixture(scope="module")
def export_corpus(tmp_path_factory: pytest.TempPathFactory) -> ExportCorpus:
    return build_export_corpus(tmp_path_factory.mktemp("card-corpus"))


@pytest.fixture(scope="module")
def card_folder(export_corpus: ExportCorpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_ok(export_corpus, tmp_path_factory.mktemp("card") / "out", "--format", "jsonl")


def card_text(folder: Path) -> str:
    return (folder / "README.md").read_text("utf-8")


def header_of(folder: Path) -> dict[str, Any]:
    header: dict[str, Any] = yaml.safe_load(card_text(folder).split("---\n")[1])
    return header


def test_huggingface_hub_and_datasets_read_the_header(card_folder: Path) -> None:
    card = DatasetCard(card_text(card_folder))
    data = card.data
    assert isinstance(data, DatasetCardData)
    assert data.license == "other" and data.license_name == "third-party-web-content"
    assert data.annotations_creators == ["machine-generated"]
    assert data.language_creators == ["found"]
    assert data.source_datasets == ["original"]
    assert data.pretty_name.startswith("debtcorpus")
    configs = MetadataConfigs.from_dataset_card_data(data)
    assert set(configs) == {"articles", "claims", "comments"}
    infos = DatasetInfosDict.from_dataset_card_data(data)
    assert infos["claims"].splits["train"].num_examples == 6
    assert "days_overdue" in infos["claims"].features


def test_header_values_are_in_the_hubs_vocabularies(card_folder: Path) -> None:
    header = header_of(card_folder)
    for key in (
        "license",
        "license_link",
        "annotations_creators",
        "language_creators",
        "source_datasets",
        "multilinguality",
        "task_categories",
        "task_ids",
        "language",
        "size_categories",
        "pretty_name",
        "configs",
    ):
        assert header.get(key), key
    assert (card_folder / header["license_link"]).is_file()
    assert set(header["annotations_creators"]) <= CREATORS
    assert set(header["language_creators"]) <= CREATORS
    assert set(header["multilinguality"]) <= MULTILINGUALITY
    assert header["task_categories"] == ["text-classification"]
    assert set(header["task_ids"]) <= TEXT_CLASSIFICATION_TASK_IDS
    assert set(header["size_categories"]) <= SIZES
    assert all(re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", code) for code in header["language"])


def test_card_has_every_section_in_order(card_folder: Path) -> None:
    text = card_text(card_folder)
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert "@misc{debtcorpus_2024" in text


def test_card_gives_the_stored_claim_figures_with_their_command(card_folder: Path) -> None:
    text = card_text(card_folder)
    claims = stored_quality()["claims"]
    test = claims["gold_sets"]["test"]
    overall = test["types"]["ALL"]
    assert f"| ALL | {overall['precision']:.3f} | {overall['recall']:.3f} |" in text
    assert f"`{test['command']}`" in text and claims["rule_version"] in text
    assert f"polarity {test['fields']['polarity']['accuracy']:.3f}" in text
    # the corpus's claims are of other rule versions: the card says the figures do not cover them
    assert f"the figures above are for `{claims['rule_version']}` only" in text


def test_stored_quality_figures_match_the_gold_sets_and_benchmark_floors() -> None:
    stored = {k: v for k, v in stored_quality().items() if k != "measured_with"}
    assert build_quality(stored) == stored, (
        "corpus/export/quality.json is out of date: run `python -m corpus.export.quality` "
        "and commit it with the change that moved the figures"
    )


def test_card_states_whether_author_names_are_exported(
    card_folder: Path, export_corpus: ExportCorpus, tmp_path: Path
) -> None:
    assert "names are as printed" in card_text(card_folder)
    out = export_ok(export_corpus, tmp_path / "anon", "--format", "jsonl", "--pseudonymize-authors")
    text = card_text(out)
    assert "`comments.author` are pseudonymised" in text and "HMAC-SHA256" in text
    assert json.loads((out / "manifest.json").read_text("utf-8"))["pseudonymised"]["columns"] == [
        "comments.author"
    ]


# Column descriptions against the code that writes the columns.


def description(name: str) -> str:
    return next(c.description for c in CLAIM_COLUMNS if c.name == name)


def test_polarity_description_names_the_three_values_the_extractor_gives() -> None:
    examples = {
        "微粒贷逾期会被起诉。": "positive",
        "微粒贷逾期不会被起诉。": "negative",
        "微粒贷逾期不会直接被起诉。": "partial",
    }
    found = {
        claim.polarity
        for sentence, polarity in examples.items()
        for claim in extract_claims(sentence)
        if claim.polarity == polarity
    }
    assert found == {"positive", "negative", "partial"}
    text = description("polarity")
    assert "three values" in text and all(value in text for value in found)


def test_modality_description_names_every_modality() -> None:
    text = description("modality")
    for name in (*modality_lexicon().priority, "reported"):
        assert f"{name} (" in text or f"{name}:" in text or f"{name} " in text, name
    assert "null" in text


def test_subtype_description_lists_every_subtype_of_the_lexicons() -> None:
    text = description("subtype")
    lexicons = REPO / "cleaning" / "claims" / "lexicons"
    for name in ("channel", "consequence", "prohibition", "advice", "timing", "citation"):
        data = yaml.safe_load((lexicons / f"{name}.yaml").read_text("utf-8"))
        listed = re.sub(r"\([^)]*\)", "", text.split(f"{data['type']}:")[1].split(";")[0])
        assert {s.strip().split(" ")[0] for s in listed.split(",")} == set(data["subtypes"])


def test_severe_description_lists_the_words_the_code_matches() -> None:
    text = description("severe")
    assert all(word in text for word in SEVERE.pattern.split("|"))
    claim = extract_claims("微粒贷不算严重逾期，逾期三天会上征信。")[0]
    assert claim.severe, "a word match, negation not considered, as the card says"


def test_checks_description_names_every_key_and_kind() -> None:
    text = description("checks")
    rule = Rule("r", "s", "law", 2020, "m", {})
    assert all(key in text for key in rule.as_check())
    assert all(kind in text for kind in SOURCE_KINDS)
    assert {f.name for f in fields(Rule)} - {"when", "id"} <= set(rule.as_check())


# Source data from a real crawl's run records.


@pytest.fixture(scope="module")
def crawled_wp(sample_site: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("card-crawl") / "corpus.db"
    argv = [sys.executable, "-m", "corpus", "crawl", "--site", "sample-wp"]
    argv += ["--base-url", sample_site, "--db", str(db), "--contact", "lab@uni.example"]
    subprocess.run(argv, check=True, timeout=600, capture_output=True)
    return db


@pytest.mark.slow
def test_card_source_data_comes_from_the_run_records(
    crawled_wp: Path, sample_site: str, tmp_path: Path
) -> None:
    corpus = ExportCorpus(crawled_wp, {})
    out = export_ok(corpus, tmp_path / "out", "--format", "parquet", "--min-length", "100")
    store = open_store(str(crawled_wp))
    with store.session() as session:
        forbidden = session.scalar(
            select(func.count(SkippedUrlRow.id)).where(SkippedUrlRow.reason == "robots-forbidden")
        )
    store.dispose()
    assert forbidden, "the sample site's robots.txt forbids a linked page"
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    site = manifest["provenance"]["sites"]["sample-wp"]
    assert site["robots_forbidden_urls"] == forbidden
    assert site["description"]
    assert manifest["site_hosts"] == {"sample-wp": [urlsplit(sample_site).netloc]}
    run = manifest["provenance"]["runs"][0]
    assert run["source"] == "crawl" and run["status"] == "finished" and run["site"] == "sample-wp"
    assert site["rejected_pages"].get("list-page", 0) > 0
    steps = manifest["provenance"]["filter_counts"]
    assert [step["filter"] for step in steps] == ["(corpus)", "min_length"]
    assert steps[-1]["articles"] == manifest["row_counts"]["articles"] <= steps[0]["articles"]
    text = card_text(out)
    row = next(line for line in text.splitlines() if line.startswith("| sample-wp |"))
    assert site["description"] in row and f"| {forbidden} |" in row
    assert "lab@uni.example" in text
    assert f"`robots-forbidden`: {forbidden} over these runs" in text


def test_card_reports_robots_overrides_and_failed_robots_files(tmp_path: Path) -> None:
    corpus = build_export_corpus(tmp_path)
    store = open_store(corpus.db)
    with store.session() as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).first()
        assert run is not None
        run.settings = {"settings": ["LOG_LEVEL=INFO", "ROBOTSTXT_OBEY=False"]}
        run.stats = {"scrapy": {"robotstxt/disallow_all/unreachable": 2}}
        session.add_all(
            SkippedUrlRow(
                crawl_run_id=run.id,
                site="a.example",
                url=f"https://a.example/private/{n}",
                reason="robots-forbidden",
                seen_at=run.started_at,
            )
            for n in range(3)
        )
    store.dispose()
    out = export_ok(corpus, tmp_path / "out", "--format", "jsonl")
    text = card_text(out)
    assert "`-s ROBOTSTXT_OBEY=False`: robots.txt was **not obeyed** in it" in text
    assert "robots.txt failed: unreachable 2" in text
    assert "`robots-forbidden`: 3 over these runs" in text
    sites = json.loads((out / "manifest.json").read_text("utf-8"))["provenance"]["sites"]
    assert sites["a.example"]["robots_forbidden_urls"] == 3
    assert sites["lawfirm.example"]["robots_forbidden_urls"] == 0
