"""Raw trigger candidates of a gold sentence with the rules' decisions about each (issue 12).

`detect_triggers` (cleaning/claims/triggers.py) finds every lexicon word and then drops most of
them stage by stage: the sentence is a question or a heading, a behaviour word has no
prohibition marker, a period is in another role, and `framing.by_role` drops words by clause
role (condition of advice, question, hearsay, mention, denial …). This module replays those
stages for every word found and records each decision as a flag instead of dropping the word,
so a learned model can see where the rules fire. `trace` checks that the words the flags keep
are exactly what `detect_triggers` returns: the rules' output is not changed.

Used by bench/claims_stack_cv.py; nothing in the extractor imports it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from cleaning import script
from cleaning.claims import extract as ex
from cleaning.claims import framing as fr
from cleaning.claims import triggers as tr
from cleaning.claims.checks import CompiledRule, check_claim
from cleaning.claims.eval import GoldSentence
from cleaning.claims.extract import (
    TOPIC_FREE_TYPES,
    TOPIC_GATE,
    _paragraph_mentions,
    build_claim,
    is_on_topic,
    title_lender,
)
from cleaning.claims.fields import LenderMention
from cleaning.claims.lexicon import all_trigger_lexicons
from cleaning.claims.roles import CONDITION, QUESTION, SentenceRoles, sentence_roles
from cleaning.claims.sentences import Sentence, split_sentences
from cleaning.records import ClaimRecord

# Older trees (bench/claims_stack_cv.py --code) had no script folding and no cache reset.
fold_traditional = getattr(script, "fold_traditional", lambda text: text)
_forget_earlier_articles = getattr(ex, "_forget_earlier_articles", lambda: None)

Trigger = fr.Trigger


@dataclass
class Candidate:
    trigger: Trigger
    sentence: Sentence
    flags: dict[str, bool]
    # the trigger survives every stage before the one-per-subtype choice
    rules_keep: bool
    # the trigger is among what detect_triggers returns
    rules_final: bool = False
    label_type: bool = False
    label_subtype: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class TracedItem:
    item: GoldSentence
    text: str
    on_topic: bool
    mentions: dict[int, list[LenderMention]]
    from_title: LenderMention | None
    candidates: list[Candidate]
    roles: dict[int, SentenceRoles]


def _raw(sentence: Sentence) -> dict[str, list[Trigger]]:
    return {lex.type: tr.lexicon_triggers(lex, sentence) for lex in all_trigger_lexicons()}


def _pre_flags(sentence: Sentence, found: dict[str, list[Trigger]]) -> dict[int, dict[str, bool]]:
    """Flags of the stages of detect_triggers before by_role, per trigger id."""
    flags: dict[int, dict[str, bool]] = {}
    marker = bool(found["PROHIBITION"]) and fr.has_prohibition_marker(sentence)
    ruled = [t for t in found["PROHIBITION"] if marker and fr.ruled_by_marker(sentence, t)]
    prohibited = tr.prohibited_clauses(sentence, ruled)
    for name, group in found.items():
        for t in group:
            in_prohibited = fr.clause_of(sentence, t.start).start in prohibited
            flags[id(t)] = {
                "no_marker": name == "PROHIBITION" and not marker,
                "not_ruled": name == "PROHIBITION" and marker and t not in ruled,
                "subsumed": name in fr.SUBSUMED_BY_PROHIBITION and in_prohibited,
                "not_overdue": name == "TIMING" and not tr._timing_is_overdue(sentence, t),
                "in_prohibited_clause": in_prohibited,
            }
    others = [t for t in [*found["CHANNEL"], *found["CONSEQUENCE"]] if not flags[id(t)]["subsumed"]]
    event = tr.has_event(sentence, others)
    for t in found["TIMING"]:
        flags[id(t)]["no_event"] = not event
    return flags


def _role_context(
    sentence: Sentence, triggers: list[Trigger], roles: SentenceRoles
) -> tuple[bool, bool, set[int], list[Trigger]]:
    """What by_role computes once per sentence: framed, advised, void advice, live triggers."""
    framed = fr._frames_practice(triggers, roles)
    advised = any(t.type == "PROHIBITION" and roles.role_at(t.start) == CONDITION for t in triggers)
    if advised:
        advised = fr.main_clause_is_advice(roles, fr._advice_positions(triggers, roles)) and all(
            fr.is_advice_clause(c.text) for c in fr.marker_clauses(sentence)
        )
    void = {
        id(t)
        for t in triggers
        if t.type == "ADVICE"
        and (fr._advice_by_collector(sentence, t) or fr._reported_not_advised(sentence, t, roles))
    }
    live = [t for t in triggers if id(t) not in void]
    return framed, advised, void, live


def _role_flags(
    sentence: Sentence, t: Trigger, triggers: list[Trigger], roles: SentenceRoles
) -> dict[str, bool]:
    """Each decision of framing.by_role for one trigger (by_role keeps it when none holds)."""
    framed, advised, void, live = _role_context(sentence, triggers, roles)
    role = roles.role_at(t.start)
    practice, advice = t.type in fr.PRACTICE_TYPES, t.type == "ADVICE"
    return {
        "definition": roles.is_definition,
        "void": id(t) in void,
        "question_drop": role == QUESTION and t.type in fr.ASKABLE_TYPES,
        "cond_framed": role == CONDITION and practice and framed,
        "cond_advised": role == CONDITION and t.type == "PROHIBITION" and advised,
        "cond_unframed_advice": role == CONDITION and advice and not framed,
        "object_of_advice": role != CONDITION and _ask("_object_of_advice", sentence, t, live),
        "verified": _ask("_verified", sentence, t, live),
        "framed_in_clause": practice and _ask("_framed_in_clause", sentence, t, triggers),
        "mentioned": _ask("_mentioned", sentence, t) and t.type != "CITATION",
        "forbidden": t.type in fr.SUBSUMED_BY_PROHIBITION and _ask("_forbidden", sentence, t),
        "topic_denial": _topic_of_denial(sentence, t),
        "worried": _ask("_worried", sentence, t),
        "narrated": advice and _ask("_narrated", sentence, t),
        "inner_condition": advice and _ask("_advice_in_inner_condition", sentence, t),
        "occasion": advice and _ask("_occasion_of_advice", sentence, t),
    }


def _ask(name: str, *args: Any) -> bool:
    """A predicate of framing.py; False where an older tree (--code) has no such stage."""
    predicate = getattr(fr, name, None)
    return bool(predicate(*args)) if predicate is not None else False


def _topic_of_denial(sentence: Sentence, t: Trigger) -> bool:
    """topics.topic_of_denial, or framing._topic_of_denial in trees before claims-2.8's split
    (the script also traces an older tree: bench/claims_stack_cv.py --code)."""
    try:
        from cleaning.claims.topics import topic_of_denial
    except ImportError:
        return _ask("_topic_of_denial", sentence, t)
    return topic_of_denial(sentence, fr.clause_of(sentence, t.start), t)


PRE_STAGES = ("no_marker", "not_ruled", "subsumed", "not_overdue", "no_event")
ROLE_STAGES = (
    "definition",
    "void",
    "question_drop",
    "cond_framed",
    "cond_advised",
    "cond_unframed_advice",
    "object_of_advice",
    "verified",
    "framed_in_clause",
    "mentioned",
    "forbidden",
    "topic_denial",
    "worried",
    "narrated",
    "inner_condition",
    "occasion",
)


def sentence_candidates(sentence: Sentence) -> list[Candidate]:
    """Every trigger word of the sentence with the rules' decisions as flags."""
    found = _raw(sentence)
    pre = _pre_flags(sentence, found)
    survivors = [
        t
        for group in found.values()
        for t in group
        if not any(pre[id(t)].get(s, False) for s in PRE_STAGES)
    ]
    roles = sentence_roles(sentence)
    asked = not tr.is_claim_candidate(sentence)
    out: list[Candidate] = []
    for t in [t for group in found.values() for t in group]:
        flags = {**pre[id(t)], **_role_flags(sentence, t, survivors, roles)}
        flags["not_candidate_sentence"] = asked
        keep = not any(flags.get(s, False) for s in (*PRE_STAGES, *ROLE_STAGES)) and not asked
        out.append(Candidate(t, sentence, flags, keep))
    for t in tr.citation_triggers(sentence):
        out.append(Candidate(t, sentence, {"not_candidate_sentence": asked}, not asked))
    return out


