"""The mechanisms added in claims-2.2 (issue 12, third round): headings that run on after a
question, the text naming itself, accusations against the borrower, a topic denied (X不等于Y),
reported speech in quotes, question particles before a space, bare names of national laws.
Sentences are written for these tests, not taken from the gold sets."""

from __future__ import annotations

import pytest

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.claims.sentences import split_sentences
from cleaning.records import ClaimRecord

CHECKS = ClaimConfig()


def claims_of(text: str) -> dict[tuple[str, str | None], ClaimRecord]:
    return {(c.type, c.subtype): c for c in reversed(extract_claims(text, CHECKS))}


def kinds(text: str) -> set[tuple[str, str | None]]:
    return set(claims_of(text))


def test_the_subtitle_after_a_question_on_an_unpunctuated_line_is_a_heading() -> None:
    sentences = split_sentences("借呗逾期会上门吗?上门催收的流程和应对\n催收人员会上门核实情况。")
    assert [s.is_bare_line for s in sentences] == [False, True, False]
    assert kinds("借呗逾期会上门吗?上门催收的流程和应对") == set()


@pytest.mark.parametrize(
    "text",
    [
        "本文将深入探讨催收人员上门时的沟通方式。",
        "以上文章为“借呗打电话催收”的分析,涵盖了催收的流程。",
        "版权声明:本文由某某律师事务所原创并发布,转载请注明出处。",
    ],
)
def test_the_text_naming_itself_claims_nothing(text: str) -> None:
    assert kinds(text) == set()


def test_an_offence_named_of_the_borrower_is_no_prohibition() -> None:
    assert ("PROHIBITION", "privacy") not in kinds("催收说我“涉嫌恶意拖欠”,要在小区张贴告示。")
    assert ("PROHIBITION", "violence") in kinds("催收人员涉嫌非法拘禁和殴打借款人。")


def test_a_topic_denied_is_no_claim_of_its_own() -> None:
    found = claims_of("被起诉本身不等于失信,按判决履行就没事。")
    assert ("CHANNEL", "legal") not in found
    assert found[("CONSEQUENCE", "court_sanction")].polarity == "negative"


def test_reported_speech_in_quotes_is_reported() -> None:
    found = claims_of("他们打电话给我爸,说“再不还就派人去你家”。")
    assert found[("CHANNEL", "visit")].modality == "reported"


def test_kin_joined_by_and_are_contacts() -> None:
    assert ("CHANNEL", "contacts") in kinds("催收员给我老婆和我妈打了好几次电话。")


def test_a_question_particle_before_a_space_ends_a_question_clause() -> None:
    assert kinds("逾期会被起诉么 一、逾期情况 平台是一家贷款机构。") == set()


def test_bare_names_of_national_laws_are_citations_not_parts_of_other_words() -> None:
    found = claims_of("根据产品质量法等法律,制定本规定。")
    assert found[("CITATION", "law")].cited_law == "产品质量法"
    assert kinds("该公司法定代表人已到庭。") == set()


@pytest.mark.parametrize(
    "text",
    ["不少人担心被起诉后还要付律师费。", "有人误以为营销短信就是催收短信。"],
)
def test_what_someone_fears_or_mistakes_is_no_claim(text: str) -> None:
    assert not {kind for kind in kinds(text) if kind[0] in ("CHANNEL", "CONSEQUENCE")}


def test_a_reassurance_and_a_quoted_threat_feared_still_claim() -> None:
    assert claims_of("欠款不到五万元,不用担心坐牢。")[("CONSEQUENCE", "criminal")]
    assert ("CHANNEL", "visit") in kinds("很多人最担心的是“我们明天就上门找你”。")


def test_quoted_words_a_text_is_said_to_hold_are_mentioned() -> None:
    assert ("CHANNEL", "legal") not in kinds("这些短信里写着“已经立案”,其实是吓唬人。")
    assert ("ADVICE", "negotiate") not in kinds("别信网上所谓的“代理协商”机构。")


def test_a_channel_the_reader_asks_the_lender_to_use_is_advice_not_practice() -> None:
    found = kinds("达成协议后,要求平台通过短信发送还款确认。")
    assert ("CHANNEL", "sms") not in found
    assert ("CHANNEL", "sms") in kinds("平台会通过短信发送还款提醒。")
