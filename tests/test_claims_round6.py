"""The mechanisms added in claims-2.5 (issue 12, sixth round), from the 2j, 2k and 2c dev error
classes: channel look-alikes (the borrower's own messages, payment notices, a reporter's call,
fraudsters' texts, a lawyer the borrower hires), contacts reached in other words, a possessor
after 影响, practices said to be policed, and rule checks that follow how a window, a record
still there, a paid deletion or a left-out debt is said. Sentences are written for these tests,
not taken from the gold sets."""

from __future__ import annotations

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.records import ClaimRecord

CHECKS = ClaimConfig()


def claims_of(text: str) -> dict[tuple[str, str | None], ClaimRecord]:
    return {(c.type, c.subtype): c for c in reversed(extract_claims(text, CHECKS))}


def flags(text: str) -> set[str]:
    return {str(check["rule_id"]) for c in extract_claims(text, CHECKS) for check in c.checks}


def test_channel_words_in_other_senses_claim_no_channel() -> None:
    for text in (
        "用户还可以给平台发邮件,说明还款困难。",
        "关注银行的微信公众号也能还款。",
        "扣款成功以后,系统会推送一条短信。",
        "有记者致电该平台,对方没有回应。",
        "骗子常常冒充银行客服发送“额度冻结”之类的短信。",
        "不少借款人会委托律所帮忙谈还款,这和催收无关。",
        "平台的客服打电话来道歉了。",
    ):
        assert not [c for c in extract_claims(text, CHECKS) if c.type == "CHANNEL"], text


def test_what_is_checked_or_policed_or_kept_as_evidence_is_no_claim() -> None:
    assert ("CHANNEL", "legal") not in claims_of("可以先打电话给法院,核实是否真的被起诉了。")
    assert ("CHANNEL", "contacts") not in claims_of("爆通讯录现在管得很严,很少见了。")
    assert ("CHANNEL", "phone") not in claims_of("夜里十一点打来的催收电话全部录音。")
    assert ("CHANNEL", "legal") not in claims_of("律师函不是判决书,不用太紧张。")


def test_contacts_reached_in_other_words() -> None:
    assert ("CHANNEL", "contacts") in claims_of("催收员给他们部门主管打了电话。")
    assert ("CHANNEL", "contacts") in claims_of("昨天催收打到了他老家的座机。")
    assert ("CHANNEL", "contacts") in claims_of("有人在他的朋友圈下面留言催他还钱。")
    found = claims_of("我爸说,对方在电话里问他知不知道我在哪。")
    assert ("CHANNEL", "contacts") in found and ("CHANNEL", "phone") not in found
    assert ("CHANNEL", "contacts") not in claims_of("我们公司一个同事网贷逾期了半年。")
    assert ("CHANNEL", "contacts") not in claims_of("紧急联系人可以直接向平台投诉。")


def test_the_lender_going_to_the_police_is_criminal_and_an_accusation_no_sanction() -> None:
    assert ("CONSEQUENCE", "criminal") in claims_of("催收说再不还,平台就去报案。")
    assert ("CONSEQUENCE", "court_sanction") not in claims_of("催收在群里称他是个老赖。")
    assert ("CONSEQUENCE", "civil") not in claims_of("被执行人名下没有财产。")


def test_a_negation_reaches_a_possessed_trigger_through_affecting() -> None:
    assert claims_of("网贷逾期不会影响兄弟姐妹的征信。")[("CONSEQUENCE", "credit")].polarity == (
        "negative"
    )
    assert claims_of("逾期会影响你的征信。")[("CONSEQUENCE", "credit")].polarity == "positive"


def test_retention_flags_follow_what_is_said() -> None:
    rule = "credit-record-five-years"
    assert rule in flags("逾期记录会一直跟着你,怎么都洗不掉。")
    assert rule in flags("中介称,付两千元就能把征信上的逾期删掉。")
    assert rule not in flags("银行放贷主要看征信上近两年的记录。")
    assert rule not in flags("结清两年后征信记录还在,这很正常。")
    assert rule not in flags("逾期记录不可能花钱删除。")


def test_disclosure_and_overdraft_flags_follow_what_is_said() -> None:
    assert "third-party-contact-limits" not in flags(
        "平台给紧急联系人打电话时没提欠款的事,只说有急事。"
    )
    assert "malicious-overdraft-threshold" in flags(
        "持卡人欠款超过一万元不还,银行就会报案,要坐牢。"
    )


def test_an_act_defined_in_a_legal_clause_takes_the_ruling_clause_modality() -> None:
    found = claims_of("催收人员以跟踪、滋扰等方式催讨的,可能构成寻衅滋事罪。")
    assert found[("PROHIBITION", "harassment")].modality == "possible"
