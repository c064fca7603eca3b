"""The general mechanisms behind claims: clause roles, modality, negation scope, number roles,
actors, checks, vocabulary and the topic gate, each on sentences written the way articles
write them (not the gold sentences)."""

from __future__ import annotations

import pytest

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.claims.numbers import amount_in, days_in
from cleaning.claims.sentences import split_sentences
from cleaning.records import ClaimRecord

CHECKS = ClaimConfig()


def claims_of(text: str, title: str | None = None) -> dict[tuple[str, str | None], ClaimRecord]:
    return {(c.type, c.subtype): c for c in reversed(extract_claims(text, CHECKS, title))}


def kinds(text: str) -> set[tuple[str, str | None]]:
    return set(claims_of(text))


def flags(text: str) -> set[str]:
    return {check["rule_id"] for c in extract_claims(text, CHECKS) for check in c.checks}


def test_a_clock_time_colon_splits_nothing() -> None:
    (sentence,) = split_sentences("催收人员21:30给我打电话,说要上门。")
    assert [clause.text for clause in sentence.clauses] == [
        "催收人员21:30给我打电话,",
        "说要上门。",
    ]
    assert flags("催收人员21:30给我打电话,说要上门。") == set()
    assert flags("催收人员23:30还在给我打电话。") == {"night-contact-nifa-2024"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("如果你的联系人被打电话,可以投诉。", {("ADVICE", "complain")}),
        ("当接到催收电话时,首先核实对方身份。", {("ADVICE", "verify")}),
        ("如果在晚上十点以后接到催收电话,建议全程录音。", {("ADVICE", "evidence")}),
    ],
)
def test_the_condition_of_advice_claims_no_practice(
    text: str, expected: set[tuple[str, str]]
) -> None:
    assert kinds(text) == expected
    assert flags(text) == set()


def test_the_condition_of_a_claim_stays_a_claim() -> None:
    found = claims_of("如果逾期超过30天,平台会上报征信。")
    assert found[("TIMING", "days")].days_overdue == 30
    assert found[("CONSEQUENCE", "credit")].modality == "conditional"
    assert found[("CONSEQUENCE", "credit")].conditions["if"] == "如果逾期超过30天,"


def test_questions_inside_a_sentence_claim_nothing() -> None:
    assert kinds("至于会不会上门,要看逾期金额。") == set()
    assert kinds("很多人问逾期会不会坐牢?") == set()


@pytest.mark.parametrize(
    "text",
    [
        "催收员称下周就要起诉我。",
        "有借款人反映,逾期后接到了上门通知。",
        "对方打来电话,扬言要上门。",
    ],
)
def test_hearsay_is_reported(text: str) -> None:
    found = [c for c in extract_claims(text, CHECKS) if c.type == "CHANNEL"]
    assert found and {c.modality for c in found} == {"reported"}


@pytest.mark.parametrize(
    ("text", "key", "modality"),
    [
        ("逾期90天大概率会被起诉。", ("CHANNEL", "legal"), "possible"),
        ("逾期三个月八成会被起诉。", ("CHANNEL", "legal"), "possible"),
        ("建议尽快与银行协商还款。", ("ADVICE", "negotiate"), "obligation"),
        ("务必保留证据。", ("ADVICE", "evidence"), "obligation"),
        ("遇到暴力催收一定要报警。", ("ADVICE", "complain"), "obligation"),
        ("再不还款就起诉你。", ("CHANNEL", "legal"), "conditional"),
        ("需要说明的是,逾期会上征信。", ("CONSEQUENCE", "credit"), "certain"),
        ("平台会上门核实情况,这并不可怕。", ("CHANNEL", "visit"), "certain"),
    ],
)
def test_modality_words(text: str, key: tuple[str, str], modality: str) -> None:
    assert claims_of(text)[key].modality == modality


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        ("欠款1万元不还就会坐牢。", "positive"),
        ("信用卡不还会坐牢。", "positive"),
        ("信用卡逾期不会坐牢。", "negative"),
        ("逾期不一定会被起诉。", "partial"),
    ],
)
def test_negation_scope_ends_where_the_consequence_begins(text: str, polarity: str) -> None:
    (claim,) = [c for c in extract_claims(text, CHECKS) if c.type == "CONSEQUENCE"]
    assert claim.polarity == polarity


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("征信保留5年,逾期3天就会上报", (3, None)),
        ("判处3年有期徒刑", (None, None)),
        ("处五年以下有期徒刑", (None, None)),
        ("一天内打了十几个电话", (None, None)),
        ("平台会在3个工作日内回复", (None, None)),
        ("5年后逾期记录会自动消除", (None, None)),
        ("逾期90天后,记录保留5年", (90, None)),
        ("逾期30天以内不会联系单位", (30, None)),
        ("逾期两个多月后", (60, None)),
    ],
)
def test_periods_are_days_overdue_only_in_that_role(
    text: str, days: tuple[int | None, None]
) -> None:
    assert days_in(text) == days


