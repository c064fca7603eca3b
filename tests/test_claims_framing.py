"""The mechanisms added in claims-2.1 (issue 12, second round): clause subjects, markers that rule
a behaviour word, conditions and advice inside one clause, mentions, hearsay and its end, number
roles, checks. Sentences are written for these tests, not taken from the gold sets."""

from __future__ import annotations

import pytest

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.claims.numbers import days_in
from cleaning.records import ClaimRecord

CHECKS = ClaimConfig()


def claims_of(text: str) -> dict[tuple[str, str | None], ClaimRecord]:
    return {(c.type, c.subtype): c for c in reversed(extract_claims(text, CHECKS))}


def kinds(text: str) -> set[tuple[str, str | None]]:
    return set(claims_of(text))


def flags(text: str) -> set[str]:
    return {check["rule_id"] for c in extract_claims(text, CHECKS) for check in c.checks}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a condition and advice in one clause, no comma between
        ("外访人员上门的时候务必全程录像。", {("ADVICE", "evidence")}),
        ("收到律师函后一定要先核实对方身份。", {("ADVICE", "verify")}),
        # a clause that opens on what one meets, then advice
        ("碰到上门堵门的可以直接报警。", {("ADVICE", "complain")}),
    ],
)
def test_a_condition_of_advice_inside_one_clause_claims_no_practice(
    text: str, expected: set[tuple[str, str]]
) -> None:
    assert kinds(text) == expected


def test_a_behaviour_word_needs_a_marker_near_it() -> None:
    text = "第三方公司给紧急联系人打电话,只能请其转达,不能透露欠款数额。"
    found = kinds(text)
    assert ("CHANNEL", "contacts") in found  # the call is practice, two clauses from 不能
    assert ("PROHIBITION", "privacy") in found and ("PROHIBITION", "contacts") not in found
    assert flags(text) == set()  # the sentence states the limit, it claims no disclosure
    summed = kinds("催收人员跟踪借款人,到单位蹲守,这些都属于违法行为。")
    assert ("PROHIBITION", "harassment") in summed


def test_the_subject_of_a_clause_is_the_actor_that_opens_it() -> None:
    found = claims_of("催收公司可以打电话到借款人单位,但不能向同事透露欠款。")
    assert found[("PROHIBITION", "contacts")].modality == "prohibition"
    # 不要 with only the activity 催收 before it speaks to the reader
    assert ("PROHIBITION", "privacy") not in kinds("催收打电话来时,不要透露亲戚的住址。")


@pytest.mark.parametrize(
    "text",
    [
        "正规的催收短信不会出现“马上抓人”这类字眼。",
        "有的短信以“上门抓人”相威胁,这是违规的。",
    ],
)
def test_quoted_words_named_as_words_claim_nothing(text: str) -> None:
    assert ("CONSEQUENCE", "criminal") not in kinds(text)


def test_what_a_prohibition_forbids_is_no_consequence() -> None:
    assert ("CONSEQUENCE", "fees") not in kinds("催收人员不得向借款人收取任何额外费用。")


def test_a_denied_saying_is_negative_and_not_flagged() -> None:
    text = "“逾期记录一辈子都消不掉”的说法并不准确。"
    assert claims_of(text)[("CONSEQUENCE", "credit")].polarity == "negative"
    assert flags(text) == set()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("听说逾期以后催收会打电话给你的父母。", ("CHANNEL", "contacts")),
        ("催收员威胁要去他老家找人。", ("CHANNEL", "visit")),
        ("有贷款中介说,交钱就能消除逾期记录。", ("CONSEQUENCE", "credit")),
    ],
)
def test_more_hearsay_is_reported(text: str, key: tuple[str, str]) -> None:
    assert claims_of(text)[key].modality == "reported"


def test_a_report_advises_nothing_until_the_author_advises() -> None:
    assert ("ADVICE", "complain") not in kinds("不少用户投诉某平台的催收半夜打电话。")
    found = kinds("有人自称律所工作人员,你可以让他提供执业证号,再上官网核实。")
    assert ("ADVICE", "verify") in found


def test_numbers_bound_to_their_role() -> None:
    assert days_in("结清后满五年才会删除记录") == (None, None)
    assert days_in("连续两年按时还款,额度会恢复") == (None, None)
    assert days_in("他逾期才三天就被催收")[0] == 3
    assert days_in("经两次催收三个月仍不还的")[0] == 90
    assert days_in("逾期三五天一般没事")[0] == 3


def test_negation_through_reason_phrases_and_partial_negators() -> None:
    assert claims_of("法院不会因为欠几千块就判你坐牢。")[("CONSEQUENCE", "criminal")].polarity == (
        "negative"
    )
    assert claims_of("催收人员未必真的会上门。")[("CHANNEL", "visit")].polarity == "partial"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("依据《网络借贷催收管理条例》,平台可以联系家人。", {"no-national-collection-regulation"}),
        ("催收员把我的欠款截图发到了同学群里。", {"third-party-contact-limits"}),
        ("《互联网金融逾期债务催收自律公约(试行)》要求催收不得骚扰无关人员。", set()),
    ],
)
def test_checks_of_claims_2_1(text: str, expected: set[str]) -> None:
    assert flags(text) == expected


def test_a_citation_keeps_its_edition_in_brackets() -> None:
    found = claims_of("根据《互联网金融逾期债务催收自律公约(试行)》,催收不得辱骂借款人。")
    assert found[("CITATION", "guideline")].cited_law is not None
