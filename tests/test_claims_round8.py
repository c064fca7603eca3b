"""The mechanisms of claims-2.7 (issue 12, eighth round): traditional script folded, hearsay
speakers and calls as classes, rulings on a practice, the occasion of a complaint, the paid
credit "repair", disclosure to the workplace (sentences written for the tests, not taken from a
gold file)."""

from __future__ import annotations

from cleaning.claims import extract_claims
from cleaning.records import ClaimRecord
from cleaning.script import fold_traditional


def _pairs(text: str) -> set[tuple[str, str | None]]:
    return {(claim.type, claim.subtype) for claim in extract_claims(text)}


def _claim(text: str, subtype: str) -> ClaimRecord:
    return next(claim for claim in extract_claims(text) if claim.subtype == subtype)


def test_traditional_script_is_read_folded_and_kept_as_written() -> None:
    text = "聽說有的催收公司會打電話給借款人的家人。"
    assert fold_traditional(text) == "听说有的催收公司会打电话给借款人的家人。"
    assert fold_traditional("逾期会上门吗") == "逾期会上门吗"  # nothing to fold: the same object
    claims = extract_claims(text)
    assert ("CHANNEL", "contacts") in {(c.type, c.subtype) for c in claims}
    assert all(text[c.start : c.end] == c.sentence for c in claims)
    assert _claim(text, "contacts").modality == "reported"


def test_hearsay_speakers_are_a_class() -> None:
    assert _claim("公司那边的人跟我讲,逾期三个月就会上门。", "visit").modality == "reported"
    assert _claim("有篇文章说,网贷逾期一定会被起诉。", "legal").modality == "reported"
    assert _claim("逾期三个月就会上门。", "visit").modality == "certain"


def test_a_call_said_by_its_verb_alone() -> None:
    assert ("CHANNEL", "phone") in _pairs("催收员凌晨五点就打过来了,吵得全家睡不着。")
    assert ("CHANNEL", "phone") not in _pairs("对方说把钱打过来就行。")
    assert ("CHANNEL", "phone") not in _pairs("借款审核通过后,钱当天就打过来了。")


def test_entering_by_force_is_violence() -> None:
    assert ("PROHIBITION", "violence") in _pairs("催收人员不得强行闯入借款人家中。")


def test_a_practice_said_not_to_break_a_rule_is_no_claim_of_it() -> None:
    assert ("CHANNEL", "phone") not in _pairs("白天打电话提醒还款不算违规。")
    assert ("CHANNEL", "visit") not in _pairs("催收员说要上门核实地址,这种做法并不违法。")
    assert ("CHANNEL", "phone") in _pairs("平台白天会打电话提醒还款。")


def test_a_complaint_as_the_occasion_of_advice_on_it() -> None:
    assert ("ADVICE", "complain") not in _pairs("报警时要说清楚对方的姓名和来电号码。")
    assert ("ADVICE", "complain") in _pairs("遇到暴力催收可以直接报警。")


def test_the_paid_credit_repair_is_no_consequence() -> None:
    assert ("CONSEQUENCE", "credit") not in _pairs("逾期记录没法通过花钱删除,信用修复都是骗人的。")
    assert ("CONSEQUENCE", "credit") in _pairs("逾期超过30天会上报征信。")


def test_telling_the_workplace_of_the_debt_is_a_contact() -> None:
    assert ("CHANNEL", "contacts") in _pairs("催收员向我们公司的人事透露了我的欠款。")
