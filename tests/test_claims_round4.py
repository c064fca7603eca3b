"""The mechanisms added in claims-2.3 (issue 12, fourth round): advice that advises nothing has
no object, a word the trigger opens with is not its modality, a saying denied without quotes or
in a later clause, X本身 as a topic, and the vocabulary from the 2g dev file (报案, 执业信息,
逾期时间较长, 辞退, 逾期的记录, calls to 我爸/我妈, 可信). Sentences are written for these
tests, not taken from the gold sets."""

from __future__ import annotations

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.records import ClaimRecord

CHECKS = ClaimConfig()


def claims_of(text: str) -> dict[tuple[str, str | None], ClaimRecord]:
    return {(c.type, c.subtype): c for c in reversed(extract_claims(text, CHECKS))}


def test_a_consequence_after_advice_that_advises_nothing_stays_a_claim() -> None:
    found = claims_of("听说欠款超过两万元,银行就可以报警抓人。")
    assert ("CONSEQUENCE", "criminal") in found
    assert ("ADVICE", "complain") not in found
    # advice to the reader still takes the consequence as its object (申请减免罚息)
    assert ("CONSEQUENCE", "fees") not in claims_of("可以向银行申请减免罚息。")


def test_a_word_the_trigger_opens_with_is_not_its_modality() -> None:
    claim = claims_of("成了失信被执行人以后,不能坐飞机。")[("CONSEQUENCE", "court_sanction")]
    assert claim.modality != "prohibition"
    # a hedge inside a longer trigger still counts (子女可能无法就读)
    hedged = claims_of("父母成了老赖,子女可能无法就读私立学校。")[("CONSEQUENCE", "social")]
    assert hedged.modality == "possible"


def test_a_saying_denied_without_quotes_is_negative() -> None:
    claim = claims_of("逾期一天就会坐牢的说法并不可信。")[("CONSEQUENCE", "criminal")]
    assert claim.polarity == "negative" and claim.modality != "possible"
    assert claims_of("逾期一天就会坐牢。")[("CONSEQUENCE", "criminal")].polarity == "positive"


def test_a_claim_denied_in_a_later_clause_is_negative_and_not_flagged() -> None:
    claim = claims_of("有网友说,网贷逾期的记录会永久保留,这是假的。")[("CONSEQUENCE", "credit")]
    assert claim.polarity == "negative" and not claim.checks
    kept = claims_of("有网友说,网贷逾期的记录会永久保留。")[("CONSEQUENCE", "credit")]
    assert [c["rule_id"] for c in kept.checks] == ["credit-record-five-years"]


def test_x_itself_is_a_topic() -> None:
    assert ("CHANNEL", "legal") not in claims_of("催收短信里的律师函本身并没有什么效力。")
    assert ("CHANNEL", "legal") in claims_of("平台会先发律师函。")


def test_vocabulary_of_the_fourth_round() -> None:
    assert ("ADVICE", "complain") in claims_of("遇到暴力催收,建议及时报案。")
    assert ("ADVICE", "verify") in claims_of("可以在司法局网站核实律师的执业证号。")
    assert ("TIMING", "severe") in claims_of("逾期时间过长的,平台会起诉。")
    assert ("CONSEQUENCE", "social") in claims_of("公司可能会因此辞退他。")
    assert ("CHANNEL", "contacts") in claims_of("催收昨天打电话给他妈。")


def test_a_limit_on_how_often_and_a_named_bombing_are_harassment_rules() -> None:
    found = claims_of("催收人员每周联系借款人的次数不得超过10次。")
    assert ("PROHIBITION", "harassment") in found and ("CHANNEL", "phone") not in found
    assert ("PROHIBITION", "harassment") in claims_of("一天发几十条短信,属于短信轰炸。")


def test_advice_words_in_a_narrated_act_or_before_yihou_advise_nothing() -> None:
    assert ("ADVICE", "evidence") not in claims_of("后来我把通话录音都整理好了,寄给了监管部门。")
    assert ("ADVICE", "complain") not in claims_of("投诉以后,平台一般会在三天内回复。")
    assert ("ADVICE", "complain") in claims_of("遇到这种情况,可以先留证据后报警。")


def test_fresh_2h_dev_mechanisms() -> None:
    # 不准确 holds 不准 but forbids nothing
    assert ("PROHIBITION", "contacts") not in claims_of("有人说逾期就会爆通讯录,这种说法不准确。")
    # 有的说法是… reports; …,这是错误的 denies it
    claim = claims_of("有的说法是逾期记录要保存十年,这是错误的。")[("CONSEQUENCE", "credit")]
    assert claim.modality == "reported" and claim.polarity == "negative" and not claim.checks
    # 达不到 / 不到 negate
    denied = claims_of("欠款2万元达不到恶意透支的标准。")[("CONSEQUENCE", "criminal")]
    assert denied.polarity == "negative" and not denied.checks
    # a caller telling the borrower's kin about the debt after the call
    told = claims_of("催收给我爸打电话,说我欠了网贷不还。")[("CHANNEL", "contacts")]
    assert [c["rule_id"] for c in told.checks] == ["third-party-contact-limits"]
    assert ("PROHIBITION", "violence") in claims_of("催收人员不得在借款人家门口喷漆。")
