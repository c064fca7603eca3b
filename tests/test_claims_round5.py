"""The mechanisms added in claims-2.4 (issue 12, fifth round), from the 2i dev error classes:
rule checks that follow the ways a disclosure or a retention is said rather than one wording,
denials said in other words (这是不对的, a myth label, 没关系), reassurances, a contrast clause
that rules its own behaviour, a contacts noun as a clause's subject, prison terms and record
deletions as triggers, and dated rules. Sentences are written for these tests, not taken from
the gold sets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.claims.checks import load_rules, parse_rules
from cleaning.claims.lexicon import ClaimDataError
from cleaning.records import ClaimRecord

CHECKS = ClaimConfig()
RULES = Path(__file__).resolve().parents[1] / "cleaning" / "claims" / "rules"


def claims_of(text: str) -> dict[tuple[str, str | None], ClaimRecord]:
    return {(c.type, c.subtype): c for c in reversed(extract_claims(text, CHECKS))}


def flags(text: str) -> set[str]:
    return {str(check["rule_id"]) for c in extract_claims(text, CHECKS) for check in c.checks}


def test_a_disclosure_to_contacts_is_flagged_however_it_is_said() -> None:
    rule = "third-party-contact-limits"
    assert rule in flags("催收给他爸打电话,说他欠了三万块不还。")
    assert rule in flags("催收机构给借款人的亲属发送含有欠款信息的短信。")
    assert rule in flags("催收给我爸妈打电话称我涉嫌诈骗。")
    assert rule in flags("催收把他的欠款截图发到了家族群里。")


def test_contacting_contacts_without_disclosure_or_stating_the_limit_is_not_flagged() -> None:
    rule = "third-party-contact-limits"
    assert rule not in flags("联系不上本人时,催收会给紧急联系人打电话。")
    assert rule not in flags("催收可以联系家人询问下落,但向家人透露欠款金额属于违规行为。")
    assert rule not in flags("催收人员不会向家人透露欠款金额。")


def test_a_retention_other_than_five_years_is_flagged_in_other_words() -> None:
    assert ("CONSEQUENCE", "credit") in claims_of("还清以后过三年记录就自动删除了。")
    assert "credit-record-five-years" in flags("还清以后过三年记录就自动删除了。")
    assert "credit-record-five-years" not in flags("还清以后过五年记录就自动删除了。")
    assert ("CONSEQUENCE", "credit") in claims_of("不良信息自还清之日起保存五年。")


def test_a_prison_term_is_a_criminal_claim_and_checked_against_the_threshold() -> None:
    found = claims_of("他的信用卡欠了3万,去年被判了两年。")
    assert ("CONSEQUENCE", "criminal") in found
    assert "malicious-overdraft-threshold" in flags("他的信用卡欠了3万,去年被判了两年。")
    assert "malicious-overdraft-threshold" not in flags("他的信用卡透支了60万,被判了五年。")


def test_denials_in_other_words() -> None:
    later = claims_of("有人说逾期记录还清后马上删除,这是不对的。")[("CONSEQUENCE", "credit")]
    assert later.polarity == "negative" and later.modality == "reported"
    label = claims_of("误区三:逾期记录过了两年就会删除。")[("CONSEQUENCE", "credit")]
    assert label.polarity == "negative" and not label.checks
    assert claims_of("欠网贷跟坐牢没关系。")[("CONSEQUENCE", "criminal")].polarity == "negative"
    reassured = claims_of("欠几千块钱,不用担心坐牢。")[("CONSEQUENCE", "criminal")]
    assert reassured.polarity == "negative"


def test_a_contrast_clause_rules_its_own_behaviour() -> None:
    found = claims_of("催收可以联系借款人的家人,但向家人透露欠款属于违规行为。")
    assert found[("CHANNEL", "contacts")].modality == "possible"
    assert ("PROHIBITION", "contacts") in found
    # a clause that sums up still rules the clause before it
    assert ("PROHIBITION", "contacts") in claims_of("催收联系借款人的家人,这属于违规行为。")


def test_a_colleague_opening_a_clause_is_its_subject_not_someone_contacted() -> None:
    assert ("CHANNEL", "contacts") not in claims_of("我同事网贷欠了两万,被起诉了。")
    assert ("CHANNEL", "contacts") in claims_of("我同事都接到了催收的电话。")


def test_every_builtin_rule_is_dated_and_bad_dates_are_refused() -> None:
    raw = yaml.safe_load((RULES / "claim_rules.yaml").read_text("utf-8"))["rules"]
    assert len(raw) == len(load_rules())
    assert all(str(rule["date"]).startswith(str(rule["year"])) for rule in raw)
    bad = "rules:\n  - {id: r, source: s, kind: law, year: 2020, message: m, date: '2019-01-01'}\n"
    with pytest.raises(ClaimDataError, match="date must be"):
        parse_rules(bad, "bad.yaml")


def test_a_trigger_that_modifies_a_threshold_gives_way_to_the_clause_head() -> None:
    claim = claims_of("欠款两万元,达不到恶意透支的立案标准,不会坐牢。")[("CONSEQUENCE", "criminal")]
    assert claim.trigger == "坐牢" and claim.modality == "certain"
    assert claim.polarity == "negative"


def test_an_overdraft_filed_as_a_case_and_an_outdated_saying() -> None:
    found = claims_of("有人说透支八千就立案。")
    assert ("CONSEQUENCE", "criminal") in found and ("CHANNEL", "legal") not in found
    assert "malicious-overdraft-threshold" in flags("有人说透支八千元就立案。")
    old = claims_of("有人说透支八千元就立案,那是以前的老标准。")[("CONSEQUENCE", "criminal")]
    assert old.polarity == "negative" and not old.checks