def choose(sentence: Sentence, kept: list[Trigger]) -> list[Trigger]:
    """The one-per-subtype choice detect_triggers makes over the triggers it keeps."""
    if not kept:
        return []
    return tr._dedupe(sentence, tr._drop_contained(kept), sentence_roles(sentence))


def trace(item: GoldSentence, topic_text: str | None) -> TracedItem:
    """The candidates of a gold sentence as `cleaning.claims.eval.predict` would see them."""
    _forget_earlier_articles()
    text = fold_traditional(item.context + item.sentence)
    title = fold_traditional(item.title) if item.title else item.title
    topic = text if topic_text is None else fold_traditional(topic_text)
    on_topic = is_on_topic(title, topic, TOPIC_GATE)
    candidates: list[Candidate] = []
    roles: dict[int, SentenceRoles] = {}
    for sentence in split_sentences(text):
        if sentence.start < len(item.context):
            continue
        found = sentence_candidates(sentence)
        final = set(choose(sentence, [c.trigger for c in found if c.rules_keep]))
        assert final == set(tr.detect_triggers(sentence)), item.id
        for c in found:
            c.rules_final = c.trigger in final
        candidates.extend(found)
        roles[sentence.start] = sentence_roles(sentence)
    mentions = _paragraph_mentions(text)
    return TracedItem(item, text, on_topic, mentions, title_lender(title), candidates, roles)


def claims_of(
    traced: TracedItem, keep: list[bool], rules: tuple[CompiledRule, ...]
) -> list[ClaimRecord]:
    """The claims of a traced sentence when `keep` says which candidates make claims."""
    by_sentence: dict[int, list[Candidate]] = {}
    for c, k in zip(traced.candidates, keep, strict=True):
        if k and (traced.on_topic or c.trigger.type in TOPIC_FREE_TYPES):
            by_sentence.setdefault(c.sentence.start, []).append(c)
    out: list[ClaimRecord] = []
    original = traced.item.context + traced.item.sentence
    for group in by_sentence.values():
        sentence = group[0].sentence
        mentions = traced.mentions.get(sentence.paragraph, [])
        for t in choose(sentence, [c.trigger for c in group]):
            claim = build_claim(traced.text, sentence, t, mentions, traced.from_title)
            found = check_claim(claim, rules) if rules else ()
            if found or traced.text != original:
                text = original[claim.start : claim.end]
                claim = dataclasses.replace(claim, checks=found, sentence=text)
            out.append(claim)
    return out
