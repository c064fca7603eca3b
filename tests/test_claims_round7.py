"""The mechanisms of claims-2.6 (issue 12, seventh round): rule checks by word class, from the
2l dev errors (sentences written for the tests, not taken from a gold file)."""

from __future__ import annotations

import pytest

from cleaning.claims import extract_claims
from cleaning.claims.numbers import amount_in


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("欠了差不多2w", 20000.0),
        ("刷了8k多", 8000.0),
        ("欠了三万块钱", 30000.0),
        ("透支了两萬", 20000.0),
        ("一共四万五", 45000.0),
        ("金额上万就要小心", 10000.0),
        ("欠款1万元", 10000.0),
        ("万一还不上", None),
    ],
)
def test_units_of_money_as_a_class(text: str, amount: float | None) -> None:
    assert amount_in(text) == amount


def _flags(text: str) -> set[str]:
    return {str(check["rule_id"]) for claim in extract_claims(text) for check in claim.checks}


def test_a_forum_amount_below_the_threshold_is_flagged() -> None:
    assert "malicious-overdraft-threshold" in _flags("我同学信用卡欠了2w,去年被判了一年。")


def test_the_verbs_of_a_record_going_are_a_class() -> None:
    assert "credit-record-five-years" in _flags("征信上的逾期记录过了两年就查不到了。")
    assert "credit-record-five-years" not in _flags("征信上的逾期记录满五年才会查不到。")


def test_a_collection_statute_by_its_ending() -> None:
    cited = "根据《网络债务催收管理规定》,催收不得骚扰家人。"
    assert "no-national-collection-regulation" in _flags(cited)
    assert not _flags("《互联网金融逾期债务催收自律公约》要求催收人员表明身份。")


def test_a_time_opening_a_range_is_no_night_contact() -> None:
    text = "催收下午五点打电话不违规,规定的是晚上十点至早上八点不能联系。"
    assert not {"night-contact-nifa-2024"} & _flags(text)
