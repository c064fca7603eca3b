"""Stage 4 of claim extraction: the fields of a claim from its trigger and sentence.

Lender, modality, polarity (with negation scope), days overdue, amount, severity and the
condition clause. Each function takes the sentence (offsets into the article) and the trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cleaning.claims_lexicon import gazetteer, modality_lexicon
from cleaning.claims_segment import Token, segment
from cleaning.claims_triggers import Trigger, clause_of, collector_is_subject
from cleaning.sentences import Sentence, Span

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
    rf"({NUMBER})(?:多)?(?:[-~～至到]({NUMBER}))?(?:多)?(?:个)?(天|日|周|星期|个月|月|年)"
)
M_BUCKET = re.compile(r"(?<![A-Za-z0-9])M([1-7])(?:[-~～至到]M?([1-7]))?\+?(?![0-9])")
AMOUNT = re.compile(rf"({NUMBER}(?:\.[0-9]+)?)(多)?(万元|万块|万|千元|元|块钱|块)")
SEVERE = re.compile(r"严重逾期|长期逾期|恶意逾期")
DENIED_PROHIBITION = re.compile(r"(?:不|并不|并非|不算|不属于|不构成)(?:违法|违规|犯法|犯罪)")


@dataclass(frozen=True)
class LenderMention:
    start: int
    end: int
    raw: str
    operator: str


def parse_number(raw: str) -> float | None:
    """Arabic or Chinese numerals (三十五, 一百八十, 两, 半) as a number; None if unreadable."""
    raw = raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", raw):
        return float(raw)
    if raw == "半":
        return 0.5
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


@lru_cache(maxsize=2048)
def days_in(text: str) -> tuple[int | None, int | None]:
    """The first overdue period in `text` as (days, upper bound of a range) in days."""
    bucket = M_BUCKET.search(text)
    period = SPAN_OF_DAYS.search(text)
    if bucket and (period is None or bucket.start() < period.start()):
        upper = bucket.group(2)
        return 30 * int(bucket.group(1)), 30 * int(upper) if upper else None
    if period is None:
        return None, None
    unit = period.group(3)
    low, high = parse_number(period.group(1)), parse_number(period.group(2) or "")
    days = to_days(low, unit) if low is not None else None
    return days, to_days(high, unit) if high is not None and period.group(2) else None


def to_days(number: float, unit: str) -> int:
    """Days in `number` units; part years count in 30-day months (半年 = 180)."""
    if unit == "年" and not number.is_integer():
        return round(number * 12) * DAYS_PER_UNIT["月"]
    return round(number * DAYS_PER_UNIT[unit])


@lru_cache(maxsize=2048)
def amount_in(text: str) -> float | None:
    """The first amount of money in `text`, in 元 (5万元 -> 50000)."""
    found = AMOUNT.search(text)
    if found is None:
        return None
    number = parse_number(found.group(1))
    if number is None:
        return None
    scale = 10_000 if found.group(3).startswith("万") else 1000 if found.group(3) == "千元" else 1
    return number * scale


def lender_mentions(text: str, span: Span) -> list[LenderMention]:
    """Gazetteer hits in a span (a paragraph); blocked names (中国银行业协会) are skipped."""
    found = gazetteer()
    mentions: list[LenderMention] = []
    for match in found.pattern.finditer(span.text):
        operator = found.operator_by_alias[match.group()]
        if operator is not None:
            start = span.start + match.start()
            mentions.append(
                LenderMention(start, start + len(match.group()), match.group(), operator)
            )
    return mentions


def choose_lender(
    mentions: list[LenderMention], sentence: Sentence, trigger: Trigger
) -> LenderMention | None:
    """In the sentence: the last mention before the trigger, else the first after it.
    Without one: the nearest mention before the sentence in the same paragraph."""
    inside = [m for m in mentions if sentence.start <= m.start < sentence.end]
    before = [m for m in inside if m.start < trigger.start]
    if before:
        return before[-1]
    if inside:
        return inside[0]
    earlier = [m for m in mentions if m.end <= sentence.start]
    return earlier[-1] if earlier else None


@lru_cache(maxsize=4096)
def _modality_hits(clause: Span) -> tuple[tuple[int, int, str], ...]:
    """(start, end, modality) of modality words in a clause; longest match wins an overlap."""
    hits = [
        (clause.start + m.start(), clause.start + m.end(), name)
        for name, pattern in modality_lexicon().patterns
        for m in pattern.finditer(clause.text)
    ]
    hits.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    kept: list[tuple[int, int, str]] = []
    for hit in hits:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
        elif hit[1] - hit[0] > kept[-1][1] - kept[-1][0]:
            kept[-1] = hit
    return tuple(kept)


def _counts(sentence: Sentence, text: str, hit: tuple[int, int, str]) -> bool:
    """Subject-dependent prohibition words (不能 ...) count only with a collector subject."""
    word = text[hit[0] : hit[1]]
    if hit[2] == "prohibition" and word in modality_lexicon().subject_dependent:
        return collector_is_subject(sentence, hit[0])
    return True


SENTENCE_WIDE = ("conditional", "habitual")


def _clause_modalities(text: str, sentence: Sentence, clause: Span) -> set[str]:
    return {hit[2] for hit in _modality_hits(clause) if _counts(sentence, text, hit)}


def modality_of(text: str, sentence: Sentence, trigger: Trigger) -> str | None:
    """Modality of the trigger's clause (or of the nearest earlier clause with one), plus
    conditional and habitual words anywhere before it. TIMING phrases take the whole sentence."""
    own = clause_of(sentence, trigger.start)
    earlier = [c for c in sentence.clauses if c.start < own.start]
    later = [c for c in sentence.clauses if c.start > own.start] if trigger.type == "TIMING" else []
    found = _clause_modalities(text, sentence, own)
    for clause in later:
        found |= _clause_modalities(text, sentence, clause)
    lent: set[str] = set()
    for clause in reversed(earlier):
        words = _clause_modalities(text, sentence, clause)
        found |= words & set(SENTENCE_WIDE)
        if not lent and not (found - set(SENTENCE_WIDE)):
            lent = words - set(SENTENCE_WIDE)
    found |= lent if not (found - set(SENTENCE_WIDE)) else set()
    if trigger.type == "PROHIBITION":
        hedges = found & {"possible", "habitual"}
        return (
            next(m for m in modality_lexicon().priority if m in hedges) if hedges else "prohibition"
        )
    return next((name for name in modality_lexicon().priority if name in found), None)


def _gap_polarity(gap: tuple[Token, ...]) -> str:
    words = modality_lexicon()
    if all(token.text in words.transparent for token in gap):
        return "negative"
    if all(t.text in words.transparent or t.text in words.scope_limiters for t in gap):
        return "partial"
    return "positive"


def polarity_of(sentence: Sentence, trigger: Trigger) -> str:
    """negative when a negator reaches the trigger; partial when an adverb in between takes the
    negation (不会直接判刑); positive otherwise."""
    clause = clause_of(sentence, trigger.start)
    if trigger.type == "PROHIBITION":
        return "negative" if DENIED_PROHIBITION.search(clause.text) else "positive"
    if not any(word in clause.text for word in ("不", "没", "未", "无", "别", "非")):
        return "positive"
    tokens = segment(clause.text, clause.start)
    before = [t for t in tokens if t.end <= trigger.start]
    negators = [i for i, t in enumerate(before) if t.text in modality_lexicon().negators]
    if not negators:
        return "positive"
    return _gap_polarity(tuple(before[negators[-1] + 1 :]))


def conditions_of(sentence: Sentence, trigger: Trigger) -> dict[str, Any]:
    """Days overdue, amount, severity and the conditional clause that frames the claim."""
    days, days_max = days_in(sentence.text)
    conditions: dict[str, Any] = {}
    if days is not None:
        conditions["days_overdue"] = days
    if days_max is not None:
        conditions["days_max"] = days_max
    amount = amount_in(sentence.text)
    if amount is not None:
        conditions["amount"] = amount
    if SEVERE.search(sentence.text):
        conditions["severe"] = True
    clause = conditional_clause(sentence, trigger)
    if clause is not None:
        conditions["if"] = clause
    return conditions


def conditional_clause(sentence: Sentence, trigger: Trigger) -> str | None:
    own = clause_of(sentence, trigger.start)
    for clause in sentence.clauses:
        if clause.start > own.start:
            break
        if any(hit[2] == "conditional" for hit in _modality_hits(clause)):
            return clause.text
    return None
