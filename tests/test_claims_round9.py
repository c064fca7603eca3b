"""The mechanisms of claims-2.8 (issue 12, ninth round): calls and visits named by the service
they give, the sentence of a collector's or a fraudster's crime, a record kept with its degree
words (sentences written for the tests, not taken from a gold file)."""

from __future__ import annotations

import pytest

from cleaning.claims import extract_claims
from cleaning.claims.checks import parse_rules
from cleaning.claims.lexicon import ClaimDataError, expand_classes
from cleaning.claims.numbers import period_role


def _pairs(text: str) -> set[tuple[str, str | None]]:
    return {(claim.type, claim.subtype) for claim in extract_claims(text)}


def test_calls_and_visits_named_by_their_service_are_no_channel() -> None:
    assert ("CHANNEL", "phone") not in _pairs("逾期以后我还老接到推销电话,全是卖保险的。")
    assert ("CHANNEL", "visit") not in _pairs("借款人逾期期间,宽带师傅上门维修过两次。")
    assert ("CHANNEL", "visit") not in _pairs("欠款的事先放一放,冰箱明天上门送货。")
    assert ("CHANNEL", "phone") in _pairs("逾期第二天催收就打电话给我了。")
    assert ("CHANNEL", "visit") in _pairs("逾期三个月以后,催收人员上门找过我。")


def test_the_sentence_of_a_collectors_crime_is_no_consequence_of_default() -> None:
    collector = "那几个催收员犯非法拘禁罪,分别被判处有期徒刑两年。"
    assert ("CONSEQUENCE", "criminal") not in _pairs(collector)
    statute = "以暴力方法催收高利放贷等产生的非法债务,情节严重的,处三年以下有期徒刑。"
    assert ("CONSEQUENCE", "criminal") not in _pairs(statute)
    borrower = "持卡人恶意透支八万元不还,被法院以信用卡诈骗罪判处有期徒刑三年。"
    assert ("CONSEQUENCE", "criminal") in _pairs(borrower)


def test_a_record_kept_with_its_degree_words_is_no_overdue_period() -> None:
    for text in ("逾期记录会保留满五年", "不良信息保存长达5年", "这条记录要保存至少五年"):
        start = text.index("五" if "五" in text else "5")
        assert period_role(text, start, start + 2) == "other", text
    text = "逾期满五年的欠款"
    assert period_role(text, 3, 5) == "overdue"


def _flags(text: str) -> set[str]:
    return {check["rule_id"] for claim in extract_claims(text) for check in claim.checks}


def test_the_evenings_words_before_the_hour_are_night() -> None:
    assert "night-contact-nifa-2024" in _flags("网贷逾期后,催收夜里十一点还在打电话。")
    assert "night-contact-nifa-2024" in _flags("催收晚间十点多还打来电话要钱。")
    assert "night-contact-nifa-2024" not in _flags("催收一般晚间七点前打电话。")


def test_paid_deletion_over_a_comma_with_every_verb_of_a_record_going() -> None:
    text = "中介说交两千块的手续费,一个星期之内就能让征信上的逾期记录消失。"
    assert "credit-record-five-years" in _flags(text)
    assert "credit-record-five-years" not in _flags("逾期记录不能通过花钱删除,五年后才会消失。")


def test_the_borrowers_circle_is_contacted_and_asking_about_the_debt_discloses_it() -> None:
    assert ("CHANNEL", "contacts") in _pairs("逾期以后催收打给我的舍友,把我欠钱的事全说了。")
    text = "催收联系了我的邻居,问她知不知道我欠了网贷不还。"
    assert "third-party-contact-limits" in _flags(text)
    denied = "正规催收不会联系借款人的同事,更不会当着同事的面说欠款的事。"
    assert "third-party-contact-limits" not in _flags(denied)


def test_never_having_seen_it_negates() -> None:
    claims = extract_claims("欠信用卡的朋友不少,可我从没见过有人因此被判刑。")
    assert [c.polarity for c in claims if c.subtype == "criminal"] == ["negative"]
    claims = extract_claims("欠信用卡不还,后来被判刑了。")
    assert [c.polarity for c in claims if c.subtype == "criminal"] == ["positive"]


def test_a_repayment_plan_is_advice_only_as_what_the_reader_is_to_work_out() -> None:
    assert ("ADVICE", "negotiate") in _pairs("逾期了也别慌,可以和银行商量一个能承受的还款计划。")
    viewed = "借款人可以在App里查看每一期的还款计划和欠款明细。"
    assert ("ADVICE", "negotiate") not in _pairs(viewed)
    story = "去年逾期后,客服帮我制定了新的还款计划,现在每月按时还。"
    assert ("ADVICE", "negotiate") not in _pairs(story)


def test_demanding_money_is_no_obligation() -> None:
    claims = extract_claims("逾期以后,天天有人打电话来要钱。")
    assert [c.modality for c in claims if c.subtype == "phone"] != ["obligation"]
    claims = extract_claims("逾期以后,催收要先打电话提醒借款人。")
    assert [c.modality for c in claims if c.subtype == "phone"] == ["obligation"]


def test_word_classes_expand_in_lexicons_and_in_a_users_rule_file() -> None:
    assert "姐夫" in expand_classes("发给{kin}", "test") and "{0,4}" in expand_classes(
        "[^,]{0,4}", "t"
    )
    rule = """rules:
  - {id: kin-told, source: s, kind: convention, year: 2026, message: m,
     when: {types: [CHANNEL], sentence_matches: ['告诉了?{kin}']}}
"""
    assert "姐夫" in str(parse_rules(rule, "mine.yaml")[0].rule.when["sentence_matches"])
    with pytest.raises(ClaimDataError, match=r"mine.yaml names the word class \{cousins\}"):
        parse_rules(rule.replace("{kin}", "{cousins}"), "mine.yaml")


def test_the_whole_family_is_contacted() -> None:
    assert ("CHANNEL", "contacts") in _pairs("催收把我的借款合同发给了我姐夫,说我欠钱不还。")
    assert ("CHANNEL", "contacts") in _pairs("逾期以后,我舅舅、表哥都收到了催收短信。")
    assert ("CHANNEL", "contacts") not in _pairs("逾期以后,我把欠款的事告诉了表哥,他借了我两千。")


def test_a_period_before_any_verb_of_a_record_going_is_a_retention() -> None:
    text = "结清以后满五年才会删"
    assert period_role(text, text.index("五"), text.index("五") + 2) == "other"
    assert ("TIMING", "days") not in _pairs("征信上的记录,还清后满五年才会删,急也没用。")


def test_a_report_printed_and_the_writers_own_firm_are_no_claims() -> None:
    assert ("CONSEQUENCE", "credit") not in _pairs("逾期以后可以先去银行打一份征信看看。")
    assert ("CHANNEL", "third_party") not in _pairs("最近我们律所接到很多网贷逾期的咨询。")
    assert ("CHANNEL", "third_party") in _pairs("逾期三个月后,平台把账委托给了律所。")
