"""Stage 3 of claim extraction: find trigger words in a sentence and decide which count.

A trigger is a (type, subtype, term, offsets) found by the lexicons in `lexicons/claims/`.
Input: a `Sentence` with offsets into the article; output: `Trigger`s with article offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from cleaning.claims_lexicon import (
    TriggerLexicon,
    all_trigger_lexicons,
    alternation,
    citation_lexicon,
    modality_lexicon,
    trigger_lexicon,
)
from cleaning.claims_segment import on_word_boundaries, segment
from cleaning.sentences import Sentence, Span

QUESTION_END = re.compile(r"[？?][”\"’)）]*$|[吗么呢][。]?$")
QUESTION_WORDS = re.compile(
    r"多久|什么|怎么|怎样|如何|吗|是否|会不会|能不能|要不要|哪些|为什么|几天|多长时间"
)
SHORT_LINE_CHARS = 20
# Types whose triggers are dropped when they sit in a clause with a prohibited behaviour:
# "严禁冒充公检法威胁借款人会坐牢" prohibits a threat, it does not claim prison.
SUBSUMED_BY_PROHIBITION = ("CHANNEL", "CONSEQUENCE")


@dataclass(frozen=True)
class Trigger:
    type: str
    subtype: str
    term: str
    start: int
    end: int
    # filled for CITATION: the law as cited, without brackets, with 第N条 when given
    cited_law: str | None = None


def is_claim_candidate(sentence: Sentence) -> bool:
    """Questions and short bare lines (headings, titles, labels) make no claims."""
    if QUESTION_END.search(sentence.text):
        return False
    if sentence.is_bare_line:
        return len(sentence.text) > SHORT_LINE_CHARS and not QUESTION_WORDS.search(sentence.text)
    return True


def clause_of(sentence: Sentence, position: int) -> Span:
    for clause in sentence.clauses:
        if clause.start <= position < clause.end:
            return clause
    return Span(sentence.start, sentence.end, sentence.text)


def _excluded(lexicon: TriggerLexicon, sentence: Sentence, start: int, end: int) -> bool:
    if lexicon.exclude is None:
        return False
    for found in lexicon.exclude.finditer(sentence.text):
        if found.start() + sentence.start <= start and end <= found.end() + sentence.start:
            return True
    return False


def _on_boundaries(sentence: Sentence, start: int, end: int) -> bool:
    clause = clause_of(sentence, start)
    return on_word_boundaries(segment(clause.text, clause.start), start, end)


def lexicon_triggers(lexicon: TriggerLexicon, sentence: Sentence) -> list[Trigger]:
    found: list[Trigger] = []
    if not lexicon.any_pattern.search(sentence.text):
        return found
    for subtype, pattern in lexicon.patterns:
        for match in pattern.finditer(sentence.text):
            start, end = match.start() + sentence.start, match.end() + sentence.start
            if _excluded(lexicon, sentence, start, end):
                continue
            if match.group() in lexicon.strict_terms and not _on_boundaries(sentence, start, end):
                continue
            found.append(Trigger(lexicon.type, subtype, match.group(), start, end))
    return found


def collector_is_subject(sentence: Sentence, marker_start: int) -> bool:
    """The nearest actor word before a marker in its sentence is a collector, not the borrower."""
    words = modality_lexicon()
    before = sentence.text[: marker_start - sentence.start]
    collector = [m.end() for m in words.collector_pattern.finditer(before)]
    borrower = [m.end() for m in words.borrower_pattern.finditer(before)]
    if not borrower:
        return True
    return bool(collector) and max(collector) > max(borrower)


@cache
def _marker_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(markers that always count, markers that need a collector subject)."""
    lexicon = trigger_lexicon("prohibition")
    subject = [str(m) for m in lexicon.extra.get("subject_markers", [])]
    plain = [str(m) for m in lexicon.extra.get("markers", []) if m not in subject]
    return alternation(plain), alternation(subject)


