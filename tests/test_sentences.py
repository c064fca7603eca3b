"""Sentence and clause splitting keeps exact offsets and keeps brackets together."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaning.claims.sentences import split_sentences
from tests.conftest import SEEDS


def test_offsets_map_back_to_text_on_every_seed() -> None:
    for seed in sorted(Path(SEEDS).glob("*.txt")):
        text = seed.read_text("utf-8")
        sentences = split_sentences(text)
        assert sentences, seed.name
        for sentence in sentences:
            assert text[sentence.start : sentence.end] == sentence.text
            for clause in sentence.clauses:
                assert text[clause.start : clause.end] == clause.text
                assert sentence.start <= clause.start < clause.end <= sentence.end


def test_splits_at_sentence_marks_and_line_breaks() -> None:
    text = "逾期会上征信。会被起诉吗？要协商；保留证据!\n第二段没有句号"
    assert [s.text for s in split_sentences(text)] == [
        "逾期会上征信。",
        "会被起诉吗？",
        "要协商；",
        "保留证据!",
        "第二段没有句号",
    ]
    assert [s.paragraph for s in split_sentences(text)] == [0, 0, 0, 0, 1]


@pytest.mark.parametrize(
    "text",
    [
        "他说“逾期三天就上门。你别怕”然后挂了。",
        "根据《关于规范催收的通知。第二条》的规定。",
        "催收（包括电话。短信）必须合规。",
    ],
)
def test_quotes_and_brackets_stay_in_one_sentence(text: str) -> None:
    assert [s.text for s in split_sentences(text)] == [text]


def test_closing_quote_after_full_stop_belongs_to_the_sentence() -> None:
    text = "他说：“会上门。”我不信。"
    assert [s.text for s in split_sentences(text)] == ["他说：“会上门。”", "我不信。"]


def test_unclosed_bracket_ends_at_the_line_break() -> None:
    text = "（没有关上的括号。还是一句\n下一段。"
    assert [s.text for s in split_sentences(text)][-1] == "下一段。"


def test_clauses_split_at_commas_and_colons() -> None:
    (sentence,) = split_sentences("在一些严重逾期的情况下,微粒贷可能会上门，也可能起诉：看情况。")
    assert [c.text for c in sentence.clauses] == [
        "在一些严重逾期的情况下,",
        "微粒贷可能会上门，",
        "也可能起诉：",
        "看情况。",
    ]
