"""Date expressions: absolute, odd and relative forms, resolved against the fetch time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cleaning.metadata.date_forms import (
    DAY,
    MINUTE,
    MONTH,
    find_dates,
    may_hold_date,
    parse_machine_date,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2025-05-20 11:00 in Shanghai
FETCHED = datetime(2025, 5, 20, 3, 0, tzinfo=UTC)


def only(text: str) -> datetime:
    found = find_dates(text, FETCHED)
    assert len(found) == 1, found
    return found[0].value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-12-10", datetime(2024, 12, 10, tzinfo=SHANGHAI)),
        ("上一篇 2024年12月10日", datetime(2024, 12, 10, tzinfo=SHANGHAI)),
        ("2025 03/ 20 18:19:18", datetime(2025, 3, 20, 18, 19, 18, tzinfo=SHANGHAI)),
        ("工商银行 2023-12-28 01:08:58", datetime(2023, 12, 28, 1, 8, 58, tzinfo=SHANGHAI)),
        ("2005年3月11日12:12 来源：", datetime(2005, 3, 11, 12, 12, tzinfo=SHANGHAI)),
        ("2022.01.20 16:31", datetime(2022, 1, 20, 16, 31, tzinfo=SHANGHAI)),
        (
            "发布时间 2005/05/17 22:11:42 by duscha",
            datetime(2005, 5, 17, 22, 11, 42, tzinfo=SHANGHAI),
        ),
        ("发表于2005年09月07日 11:57 PM", datetime(2005, 9, 7, 23, 57, tzinfo=SHANGHAI)),
        ("发布日期： 7/5/2005 9:23:57 PM", datetime(2005, 7, 5, 21, 23, 57, tzinfo=SHANGHAI)),
    ],
)
def test_absolute_forms(text: str, expected: datetime) -> None:
    assert only(text) == expected


def test_year_month_form_has_month_precision() -> None:
    found = find_dates("——《北京之春》1998年3月号", FETCHED)
    assert [(m.value.date().isoformat(), m.precision) for m in found] == [("1998-03-01", MONTH)]


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("3天前", datetime(2025, 5, 17, 11, 0, tzinfo=SHANGHAI), DAY),
        ("5分钟前", datetime(2025, 5, 20, 10, 55, tzinfo=SHANGHAI), MINUTE),
        ("2小时前", datetime(2025, 5, 20, 9, 0, tzinfo=SHANGHAI), MINUTE),
        ("刚刚", datetime(2025, 5, 20, 11, 0, tzinfo=SHANGHAI), MINUTE),
        ("昨天 12:30", datetime(2025, 5, 19, 12, 30, tzinfo=SHANGHAI), MINUTE),
        ("前天 08:05", datetime(2025, 5, 18, 8, 5, tzinfo=SHANGHAI), MINUTE),
        # the explicit month-day wins; the year comes from the fetch time minus ~4 months
        ("合飞律师4个月前 (01-09)金融债务5", datetime(2025, 1, 9, tzinfo=SHANGHAI), DAY),
    ],
)
def test_relative_forms(text: str, expected: datetime, precision: str) -> None:
    found = find_dates(text, FETCHED)
    assert [(m.value, m.precision, m.relative) for m in found] == [(expected, precision, True)]


def test_month_day_across_new_year_takes_previous_year() -> None:
    fetched = datetime(2025, 2, 1, tzinfo=UTC)
    found = find_dates("4个月前 (10-09)", fetched)
    assert found[0].value == datetime(2024, 10, 9, tzinfo=SHANGHAI)


def test_month_day_with_time_takes_latest_past_year() -> None:
    found = find_dates("【芊草凡凡】08-15 14:16", FETCHED)
    assert found[0].value == datetime(2024, 8, 15, 14, 16, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text", ["2026-01-01", "2025-05-21", "1994-12-31", "1990年1月1日"])
def test_future_and_pre_1995_dates_are_rejected(text: str) -> None:
    assert find_dates(text, FETCHED) == []


@pytest.mark.parametrize(
    "text",
    [
        "今天的中国",
        "刚刚发布的规定",
        "DOI 10.12677/MOM.2018.82002",
        "1/2/3",
        "3-5天内",
        "历史始于5000年前文字的发明",
    ],
)
def test_prose_and_numbers_are_not_dates(text: str) -> None:
    assert find_dates(text, FETCHED) == []


def test_machine_values_keep_their_offset_and_default_to_shanghai() -> None:
    utc = parse_machine_date("2024-01-02T03:04:05Z", FETCHED)
    naive = parse_machine_date("2020-11-26 08:04", FETCHED)
    chinese = parse_machine_date("2022年02月13日", FETCHED)
    assert utc is not None and utc.value == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert naive is not None and naive.value == datetime(2020, 11, 26, 8, 4, tzinfo=SHANGHAI)
    assert chinese is not None and chinese.value.date().isoformat() == "2022-02-13"
    assert parse_machine_date("2030-01-01", FETCHED) is None


def test_every_date_form_passes_the_cheap_prefilter() -> None:
    """metadata skips lines that `may_hold_date` rules out: it must never rule out a date
    that `find_dates` reads (a new form needs its shape added there)."""
    examples = [
        "2024-12-10",
        "上一篇 2024年12月10日",
        "2025 03/ 20 18:19:18",
        "2022.01.20 16:31",
        "发布日期： 7/5/2005 9:23:57 PM",
        "——《北京之春》1998年3月号",
        "3天前",
        "5分钟前",
        "2小时前",
        "刚刚",
        "昨天 12:30",
        "前天 08:05",
        "合飞律师4个月前 (01-09)金融债务5",
        "5月6日",
        "05-06 12:30",
        "2 个月前",
    ]
    for text in examples:
        assert find_dates(text, FETCHED), text
        assert may_hold_date(text), text
    assert not may_hold_date("催收电话一天打了十几个")
