"""Clause roles: which clauses of a sentence make claims, and which frame, ask or report.

A clause is a `condition` ("如果接到催收电话,"), a `question` ("会不会上征信"), or a `claim`;
`hearsay` marks where someone else's words begin ("催收员称", "有借款人反映"). The words are
data in `lexicons/roles.yaml`. Input: a `Sentence` with article offsets; output: roles per clause.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cleaning.claims.lexicon import gazetteer, modality_lexicon, role_lexicon
from cleaning.claims.sentences import Sentence, Span

CONDITION = "condition"
QUESTION = "question"
CLAIM = "claim"


@dataclass(frozen=True)
class SentenceRoles:
    # (clause, role) for every clause, in order
    clauses: tuple[tuple[Span, str], ...]
    # article offset where reported speech begins, or None
    hearsay_from: int | None
    # the sentence defines or names something (是指, 俗称)
    is_definition: bool = False
    # article offset where the hearsay marker itself begins (有借款人反映, 不少用户投诉), or None
    hearsay_marker: int | None = None

    def role_at(self, position: int) -> str:
        for clause, role in self.clauses:
            if clause.start <= position < clause.end:
                return role
        return CLAIM

    def is_reported(self, position: int) -> bool:
        return self.hearsay_from is not None and position >= self.hearsay_from

    def in_hearsay(self, position: int) -> bool:
        """At or after the hearsay marker (the speech verb 投诉 of 用户投诉 included)."""
        return self.hearsay_marker is not None and position >= self.hearsay_marker


@lru_cache(maxsize=4096)
def clause_role(text: str) -> str:
    words = role_lexicon()
    if words.question.search(text):
        return QUESTION
    if words.condition.search(text):
        return CONDITION
    return CLAIM


def _hearsay_span(sentence: Sentence) -> tuple[int | None, int | None]:
    """(where the hearsay marker begins, where the reported words begin), article offsets."""
    found = role_lexicon().hearsay.search(sentence.text)
    if found is None:
        return None, None
    return sentence.start + found.start(), sentence.start + found.end()


@lru_cache(maxsize=1024)
def sentence_roles(sentence: Sentence) -> SentenceRoles:
    clauses = tuple((clause, clause_role(clause.text)) for clause in sentence.clauses)
    definition = bool(role_lexicon().definition.search(sentence.text))
    marker, reported = _hearsay_span(sentence)
    return SentenceRoles(clauses, reported, definition, marker)


def continues_previous(clause: Span) -> bool:
    """The clause enumerates what the clause before it said (包括打电话、上门)."""
    return bool(role_lexicon().enumeration.search(clause.text))


# Bare 催收 is an actor only where a subject stands (催收可以…); elsewhere it is the activity
# (违反催收时间规定, 接到催收电话).
BARE_ACTIVITY = "催收"
SUBJECT_REACH = 2


def _has_collector(text: str) -> bool:
    if gazetteer().pattern.search(text):
        return True
    return any(
        m.group() != BARE_ACTIVITY or m.start() <= SUBJECT_REACH
        for m in modality_lexicon().collector_pattern.finditer(text)
    )


def main_clause(roles: SentenceRoles) -> Span | None:
    """The first claim clause after the first condition (else the first claim clause)."""
    claims = [(clause, role) for clause, role in roles.clauses if role != QUESTION]
    conditions = [index for index, (_, role) in enumerate(claims) if role == CONDITION]
    start = conditions[0] + 1 if conditions else 0
    return next((clause for clause, role in claims[start:] if role == CLAIM), None)


def main_clause_is_advice(roles: SentenceRoles, advice_positions: list[int]) -> bool:
    """The main clause tells the reader what to do: it holds an ADVICE trigger, or an advice
    word with no collector in the clause."""
    clause = main_clause(roles)
    if clause is None:
        return False
    if any(clause.start <= position < clause.end for position in advice_positions):
        return True
    return is_advice_clause(clause.text)


def is_advice_clause(text: str) -> bool:
    """An advice word and no collector or lender in the clause."""
    return bool(role_lexicon().advice.search(text)) and not _has_collector(text)


def addresses_reader(text: str) -> bool:
    """The clause opens with an imperative to the reader (请亲友保留录音, 告诉家人不必理会)."""
    return bool(role_lexicon().imperative.search(text)) and not _has_collector(text)


# A noun right after an actor makes the actor its possessor, as 的 does (借款人单位, 借款人家人).
POSSESSED = (
    "单位",
    "家人",
    "家属",
    "亲友",
    "同事",
    "朋友",
    "电话",
    "手机",
    "通讯录",
    "住所",
    "家里",
)
# The subject of an earlier clause stands at its start (after a connective such as 但, 而且).
CLAUSE_OPENERS = ("但是", "但", "而且", "并且", "同时", "另外", "而", "也", "并")


def _subject_actors(pattern_hits: list[tuple[int, int]], before: str) -> list[int]:
    """End offsets of actor words that can be a subject: not right after a preposition
    (对借款人, 向借款人) and not a possessor (借款人的家人, 借款人单位)."""
    markers = modality_lexicon().object_markers
    kept: list[int] = []
    for start, end in pattern_hits:
        preceded = any(before[max(0, start - len(m)) : start] == m for m in markers)
        possessor = before[end : end + 1] == "的" or before.startswith(POSSESSED, end)
        if not preceded and not possessor:
            kept.append(end)
    return kept


def _actors(text: str, imperative: bool) -> tuple[list[int], list[int]]:
    """(collector, borrower) subject-like actor ends in `text`. For imperative markers the bare
    activity word 催收 (催收打电话时,不要…) is no actor."""
    words = modality_lexicon()
    hits = [m.span() for m in words.collector_pattern.finditer(text)]
    if imperative:
        hits = [(a, b) for a, b in hits if text[a:b] != "催收"]
    lenders = [m.span() for m in gazetteer().pattern.finditer(text)]
    collector = _subject_actors(hits + lenders, text)
    borrower = _subject_actors([m.span() for m in words.borrower_pattern.finditer(text)], text)
    return collector, borrower


def _opening_actor(clause: str, imperative: bool) -> str | None:
    """'collector' or 'borrower' when an actor opens the clause (its subject), else None."""
    body = clause
    for opener in CLAUSE_OPENERS:
        if body.startswith(opener):
            body = body[len(opener) :]
            break
    collector, borrower = _actors(body, imperative)
    first = min(
        [(e, "collector") for e in collector] + [(e, "borrower") for e in borrower], default=None
    )
    return first[1] if first is not None and first[0] <= 6 else None


def opens_with_borrower(clause: str) -> bool:
    """The borrower is the subject that opens the clause (借款人可以…, 你可以…)."""
    return _opening_actor(clause, imperative=False) == "borrower"


def collector_is_subject(sentence: Sentence, marker_start: int, marker: str = "") -> bool:
    """Whether a collector is the subject of a marker: the nearest actor before it in its own
    clause, else the actor that opens the nearest earlier clause with one. With no actor at all
    the collector is assumed, except for imperative markers (不要, 避免): those speak to the
    reader."""
    imperative = marker in modality_lexicon().imperative
    own = next((c for c in sentence.clauses if c.start <= marker_start < c.end), None)
    own_start = own.start if own is not None else sentence.start
    collector, borrower = _actors(
        sentence.text[own_start - sentence.start : marker_start - sentence.start], imperative
    )
    if collector or borrower:
        return bool(collector) and max(collector, default=-1) > max(borrower, default=-1)
    for clause in reversed([c for c in sentence.clauses if c.start < own_start]):
        found = _opening_actor(clause.text, imperative)
        if found is not None:
            return found == "collector"
    before = sentence.text[: marker_start - sentence.start]
    collector, borrower = _actors(before, imperative)
    if not borrower:
        return bool(collector) or not imperative
    return bool(collector) and max(collector) > max(borrower)
