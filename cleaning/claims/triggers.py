"""Stage 3 of claim extraction: find trigger words in a sentence and decide which count.

A trigger is a (type, subtype, term, offsets) found by the lexicons in `lexicons/`. Clause roles
(cleaning.claims.roles) decide which count: nothing in a question clause, and nothing about
practice in the condition of advice ("如果接到催收电话,可以投诉" makes an ADVICE claim only).
Input: a `Sentence` with offsets into the article; output: `Trigger`s with article offsets.
"""

from __future__ import annotations

import re
from functools import cache

from cleaning.claims.fastscan import Scanner
from cleaning.claims.framing import (
    SUBSUMED_BY_PROHIBITION,
    Trigger,
    by_role,
    clause_of,
    has_prohibition_marker,
    in_label,
    in_quotes,
    ruled_by_marker,
)
from cleaning.claims.lexicon import (
    TriggerLexicon,
    all_trigger_lexicons,
    citation_lexicon,
    trigger_lexicon,
)
from cleaning.claims.numbers import SPAN_OF_DAYS, period_role
from cleaning.claims.roles import (
    CONDITION,
    SentenceRoles,
    continues_previous,
    sentence_roles,
)
from cleaning.claims.segment import on_word_boundaries, segment
from cleaning.claims.sentences import Sentence

QUESTION_END = re.compile(r"[？?][”\"’)）]*$|[吗么呢][。]?$")
QUESTION_WORDS = re.compile(
    r"多久|什么|怎么|怎样|如何|吗|是否|会不会|能不能|要不要|哪些|为什么|几天|多长时间"
)
SHORT_LINE_CHARS = 20


def is_claim_candidate(sentence: Sentence) -> bool:
    """Questions and short bare lines (headings, titles, labels) make no claims."""
    if QUESTION_END.search(sentence.text):
        return False
    if sentence.is_bare_line:
        return len(sentence.text) > SHORT_LINE_CHARS and not QUESTION_WORDS.search(sentence.text)
    return True


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


LAW_TITLE = re.compile(r"《[^《》]*》")


def _in_law_title(sentence: Sentence, start: int, end: int) -> bool:
    """Words of a cited title (个人信息 in 《个人信息保护法》) are the law's name, no trigger."""
    if "《" not in sentence.text:
        return False
    return any(
        m.start() + sentence.start <= start and end <= m.end() + sentence.start
        for m in LAW_TITLE.finditer(sentence.text)
    )


def subtype_matches(
    text: str, literals: re.Pattern[str] | None, regexes: Scanner | None
) -> list[re.Match[str]]:
    """The matches one alternation of regexes-then-literals would give: leftmost first, a regex
    before a literal at the same start, none overlapping the one before. A pattern passed as
    None is one known not to match `text`."""
    found = list(literals.finditer(text)) if literals is not None else []
    if regexes is None:
        return found
    ranked = sorted(
        [(m.start(), 0, m) for m in regexes.finditer(text)] + [(m.start(), 1, m) for m in found],
        key=lambda item: (item[0], item[1]),
    )
    kept: list[re.Match[str]] = []
    for start, _, match in ranked:
        if not kept or start >= kept[-1].end():
            kept.append(match)
    return kept


def _live_parts(
    lexicon: TriggerLexicon, text: str
) -> list[tuple[str, re.Pattern[str] | None, Scanner | None]]:
    """Each subtype with those of its patterns that may match `text`: one scan of all the
    lexicon's literals and one search of all its regexes rule the others out."""
    literal = lexicon.literal_subtypes(text)
    regex = lexicon.any_regex is not None and lexicon.any_regex.search(text) is not None
    if not literal and not regex:
        return []
    return [
        (subtype, literals if subtype in literal else None, regexes if regex else None)
        for subtype, literals, regexes in lexicon.parts
        if subtype in literal or (regex and regexes is not None)
    ]


def lexicon_triggers(lexicon: TriggerLexicon, sentence: Sentence) -> list[Trigger]:
    found: list[Trigger] = []
    for subtype, literals, regexes in _live_parts(lexicon, sentence.text):
        for match in subtype_matches(sentence.text, literals, regexes):
            start, end = match.start() + sentence.start, match.end() + sentence.start
            if _excluded(lexicon, sentence, start, end) or _in_law_title(sentence, start, end):
                continue
            if match.group() in lexicon.strict_terms and not _on_boundaries(sentence, start, end):
                continue
            found.append(Trigger(lexicon.type, subtype, match.group(), start, end))
    return found


def has_event(sentence: Sentence, others: list[Trigger]) -> bool:
    if any(trigger.type in ("CHANNEL", "CONSEQUENCE") for trigger in others):
        return True
    words = trigger_lexicon("timing").extra.get("event_words", [])
    return any(word in sentence.text for word in words)


