"""Date expressions in Chinese web text: absolute, partial and relative forms.

Pure string functions: `find_dates` lists every date expression in a piece of text with
its offsets, its value (tz-aware) and its precision; `parse_machine_date` reads the
values of meta tags, JSON-LD and <time datetime>. Relative forms (3天前, 昨天 12:30,
4个月前 (01-09)) are resolved against the fetch time. Naive times are taken to be
Asia/Shanghai; a naive fetch time is taken to be UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta

SHANGHAI = ZoneInfo("Asia/Shanghai")
EARLIEST_YEAR = 1995

# precision of a found date, coarse to fine
YEAR, MONTH, DAY, MINUTE = "year", "month", "day", "minute"

_CLOCK = (
    r"\s*(?:T|&nbsp;)?\s*(?P<H>[01]?\d|2[0-3])\s*[:：点时]\s*(?P<M>[0-5]\d)"
    r"(?:\s*[:：分]\s*(?P<S>[0-5]\d))?(?:\.\d+)?(?:\s*(?P<ampm>[AaPp][Mm]))?"
)
_TIME = f"(?:{_CLOCK})?"
_CJK = "\u3400-\u9fff"
# US order as ASP/IIS pages print it: 7/5/2005 9:23:57 PM
_US = re.compile(
    r"(?<![\d/])(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])/(?P<y>(?:19|20)\d{2})(?![\d/])"
    + _TIME
)
_FULL = re.compile(
    r"(?<![\d.])(?P<y>(?:19|20)\d{2})\s*(?:[-/.年]\s*|\s+)(?P<m>1[0-2]|0?[1-9])\s*[-/.月]\s*"
    r"(?P<d>3[01]|[12]\d|0?[1-9])(?:\s*[日号]|(?![\d.]\d))" + _TIME
)
_COMPACT = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>1[0-2]|0[1-9])(?P<d>3[01]|[12]\d|0[1-9])(?!\d)"
)
_YEAR_MONTH = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*月(?!\s*\d)")
# month-day without a year: only with 月/日, or with a time, so fractions and ranges stay out
_MONTH_DAY = re.compile(
    r"(?<![\d年/.\-])(?:(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*[日号]"
    r"|(?P<m2>1[0-2]|0[1-9])-(?P<d2>3[01]|[12]\d|0[1-9])(?=\s+\d{1,2}:\d{2}))(?![\d])" + _TIME
)
_AGO = re.compile(
    r"(?<!\d)(?P<n>\d{1,3})\s*(?P<unit>秒钟?|分钟|小时|个小时|天|日|周|星期|个月|月|年)\s*前"
    r"(?:\s*[(（]\s*(?P<m>1[0-2]|0?[1-9])\s*[-/月]\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日?\s*[)）])?"
)
# without a time of day, 今天/刚刚 followed by more words is prose, not a timestamp
_DAY_WORD = re.compile(r"(?P<word>刚刚|今天|昨天|前天)(?:" + _CLOCK + rf"|(?![{_CJK}]))")

_DAY_OFFSETS = {"今天": 0, "昨天": 1, "前天": 2}

# Every form the patterns above read has one of these shapes: a year with a month after it
# (2024-05, 2024年5), a US date (5/6/2024), a number before 月, a month-day with a time
# (05-06 12:30), a number and a unit before 前 (3天前), or 刚刚/今天/昨天/前天. Keep them in
# step with the patterns (tests/test_dates.py checks every example); _DATE_HINT is a
# cheaper first look.
_DATE_HINT = re.compile(r"(?:19|20)\d\d|[月:前]|刚刚|今天|昨天")
_DATE_SHAPE = re.compile(
    r"(?:19|20)\d\d\s*(?:[-/.年]|\s)\s*\d|\d/(?:19|20)\d\d|\d\s*月|\d-\d\d\s+\d{1,2}:\d\d"
    r"|\d\s*\S{1,3}\s*前|刚刚|今天|昨天|前天"
)


def may_hold_date(text: str) -> bool:
    """False only for text in which `find_dates` cannot find a date: a cheap test that lets
    callers skip most lines of a page."""
    return bool(_DATE_HINT.search(text) and _DATE_SHAPE.search(text))


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    raw: str
    value: datetime
    precision: str
    relative: bool = False


def as_aware(moment: datetime, zone: tzinfo = UTC) -> datetime:
    """`moment` with a time zone; naive values are read as being in `zone`."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def is_plausible(value: datetime, fetched_at: datetime) -> bool:
    """Not before 1995 and not after the fetch."""
    return value.year >= EARLIEST_YEAR and value <= as_aware(fetched_at)