def has_prohibition_marker(sentence: Sentence) -> bool:
    plain, subject = _marker_patterns()
    if plain.search(sentence.text):
        return True
    return any(
        collector_is_subject(sentence, match.start() + sentence.start)
        for match in subject.finditer(sentence.text)
    )


def has_event(sentence: Sentence, others: list[Trigger]) -> bool:
    if any(trigger.type in ("CHANNEL", "CONSEQUENCE") for trigger in others):
        return True
    words = trigger_lexicon("timing").extra.get("event_words", [])
    return any(word in sentence.text for word in words)


@cache
def _citation_pattern() -> re.Pattern[str]:
    data = citation_lexicon()
    article = r"(?:\s*第[0-9零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十])?)?"
    suffixes = "|".join(sorted(map(re.escape, data["law_suffixes"]), key=len, reverse=True))
    bare = "|".join(sorted(map(re.escape, data["bare_names"]), key=len, reverse=True))
    return re.compile(
        rf"《([^《》]{{1,40}}(?:{suffixes}))》({article})|(?<!《)({bare})(?!》)({article})"
    )


def citation_triggers(sentence: Sentence) -> list[Trigger]:
    """Laws cited by name: 《…》 titles with a legal ending, and bare names of known laws."""
    if "法" not in sentence.text and "《" not in sentence.text and "条例" not in sentence.text:
        return []
    found: list[Trigger] = []
    for match in _citation_pattern().finditer(sentence.text):
        name = match.group(1) or match.group(3)
        cited = name + (match.group(2) or match.group(4) or "").strip()
        subtype = citation_subtype(name, citation_lexicon()["subtypes"])
        start, end = match.start() + sentence.start, match.end() + sentence.start
        found.append(Trigger("CITATION", subtype, match.group(), start, end, cited))
    return found


def citation_subtype(name: str, subtypes: dict[str, dict[str, list[str]]]) -> str:
    best, best_length = "law", 0
    for subtype, entry in subtypes.items():
        for suffix in entry["suffixes"]:
            if name.endswith(suffix) and len(suffix) > best_length:
                best, best_length = subtype, len(suffix)
    return best


def _drop_contained(triggers: list[Trigger]) -> list[Trigger]:
    """Within a type, a trigger inside a longer one of another subtype gives way to it:
    打电话给家人 is contacts, not phone."""
    return [
        t
        for t in triggers
        if not any(
            o.type == t.type
            and o.subtype != t.subtype
            and o.start <= t.start
            and t.end <= o.end
            and o.end - o.start > t.end - t.start
            for o in triggers
        )
    ]


def _dedupe(triggers: list[Trigger]) -> list[Trigger]:
    """The first trigger per (type, subtype) in a sentence; per cited law for citations."""
    seen: set[tuple[str, str]] = set()
    kept: list[Trigger] = []
    for trigger in sorted(triggers, key=lambda t: (t.start, -t.end)):
        key = (trigger.type, trigger.cited_law or trigger.subtype)
        if key not in seen:
            seen.add(key)
            kept.append(trigger)
    return kept


def detect_triggers(sentence: Sentence) -> list[Trigger]:
    """The triggers that make claims in a sentence, one per (type, subtype), in text order."""
    if not is_claim_candidate(sentence):
        return []
    found = {
        lexicon.type: lexicon_triggers(lexicon, sentence) for lexicon in all_trigger_lexicons()
    }
    if found["PROHIBITION"] and not has_prohibition_marker(sentence):
        found["PROHIBITION"] = []
    prohibited = {clause_of(sentence, t.start).start for t in found["PROHIBITION"]}
    for name in SUBSUMED_BY_PROHIBITION:
        found[name] = [
            t for t in found[name] if clause_of(sentence, t.start).start not in prohibited
        ]
    others = [*found["CHANNEL"], *found["CONSEQUENCE"]]
    if found["TIMING"] and not has_event(sentence, others):
        found["TIMING"] = []
    triggers = [trigger for group in found.values() for trigger in group]
    return _dedupe(_drop_contained([*triggers, *citation_triggers(sentence)]))
