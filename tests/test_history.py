"""`debtcorpus history`: dated diffs of an article's text and claims (real SQLite rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus.cli import cli
from corpus.history import article_history
from corpus.models import Article, ArticleRevision, Claim, Page
from corpus.store import Store, open_store

URL = "http://example.test/law/hf/1.html"
DAY = [datetime(2026, 1, day, 8, 0, tzinfo=UTC) for day in range(1, 8)]
TEXT_V1 = "逾期三天会打电话。\n催收不能上门。"
TEXT_V2 = "逾期三天会打电话。\n催收可以上门家访。"
TEXT_V3 = "逾期三天会打电话。\n催收可以上门家访。\n可以报警。"
CALL = {"type": "contact", "subtype": "phone", "sentence": "逾期三天会打电话。"}
NO_VISIT = {"type": "visit", "subtype": None, "sentence": "催收不能上门。"}
VISIT = ("visit", "home", "催收可以上门家访。")
VISIT_SNAPSHOT = {"type": "visit", "subtype": "home", "sentence": "催收可以上门家访。"}


def claim_row(kind: str, subtype: str | None, sentence: str) -> Claim:
    """A claim of the current text (TEXT_V3): its offsets give its sentence."""
    start = TEXT_V3.index(sentence)
    end = start + len(sentence)
    return Claim(type=kind, subtype=subtype, start=start, end=end)


def revision(
    text: str, claims: list[dict[str, object]], seen: int, replaced: int
) -> dict[str, object]:
    return {
        "title": "标题",
        "text": text,
        "text_sha256": str(hash(text)),
        "claims": claims,
        "valid_from": DAY[seen],
        "valid_to": DAY[replaced],
    }


@pytest.fixture
def store(db_path: Path) -> Store:
    store = open_store(str(db_path))
    with store.session() as session:
        article = Article(
            url=URL,
            title="新标题",
            text=TEXT_V3,
            text_sha256="v3",
            extractor_version="t",
            first_seen_at=DAY[0],
            last_seen_at=DAY[6],
            claims=[claim_row("contact", "phone", CALL["sentence"]), claim_row(*VISIT)],
        )
        session.add(article)
        session.flush()
        for values in (
            revision(TEXT_V1, [CALL, NO_VISIT], seen=1, replaced=2),
            revision(TEXT_V2, [CALL, VISIT_SNAPSHOT], 3, 4),
        ):
            session.add(ArticleRevision(article_id=article.id, **values))
        session.add(
            Page(
                url="http://example.test/law/hf/1.html?utm=x",
                final_url=URL,
                status=200,
                fetched_at=DAY[0],
                outcome="article",
                article_id=article.id,
            )
        )
    return store


def test_versions_are_dated_oldest_first(store: Store) -> None:
    with store.session() as session:
        found = article_history(session, URL)
    assert [v.text for v in found.versions] == [TEXT_V1, TEXT_V2, TEXT_V3]
    assert [(v.first_seen, v.last_seen) for v in found.versions] == [
        (DAY[0], DAY[1]),
        (DAY[2], DAY[3]),
        (DAY[4], DAY[6]),
    ]
    first, second = found.changes
    assert first.detected_at == DAY[2]
    assert "-催收不能上门。" in first.text_diff and "+催收可以上门家访。" in first.text_diff
    assert first.claims_added == [VISIT]
    assert first.claims_removed == [("visit", "", "催收不能上门。")]
    assert second.text_diff[-1] == "+可以报警。"
    assert second.claims_added == second.claims_removed == []


def test_history_command_prints_dated_diffs(store: Store, db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["history", URL, "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "3 version(s)" in out
    assert "== change 1: detected 2026-01-03 08:00:00 UTC" in out
    assert "--- text seen 2026-01-02 08:00:00 UTC" in out
    assert "+ [visit/home] 催收可以上门家访。" in out
    assert "- [visit/-] 催收不能上门。" in out
    assert "title: '标题' -> '新标题'" in out


def test_article_is_found_by_a_fetched_url(store: Store) -> None:
    with store.session() as session:
        found = article_history(session, "http://example.test/law/hf/1.html?utm=x")
    assert found.url == URL


def test_unknown_url_is_a_clean_error(store: Store, db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["history", "http://nowhere.test/", "--db", str(db_path)])
    assert result.exit_code == 2
    assert "no article for 'http://nowhere.test/'" in result.output


def test_article_without_revisions_says_so(db_path: Path) -> None:
    store = open_store(str(db_path))
    with store.session() as session:
        session.add(
            Article(
                url=URL,
                text="一段。",
                text_sha256="x",
                extractor_version="t",
                first_seen_at=DAY[0],
                last_seen_at=DAY[1],
            )
        )
    result = CliRunner().invoke(cli, ["history", URL, "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "1 version(s)" in result.output and "no changes recorded" in result.output


def test_article_is_found_by_a_url_with_tracking_parameters_never_fetched(store: Store) -> None:
    with store.session() as session:
        found = article_history(session, URL + "?utm_source=weibo&utm_medium=share")
    assert found.url == URL