def _clock(match: re.Match[str]) -> tuple[int, int, int, bool]:
    """Hour, minute, second and whether a time of day was given."""
    if match.groupdict().get("H") is None:
        return 0, 0, 0, False
    hour = int(match["H"])
    ampm = (match["ampm"] or "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return hour, int(match["M"]), int(match["S"] or 0), True


def _build(year: int, month: int, day: int, clock: tuple[int, int, int, bool]) -> datetime | None:
    try:
        return datetime(year, month, day, clock[0], clock[1], clock[2], tzinfo=SHANGHAI)
    except ValueError:
        return None


def _absolute(text: str) -> list[DateMatch]:
    found = []
    for match in [*_FULL.finditer(text), *_US.finditer(text)]:
        clock = _clock(match)
        value = _build(int(match["y"]), int(match["m"]), int(match["d"]), clock)
        if value is not None:
            precision = MINUTE if clock[3] else DAY
            found.append(DateMatch(match.start(), match.end(), match[0], value, precision))
    for match in _YEAR_MONTH.finditer(text):
        value = _build(int(match["y"]), int(match["m"]), 1, (0, 0, 0, False))
        if value is not None:
            found.append(DateMatch(match.start(), match.end(), match[0], value, MONTH))
    return found


def _latest_year(
    month: int, day: int, clock: tuple[int, int, int, bool], now: datetime
) -> datetime | None:
    """The month-day in the latest year that does not lie after `now`."""
    for year in (now.year, now.year - 1):
        value = _build(year, month, day, clock)
        if value is not None and value <= now:
            return value
    return None


def _month_day(text: str, now: datetime) -> list[DateMatch]:
    found = []
    for match in _MONTH_DAY.finditer(text):
        month = int(match["m"] or match["m2"])
        day = int(match["d"] or match["d2"])
        clock = _clock(match)
        value = _latest_year(month, day, clock, now)
        if value is not None:
            precision = MINUTE if clock[3] else DAY
            found.append(DateMatch(match.start(), match.end(), match[0], value, precision, True))
    return found


def _ago_delta(number: int, unit: str) -> relativedelta:
    if unit.startswith("秒"):
        return relativedelta(seconds=number)
    if unit == "分钟":
        return relativedelta(minutes=number)
    if unit.endswith("小时"):
        return relativedelta(hours=number)
    if unit in ("天", "日"):
        return relativedelta(days=number)
    if unit in ("周", "星期"):
        return relativedelta(weeks=number)
    if unit.endswith("月"):
        return relativedelta(months=number)
    return relativedelta(years=number)


def _ago_precision(unit: str) -> str:
    if unit.endswith("月"):
        return MONTH
    if unit == "年":
        return YEAR
    if unit in ("天", "日", "周", "星期"):
        return DAY
    return MINUTE


def _near_month_day(month: int, day: int, approx: datetime, now: datetime) -> datetime | None:
    """The month-day whose year puts it closest to `approx`, not after `now`."""
    options = [
        _build(year, month, day, (0, 0, 0, False))
        for year in (approx.year - 1, approx.year, approx.year + 1)
    ]
    valid = [value for value in options if value is not None and value <= now]
    return min(valid, key=lambda value: abs(value - approx)) if valid else None


def _ago(text: str, now: datetime) -> list[DateMatch]:
    found = []
    for match in _AGO.finditer(text):
        approx = now - _ago_delta(int(match["n"]), match["unit"])
        value: datetime | None = approx
        precision = _ago_precision(match["unit"])
        if match["m"]:
            # the explicit month-day wins; the relative part only picks the year
            value = _near_month_day(int(match["m"]), int(match["d"]), approx, now)
            precision = DAY
        if value is not None:
            found.append(DateMatch(match.start(), match.end(), match[0], value, precision, True))
    return found


def _day_words(text: str, now: datetime) -> list[DateMatch]:
    found = []
    for match in _DAY_WORD.finditer(text):
        if match["word"] == "刚刚":
            found.append(DateMatch(match.start(), match.start() + 2, "刚刚", now, MINUTE, True))
            continue
        day = (now - timedelta(days=_DAY_OFFSETS[match["word"]])).date()
        clock = _clock(match)
        value = _build(day.year, day.month, day.day, clock)
        if value is not None:
            precision = MINUTE if clock[3] else DAY
            found.append(DateMatch(match.start(), match.end(), match[0], value, precision, True))
    return found


def _without_overlaps(matches: list[DateMatch]) -> list[DateMatch]:
    """Longest first, then drop any match that overlaps one already kept."""
    kept: list[DateMatch] = []
    for match in sorted(matches, key=lambda found: (-(found.end - found.start), found.start)):
        if all(match.end <= other.start or match.start >= other.end for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda found: found.start)


def find_dates(text: str, fetched_at: datetime) -> list[DateMatch]:
    """Every plausible date expression in `text`, in order of appearance."""
    now = as_aware(fetched_at).astimezone(SHANGHAI)
    matches = _absolute(text) + _ago(text, now) + _day_words(text, now) + _month_day(text, now)
    return [match for match in _without_overlaps(matches) if is_plausible(match.value, now)]


def parse_machine_date(value: str, fetched_at: datetime) -> DateMatch | None:
    """A meta/JSON-LD/<time> value: ISO 8601 and friends, else the Chinese forms."""
    cleaned = value.strip()
    if not cleaned:
        return None
    parsed = _parse_iso_like(cleaned)
    if parsed is None:
        found = find_dates(cleaned, fetched_at)
        return found[0] if found else None
    precision = MINUTE if re.search(r"\d:\d", cleaned) else DAY
    match = DateMatch(0, len(cleaned), cleaned, as_aware(parsed, SHANGHAI), precision)
    return match if is_plausible(match.value, fetched_at) else None


def _parse_iso_like(value: str) -> datetime | None:
    if not re.match(r"^\d{4}-?\d{2}-?\d{2}([T ]|$)", value):
        return None
    try:
        return dateutil_parser.isoparse(value)
    except ValueError:
        try:
            return dateutil_parser.parse(value)
        except (ValueError, OverflowError):
            return None


def find_compact_dates(text: str, fetched_at: datetime) -> list[DateMatch]:
    """Dates written as 20220213 (URLs, file names): weak evidence on their own."""
    found = []
    for match in _COMPACT.finditer(text):
        value = _build(int(match["y"]), int(match["m"]), int(match["d"]), (0, 0, 0, False))
        if value is not None and is_plausible(value, fetched_at):
            found.append(DateMatch(match.start(), match.end(), match[0], value, DAY))
    return found
