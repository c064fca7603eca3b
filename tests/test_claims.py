"""Claim extraction on the seeds and on hard cases; checks and their switches."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaning.claims import RULE_VERSION, ClaimConfig, ClaimDataError, extract_claims, with_claims
from cleaning.claims.checks import load_rules
from cleaning.claims.numbers import days_in, parse_number
from cleaning.errors import DebtcorpusError
from cleaning.records import ArticleRecord, ClaimRecord
from corpus.claim_settings import CHECKS_ENV, RULES_ENV, claim_config_from_env
from tests.conftest import SEEDS

NO_CHECKS = ClaimConfig(checks=False)


def claims_of(
    text: str, config: ClaimConfig = NO_CHECKS
) -> dict[tuple[str, str | None], ClaimRecord]:
    return {(c.type, c.subtype): c for c in reversed(extract_claims(text, config))}


@pytest.fixture(scope="module")
def seed_claims() -> tuple[str, tuple[ClaimRecord, ...]]:
    text = (Path(SEEDS) / "000_fb470261d9106be1.txt").read_text("utf-8")
    return text, extract_claims(text, NO_CHECKS)


def test_seed_home_visit_claim(seed_claims: tuple[str, tuple[ClaimRecord, ...]]) -> None:
    text, claims = seed_claims
    sentence = "在一些严重逾期的情况下,微粒贷的催收人员可能会选择上门催收。"
    visit = [c for c in claims if c.sentence == sentence and c.type == "CHANNEL"]
    assert len(visit) == 1
    claim = visit[0]
    assert (claim.subtype, claim.lender, claim.lender_raw) == ("visit", "微众银行", "微粒贷")
    assert claim.severe and claim.conditions["severe"] is True
    assert claim.modality == "possible" and claim.polarity == "positive"
    assert text[claim.start : claim.end] == sentence
    assert claim.rule_version == RULE_VERSION


def test_seed_violence_sentence_is_a_prohibition(
    seed_claims: tuple[str, tuple[ClaimRecord, ...]],
) -> None:
    _, claims = seed_claims
    found = [c for c in claims if "暴力或威胁手段" in c.sentence and c.type == "PROHIBITION"]
    assert [(c.subtype, c.modality) for c in found] == [("violence", "prohibition")]


def test_every_claim_points_at_its_sentence(
    seed_claims: tuple[str, tuple[ClaimRecord, ...]],
) -> None:
    text, claims = seed_claims
    assert claims
    assert all(text[c.start : c.end] == c.sentence for c in claims)


@pytest.mark.parametrize(
    ("sentence", "polarity"),
    [
        ("欠信用卡不还一般不会直接判刑。", "partial"),
        ("网贷逾期不会判刑。", "negative"),
        ("信用卡逾期不一定会坐牢。", "partial"),
        ("不还款就会坐牢。", "positive"),
        ("逾期后征信会留下不良记录。", "positive"),
    ],
)
def test_negation_scope(sentence: str, polarity: str) -> None:
    (claim,) = [c for c in extract_claims(sentence, NO_CHECKS) if c.type == "CONSEQUENCE"]
    assert claim.polarity == polarity


def test_cannot_is_a_prohibition_only_for_collectors() -> None:
    collector = claims_of("催收人员不能泄露借款人的隐私。")
    assert collector[("PROHIBITION", "privacy")].modality == "prohibition"
    borrower = claims_of("借款人不能按时还款时,银行会通过电话联系本人。")
    assert ("PROHIBITION", "privacy") not in borrower
    assert borrower[("CHANNEL", "phone")].modality == "certain"


@pytest.mark.parametrize(
    ("sentence", "lender"),
    [
        ("借呗逾期会上征信。", "蚂蚁"),
        ("京东金条逾期会上征信。", "京东科技"),
        ("招商银行信用卡逾期会上征信。", "招商银行"),
        ("安逸花逾期会上征信。", "马上消费金融"),
        ("微众信科逾期会上征信。", "微众信科"),
        ("中国银行业协会说逾期会上征信。", None),
        ("随星借逾期会上征信。", None),
    ],
)
def test_lender_gazetteer(sentence: str, lender: str | None) -> None:
    assert claims_of(sentence)[("CONSEQUENCE", "credit")].lender == lender


def test_lender_comes_from_an_earlier_sentence_of_the_same_paragraph_only() -> None:
    text = "很多人在度小满借钱。逾期后会被起诉。\n逾期后会上征信。"
    claims = extract_claims(text, NO_CHECKS)
    assert {c.type: c.lender for c in claims if "起诉" in c.sentence}["CONSEQUENCE"] == "度小满"
    assert [c.lender for c in claims if "征信" in c.sentence] == [None]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("逾期3天", (3, None)),
        ("逾期第十五天", (15, None)),
        ("超过90天", (90, None)),
        ("逾期两个月以上", (60, None)),
        ("逾期1-30天", (1, 30)),
        ("逾期半年", (180, None)),
        ("M3以后", (90, None)),
        ("M1-M2", (30, 60)),
    ],
)
def test_days_are_normalised(text: str, days: tuple[int, int | None]) -> None:
    assert days_in(text) == days


def test_chinese_numerals() -> None:
    assert [parse_number(n) for n in ("十五", "一百八十", "两", "三十五", "９０")] == [
        15.0,
        180.0,
        2.0,
        35.0,
        90.0,
    ]


def test_timing_claim_has_days_and_event() -> None:
    claims = claims_of("美团借钱逾期三天就会上征信。")
    assert claims[("TIMING", "days")].days_overdue == 3
    assert claims[("CONSEQUENCE", "credit")].conditions["days_overdue"] == 3
    assert ("TIMING", "days") not in claims_of("我已经逾期三天了。")


def test_questions_and_headings_make_no_claims() -> None:
    assert extract_claims("网贷逾期会被起诉吗？", NO_CHECKS) == ()
    assert extract_claims("3.上门催收\n", NO_CHECKS) == ()


def test_citation_of_a_law_that_does_not_exist_is_flagged() -> None:
    claims = claims_of("根据《催收管理条例》规定,催收公司不得上门。", ClaimConfig())
    citation = claims[("CITATION", "regulation")]
    assert citation.cited_law == "催收管理条例"
    assert [c["rule_id"] for c in citation.checks] == ["no-national-collection-regulation"]


def test_outdated_overdraft_threshold_is_flagged_and_current_one_is_not() -> None:
    old = claims_of("恶意透支信用卡1万元以上就会被判刑。", ClaimConfig())[
        ("CONSEQUENCE", "criminal")
    ]
    assert old.amount == 10000
    assert [(c["rule_id"], c["year"]) for c in old.checks] == [
        ("malicious-overdraft-threshold", 2018)
    ]
    new = claims_of("恶意透支5万元以上的,可能会被判刑。", ClaimConfig())[
        ("CONSEQUENCE", "criminal")
    ]
    assert new.checks == ()


def test_credit_record_retention_rule() -> None:
    wrong = claims_of("不良记录会永久保留,一辈子都消不掉。", ClaimConfig())[
        ("CONSEQUENCE", "credit")
    ]
    right = claims_of("不良记录保存5年后删除。", ClaimConfig())[("CONSEQUENCE", "credit")]
    assert [c["rule_id"] for c in wrong.checks] == ["credit-record-five-years"]
    assert right.checks == ()


def test_checks_switch_off_by_parameter_and_env() -> None:
    sentence = "根据《催收管理条例》规定,催收公司不得上门。"
    assert claims_of(sentence, ClaimConfig(checks=False))[("CITATION", "regulation")].checks == ()
    config = claim_config_from_env({CHECKS_ENV: "off"})
    assert config.checks is False
    assert all(not c.checks for c in extract_claims(sentence, config))


ROBOT_RULE = (
    "rules:\n  - id: no-robots\n    source: 我的研究\n    kind: convention\n    year: 2025\n"
    "    message: 机器人外呼要标注\n    when:\n      types: [CHANNEL]\n"
    "      sentence_matches: ['语音机器人']\n"
)


def test_extra_rule_file_from_env(tmp_path: Path) -> None:
    rules = tmp_path / "mine.yaml"
    rules.write_text(ROBOT_RULE, "utf-8")
    config = claim_config_from_env({RULES_ENV: str(rules)})
    (claim,) = extract_claims("部分平台会使用语音机器人外呼。", config)
    assert claim.checks == (
        {
            "rule_id": "no-robots",
            "source": "我的研究",
            "kind": "convention",
            "year": 2025,
            "message": "机器人外呼要标注",
        },
    )


def test_missing_rule_file_is_a_project_error(tmp_path: Path) -> None:
    with pytest.raises(DebtcorpusError, match="does not exist"):
        claim_config_from_env({RULES_ENV: str(tmp_path / "none.yaml")})
    with pytest.raises(DebtcorpusError, match="does not exist"):
        load_rules((str(tmp_path / "none.yaml"),))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("    when: {colour: red}\n", "unknown rule condition 'colour'"),
        ("    when: {sentence_matches: ['(']}\n", "bad regular expression"),
    ],
)
def test_bad_rule_file_says_what_is_wrong(tmp_path: Path, body: str, message: str) -> None:
    rules = tmp_path / "bad.yaml"
    head = "rules:\n  - id: x\n    source: s\n    kind: law\n    year: 1\n    message: m\n"
    rules.write_text(head + body, "utf-8")
    with pytest.raises(ClaimDataError, match=message):
        load_rules((str(rules),))


def test_every_builtin_rule_names_its_source_kind_and_year() -> None:
    for compiled in load_rules():
        rule = compiled.rule
        assert rule.source and rule.kind and 1979 <= rule.year <= 2026 and rule.message


def test_with_claims_sets_rule_version() -> None:
    article = ArticleRecord(
        url="u", title=None, text="逾期会上征信。", extractor="x", extractor_version="1"
    )
    result = with_claims(article, NO_CHECKS)
    assert result.claim_rule_version == RULE_VERSION
    assert [c.subtype for c in result.claims] == ["credit"]


# Lexicon and rule data per rule version. When a data file changes, bump RULE_VERSION in
# cleaning/claims/extract.py and add its digest here (cleaning.claims.data_digest()).
PINNED_DATA = {
    "claims-1.0": "7baad9ecf5840482716f56d7f302d4944a8da722e3761c2b4f5151ea1f657308",
    "claims-2.0": "85df7eddb9b42abb0d6083a745d4e1a4dd4f39c59a6a2b02d7bc85a328b1a3ac",
    "claims-2.1": "ad03d97bb6e328de8081a8e045c6051616bf5b9e725f6cf29cad8f1a491fbcab",
    "claims-2.2": "fe665c685dbc01eff425be40086643be33ceb88535ab377a396a6ef369cf1da9",
    "claims-2.3": "92ccc7911354e138ec4667da057308598f034fbfa6164357f7188100ec9ee9b0",
    "claims-2.4": "b046a175fe8d5005c50a81b6349a3fa5d614e2597920df2509c5531901f0cd45",
    "claims-2.5": "4cf71037f9bfa2a195b0274a90c79976896214844348f01475f53ca2ffc7775d",
    "claims-2.6": "1ea633070f5cba3445dbe4a22306ee4428b91d949ade2e3ee1fcffd2ab142d33",
    "claims-2.7": "ee71cb19d8deeaa864a88b5577a9444ffca27d1211d87ba318f76c09db3d6837",
    "claims-2.8": "962c66624e0545869c976fca8c13cd0a8b0d043ca0328a9c350bb15e7e284399",
}


def test_rule_version_is_bumped_when_lexicons_change() -> None:
    from cleaning.claims import data_digest

    assert PINNED_DATA.get(RULE_VERSION) == data_digest(), (
        "claim lexicons or rules changed: bump RULE_VERSION and pin the new data_digest()"
    )
