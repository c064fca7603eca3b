"""The mechanisms of claims-2.8 (issue 12, ninth round): calls and visits named by the service
they give, the sentence of a collector's or a fraudster's crime, a record kept with its degree
words (sentences written for the tests, not taken from a gold file)."""

from __future__ import annotations

from cleaning.claims import extract_claims
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
