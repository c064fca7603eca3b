"""Numbers in claim sentences, bound to their unit and their role.

A period is days overdue only in that role: 征信保留5年 is a retention period, 3年有期徒刑 a prison
term, 一天内 a frequency, 3个工作日 a response time. Of several amounts, the one the sentence
states as current wins over an old one it replaces (从1万元提高到5万元 -> 50000).
"""

from __future__ import annotations

import re
from functools import lru_cache

CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
DAYS_PER_UNIT = {"天": 1, "日": 1, "周": 7, "星期": 7, "个月": 30, "月": 30, "年": 365}
NUMBER = r"[0-9０-９零一二两三四五六七八九十百千半]+"
SPAN_OF_DAYS = re.compile(
    rf"({NUMBER})(?:多)?(?:[-~～至到]({NUMBER}))?(?:多)?(?:个)?(?:多)?(天|日|周|星期|个月|月|年)"
)
M_BUCKET = re.compile(r"(?<![A-Za-z0-9])M([1-7])(?:[-~～至到]M?([1-7]))?\+?(?![0-9])")
# Units of money as a class (claims-2.6): 万 in every spelling (万元, 万块钱, 萬, 5w / 5W as forums
# write it), thousands (千, 5k), and 元/块; a digit after 万 is thousands (四万八 = 48000), and
# 过万/上万/破万 is ten thousand.
AMOUNT = re.compile(
    rf"({NUMBER}(?:\.[0-9]+)?)(多|几)?(万元|万块钱|万块|万|萬元|萬|千元|千块|元|块钱|块|[wW](?![A-Za-z])|[kK](?![A-Za-z]))"
    r"([一二两三四五六七八九](?![十百千万元块]))?"
    r"|(?:过|上|破)(万)(?!一)"
)

# Words just before a period that bind it to being overdue.
OVERDUE_CUE = re.compile(
    r"(?:逾期|拖欠|欠款|欠|超期|延期|超过|超出|满|达到|连续|第|已经|已)(?:了|才|已经|已)?第?$"
)
# Roles that make a period something other than days overdue, seen just before or after it.
OTHER_ROLE_BEFORE = re.compile(
    r"(?:有期徒刑|徒刑|拘役|判处|判|刑期|坐牢|监禁|期限|最长|每|宽限期|容时期|工作)$"
    # a record kept, with its degree words (保留满五年, 保存长达5年; claims-2.8)
    r"|(?:保留|保存)(?:满|了|至少|长达|整整|达)?$"
)
OTHER_ROLE_AFTER = re.compile(
    r"^(?:以下|以上)?(?:有期徒刑|徒刑|拘役|监禁)"
    r"|^(?:左右)?的?(?:容时期|宽限期|工作日)|^前"
    # a period of repaying on time (连续两年按时还款)
    r"|^的?(?:按时|正常|按期|准时)(?:还款|还)"
)
# Weaker roles, unless an overdue word stands before the period: "within a day" (一天内) is a
# frequency or a deadline; "5年后…消除" a retention period.
# the verbs of a record kept or going, as a class (满五年才会删, 五年后就消掉了; claims-2.8)
RECORD_GOING = r"(?:消除|删除|删掉|删|保留|保存|清除|清掉|消掉|消失|抹掉|洗白)"
WEAK_ROLE_AFTER = re.compile(rf"^(?:以内|之内|内)|^(?:之后|后|以后|内)?.{{0,8}}{RECORD_GOING}")
RETENTION_AFTER = re.compile(rf"^(?:之后|后|以后)?.{{0,6}}{RECORD_GOING}")
STRONG_OVERDUE_CUE = re.compile(r"(?:逾期|拖欠|欠款|欠|超期)[了第]?$")
NEW_AMOUNT_BEFORE = re.compile(
    r"(?:提高|上调|调整|调|改|变|升|提)(?:到|至|为|成)\s*$|(?:而是|现为|现在是|目前是|如今是|改为)\s*$"
)
OLD_AMOUNT_BEFORE = re.compile(r"(?:原来|以前|过去|此前|曾经|旧标准|原|旧)(?:是|为)?\s*$")
OLD_AMOUNT_AFTER = re.compile(
    r"^(?:是|为)?(?:旧标准|旧的标准|以前的标准|过去的标准|已经作废|已废止)"
)
PENALTY_BEFORE = re.compile(r"(?:罚金|罚款|处罚金|赔偿|补贴|津贴|工资)(?:人民币)?$")
CUE_WINDOW = 6