# A bare name followed by one of these is part of a longer word (公司法定代表人, 保险法人,
# 劳动法律), not the law.
BARE_NAME_NOT_FOLLOWED = "定人务律院官庭"


@cache
def _citation_pattern() -> re.Pattern[str]:
    data = citation_lexicon()
    article = r"(?:\s*第[0-9零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十])?)?"
    suffixes = "|".join(sorted(map(re.escape, data["law_suffixes"]), key=len, reverse=True))
    bare = "|".join(sorted(map(re.escape, data["bare_names"]), key=len, reverse=True))
    return re.compile(
        rf"《([^《》]{{1,40}}(?:{suffixes}))(?:[（(][^（）()《》]{{1,8}}[）)])?》({article})"
        rf"|(?<!《)({bare})(?![》{BARE_NAME_NOT_FOLLOWED}])({article})"
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


# 的 and a noun after a trigger: the trigger describes the noun (恶意透支的立案标准)
MODIFIER_AFTER = re.compile(r"的(?:立案|入罪|追诉)?(?:标准|门槛|条件|起点|规定|问题)")


def _dedupe(sentence: Sentence, triggers: list[Trigger], roles: SentenceRoles) -> list[Trigger]:
    """One trigger per (type, subtype) in a sentence, per cited law for citations: the first
    outside conditions and quotes if there is one, else the first; a trigger that only
    modifies a noun (恶意透支的立案标准) gives way to one that heads its clause (…,不会坐牢;
    claims-2.4). Kept in text order."""
    seen: set[tuple[str, str]] = set()
    kept: list[Trigger] = []

    def preference(t: Trigger) -> tuple[bool, bool, bool, int, int]:
        framed = roles.role_at(t.start) == CONDITION or in_label(sentence, t.start)
        modifier = MODIFIER_AFTER.match(sentence.text, t.end - sentence.start) is not None
        return framed, in_quotes(sentence, t.start), modifier, t.start, -t.end

    for trigger in sorted(triggers, key=preference):
        key = (trigger.type, trigger.cited_law or trigger.subtype)
        if key not in seen:
            seen.add(key)
            kept.append(trigger)
    return sorted(kept, key=lambda t: (t.start, -t.end))


def _timing_is_overdue(sentence: Sentence, trigger: Trigger) -> bool:
    """A TIMING period bound to another role (一天内, 保留5年) is no overdue period."""
    period = SPAN_OF_DAYS.search(trigger.term)
    if period is None:
        return True
    start = trigger.start - sentence.start + period.start()
    return period_role(sentence.text, start, start + len(period.group())) != "other"


def detect_triggers(sentence: Sentence) -> list[Trigger]:
    """The triggers that make claims in a sentence, one per (type, subtype), in text order."""
    if not is_claim_candidate(sentence):
        return []
    found = {
        lexicon.type: lexicon_triggers(lexicon, sentence) for lexicon in all_trigger_lexicons()
    }
    if found["PROHIBITION"] and not has_prohibition_marker(sentence):
        found["PROHIBITION"] = []
    found["PROHIBITION"] = [t for t in found["PROHIBITION"] if ruled_by_marker(sentence, t)]
    prohibited = prohibited_clauses(sentence, found["PROHIBITION"])
    for name in SUBSUMED_BY_PROHIBITION:
        found[name] = [
            t for t in found[name] if clause_of(sentence, t.start).start not in prohibited
        ]
    found["TIMING"] = [t for t in found["TIMING"] if _timing_is_overdue(sentence, t)]
    others = [*found["CHANNEL"], *found["CONSEQUENCE"]]
    if found["TIMING"] and not has_event(sentence, others):
        found["TIMING"] = []
    triggers = [trigger for group in found.values() for trigger in group]
    citations = citation_triggers(sentence)
    if not triggers and not citations:
        return []
    roles = sentence_roles(sentence)
    if triggers:
        triggers = by_role(sentence, triggers, roles)
    return _dedupe(sentence, _drop_contained([*triggers, *citations]), roles)


def prohibited_clauses(sentence: Sentence, prohibitions: list[Trigger]) -> set[int]:
    """Start offsets of the clauses that state a prohibition, with the enumerations that
    continue them ("不得在夜间催收,包括打电话、上门")."""
    starts = {clause_of(sentence, t.start).start for t in prohibitions}
    follows = False
    for clause in sentence.clauses:
        if clause.start in starts:
            follows = True
        elif follows and continues_previous(clause):
            starts.add(clause.start)
        else:
            follows = False
    return starts