def test_a_period_in_another_role_makes_no_timing_claim() -> None:
    assert ("TIMING", "days") not in kinds("催收一天内打了十几个电话。")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("恶意透支的起刑点从1万元提高到5万元", 50000),
        ("以前是1万元,现在是5万元", 50000),
        ("1万元是旧标准,欠款3万元", 30000),
        ("判处有期徒刑两年,并处罚金人民币1万元", None),
    ],
)
def test_the_current_amount_wins(text: str, amount: float | None) -> None:
    assert amount_in(text) == amount


def test_a_prohibition_stays_on_the_collector() -> None:
    found = claims_of("催收人员对借款人不能使用暴力。")
    assert found[("PROHIBITION", "violence")].modality == "prohibition"
    assert ("PROHIBITION", "violence") not in kinds("借款人不能按时还款时,银行会打电话。")
    assert ("PROHIBITION", "privacy") not in kinds("不要轻信中介,这些机构可能泄露个人信息。")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "根据《中华人民共和国催收管理条例》,催收员必须出示工牌。",
            {"no-national-collection-regulation"},
        ),
        ("国家并没有出台《催收管理条例》。", set()),
        ("所谓的《催收管理条例》并不存在。", set()),
        ("欠信用卡1万元不还就会坐牢。", {"malicious-overdraft-threshold"}),
        ("信用卡欠款3万元不还不会坐牢。", set()),
        ("恶意透支5万元以上的,可能会被判刑。", set()),
        ("催收会把欠款的事告诉你通讯录里的所有人。", {"third-party-contact-limits"}),
        ("逾期后平台会爆通讯录,群发短信给亲友。", {"third-party-contact-limits"}),
        ("联系不上本人时,催收会联系紧急联系人。", set()),
        ("催收不得向紧急联系人透露欠款信息。", set()),
    ],
)
def test_rule_checks(text: str, expected: set[str]) -> None:
    assert flags(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("逾期后京东金融APP会每天发送消息提醒。", ("CHANNEL", "sms")),
        ("逾期超过90天,平台会走法律程序。", ("CHANNEL", "legal")),
        ("催收公司会联系借款人的亲戚。", ("CHANNEL", "contacts")),
        ("借款人被起诉后需要出庭。", ("CHANNEL", "legal")),
        ("拒不还款可能构成拒执罪。", ("CONSEQUENCE", "criminal")),
    ],
)
def test_vocabulary(text: str, key: tuple[str, str]) -> None:
    assert key in kinds(text)


def test_lenders_by_platform_and_from_the_title() -> None:
    assert claims_of("支付宝会每天发送消息提醒。")[("CHANNEL", "sms")].lender == "蚂蚁"
    found = claims_of("平台会在逾期后联系紧急联系人。", title="借呗逾期多久会打电话给家人")
    assert found[("CHANNEL", "contacts")].lender == "蚂蚁"
    assert (
        claims_of("逾期后会联系紧急联系人。", title="借呗逾期")[("CHANNEL", "contacts")].lender
        is None
    )


def test_off_topic_articles_keep_only_their_citations() -> None:
    text = (
        "柯达公司宣布已经起诉苹果和HTC专利侵权,要求法院判决赔偿。"
        "根据美国《破产法》第11章,公司可以申请破产保护。"
    ) * 4
    assert {c.type for c in extract_claims(text, CHECKS)} == {"CITATION"}
    assert "CHANNEL" in {c.type for c in extract_claims(text, ClaimConfig(topic_gate=0))}


def test_definitions_claim_nothing() -> None:
    assert kinds("这就是俗称的“爆通讯录”。") == set()
