"""`debtcorpus claims` on a real SQLite corpus with Article and Claim rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaning.claims import ClaimConfig, extract_claims
from corpus.claims_query import ClaimFilter, count_claims, list_claims
from corpus.cli import cli
from corpus.models import Article, Claim
from corpus.store import Store, open_store

ARTICLES = {
    (
        "https://a.example/1",
        "a.example",
    ): "在一些严重逾期的情况下,微粒贷的催收人员可能会选择上门催收。",
    (
        "https://b.example/2",
        "b.example",
    ): "微粒贷逾期超过90天,可能会委托第三方上门。借呗逾期会上征信。",
    ("https://b.example/3", "b.example"): "催收人员不得使用暴力。",
}


def _article(url: str, site: str, text: str) -> Article:
    now = datetime.now(UTC)
    claims = [
        Claim(
            **{k: v for k, v in vars(c).items() if k not in ("checks", "sentence")},
            checks=list(c.checks),
        )
        for c in extract_claims(text, ClaimConfig())
    ]
    return Article(
        url=url,
        site=site,
        text=text,
        text_sha256="0" * 64,
        extractor_version="t",
        first_seen_at=now,
        last_seen_at=now,
        claims=claims,
    )


@pytest.fixture
def corpus(db_path: Path) -> Store:
    store = open_store(str(db_path))
    with store.session() as session:
        session.add_all(_article(url, site, text) for (url, site), text in ARTICLES.items())
    return store


def test_counts_by_site_with_filters(corpus: Store) -> None:
    where = ClaimFilter(type="CHANNEL", lender="微众银行")
    by_site = count_claims(corpus, "site", where)
    assert sorted(by_site) == [("a.example", 1, 1), ("b.example", 2, 1)]
    assert count_claims(corpus, "lender", ClaimFilter(type="CONSEQUENCE")) == [("蚂蚁", 1, 1)]


def test_list_gives_sentence_offsets_and_url(corpus: Store) -> None:
    rows = list_claims(corpus, ClaimFilter(subtype="visit", site="a.example"))
    assert len(rows) == 1
    row = rows[0]
    assert row.url == "https://a.example/1" and row.modality == "possible" and row.severe
    assert ARTICLES[(row.url, "a.example")][row.start : row.end] == row.sentence


def test_bad_dimension_is_a_config_error(corpus: Store) -> None:
    from corpus.errors import ConfigError

    with pytest.raises(ConfigError, match="--by"):
        count_claims(corpus, "colour", ClaimFilter())


def test_claims_command(corpus: Store, db_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["claims", "--db", str(db_path), "--by", "modality"])
    assert result.exit_code == 0, result.output
    assert "Claims by modality" in result.output and "prohibition" in result.output
    args = [
        "claims",
        "--db",
        str(db_path),
        "--by",
        "site",
        "--type",
        "CHANNEL",
        "--subtype",
        "visit",
        "--lender",
        "微众银行",
        "--list",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "https://a.example/1" in result.output and "b.example" in result.output


def test_mine_reads_the_corpus(corpus: Store, db_path: Path) -> None:
    from corpus.claims_query import article_texts

    noisy = "逾期以后催收人员会敲门喊话。" * 3
    with corpus.session() as session:
        session.add(_article("https://c.example/4", "c.example", noisy))
    assert sorted(article_texts(corpus, batch=2)) == sorted([*ARTICLES.values(), noisy])
    result = CliRunner().invoke(cli, ["claims", "--db", str(db_path), "mine", "--top", "5"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert rows[0] == ["phrase", "sentences", "articles", "example"]
    assert ["敲门喊话", "3", "1", "逾期以后催收人员会敲门喊话。"] in rows