def parse_number(raw: str) -> float | None:
    """Arabic or Chinese numerals (三十五, 一百八十, 两, 半) as a number; None if unreadable."""
    raw = raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", raw):
        return float(raw)
    if raw == "半":
        return 0.5
    if len(raw) == 2 and all(char in CN_DIGITS for char in raw):
        return float(CN_DIGITS[raw[0]])  # 一两天, 三五天: an approximate range, its lower end
    total, current = 0, 0
    for char in raw:
        if char in CN_DIGITS:
            current = CN_DIGITS[char]
        elif char in CN_UNITS:
            total += (current or 1) * CN_UNITS[char]
            current = 0
        else:
            return None
    return float(total + current)


def to_days(number: float, unit: str) -> int:
    """Days in `number` units; part years count in 30-day months (半年 = 180)."""
    if unit == "年" and not number.is_integer():
        return round(number * 12) * DAYS_PER_UNIT["月"]
    return round(number * DAYS_PER_UNIT[unit])


def period_role(text: str, start: int, end: int) -> str:
    """'overdue', 'other' or 'unknown' for the period text[start:end]."""
    before, after = text[max(0, start - CUE_WINDOW) : start], text[end : end + 14]
    if OTHER_ROLE_BEFORE.search(before) or OTHER_ROLE_AFTER.search(after):
        return "other"
    if OVERDUE_CUE.search(before):
        # 满五年才会删除: a retention after the period outweighs a cue other than 逾期 itself
        if RETENTION_AFTER.search(after) and not STRONG_OVERDUE_CUE.search(before):
            return "other"
        return "overdue"
    return "other" if WEAK_ROLE_AFTER.search(after) else "unknown"


def _period_days(found: re.Match[str]) -> tuple[int | None, int | None]:
    unit = found.group(3)
    low, high = parse_number(found.group(1)), parse_number(found.group(2) or "")
    days = to_days(low, unit) if low is not None else None
    return days, to_days(high, unit) if high is not None and found.group(2) else None


@lru_cache(maxsize=2048)
def days_in(text: str) -> tuple[int | None, int | None]:
    """The overdue period in `text` as (days, upper bound of a range): the first period bound
    to being overdue, else the first whose role is unknown; periods in other roles never."""
    bucket = M_BUCKET.search(text)
    candidates: list[tuple[int, str, tuple[int | None, int | None]]] = []
    if bucket:
        upper = bucket.group(2)
        value = (30 * int(bucket.group(1)), 30 * int(upper) if upper else None)
        candidates.append((bucket.start(), "overdue", value))
    for found in SPAN_OF_DAYS.finditer(text):
        role = period_role(text, found.start(), found.end())
        if role != "other":
            candidates.append((found.start(), role, _period_days(found)))
    candidates.sort(key=lambda item: (item[1] != "overdue", item[0]))
    return candidates[0][2] if candidates else (None, None)


def _amount_value(found: re.Match[str]) -> float | None:
    if found.group(5):
        return 10_000.0  # 过万, 上万
    number = parse_number(found.group(1))
    if number is None:
        return None
    unit = found.group(3)
    if unit[0] in "万萬wW":
        thousands = CN_DIGITS.get(found.group(4) or "", 0)
        return number * 10_000 + thousands * 1000
    return number * (1000 if unit[0] in "千kK" else 1)


@lru_cache(maxsize=2048)
def amount_in(text: str) -> float | None:
    """The amount of money the sentence states, in 元 (5万元 -> 50000): one it names as the new
    value if any, else the first that is neither marked old nor a fine or subsidy."""
    usable: list[re.Match[str]] = []
    for found in AMOUNT.finditer(text):
        before, after = (
            text[max(0, found.start() - CUE_WINDOW) : found.start()],
            text[found.end() :],
        )
        if NEW_AMOUNT_BEFORE.search(before):
            return _amount_value(found)
        old = OLD_AMOUNT_BEFORE.search(before) or OLD_AMOUNT_AFTER.search(after[:8])
        if not old and not PENALTY_BEFORE.search(before):
            usable.append(found)
    return _amount_value(usable[0]) if usable else None
