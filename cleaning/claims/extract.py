"""Claim extraction: what an article says about collection practice, tied to its sentences.

Stages, each a function with a typed interface so a learned component can replace one later:

    split     cleaning.claims.sentences.split_sentences   text -> [Sentence]
    segment   cleaning.claims.segment.segment             clause text -> (Token, ...)
    roles     cleaning.claims.roles.sentence_roles        Sentence -> SentenceRoles
    triggers  cleaning.claims.triggers.detect_triggers    Sentence -> [Trigger]
    fields    build_claim (cleaning.claims.fields)        Sentence + Trigger -> ClaimRecord
    checks    cleaning.claims.checks.check_claim          ClaimRecord -> ({rule_id, ...}, ...)

Lexicons and rules are data files (`lexicons/*.yaml`, `rules/claim_rules.yaml`). Nothing here
reads the environment: the caller passes a frozen `ClaimConfig`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from cleaning.claims.checks import CompiledRule, check_claim, load_rules
from cleaning.claims.fields import (
    LenderMention,
    choose_lender,
    conditional_up_to,
    conditions_of,
    lender_mentions,
    modality_of,
    polarity_of,
)
from cleaning.claims.framing import Trigger
from cleaning.claims.lexicon import data_files
from cleaning.claims.roles import sentence_roles
from cleaning.claims.segment import segment
from cleaning.claims.sentences import Sentence, Span, split_paragraphs, split_sentences
from cleaning.claims.triggers import detect_triggers
from cleaning.extract.relevance import relevance_score
from cleaning.records import ArticleRecord, ClaimRecord
from cleaning.script import fold_traditional

# Bump whenever a lexicon, the rule base or the extraction logic changes what comes out.
RULE_VERSION = "claims-2.8"
# Below this topic relevance (cleaning.relevance) a text is not about debt, and only its
# citations of laws are claims: a patent suit's 起诉 is no collection channel. Chosen in the gap
# between the off-topic articles (0.000-0.237: wage arrears, a fraud trial, a mortgage rate
# report) and the on-topic ones (>= 0.700) among the dev articles of the second gold set and
# the articles of the first; see docs/claims.md.
TOPIC_GATE = 0.35
# Shorter texts (a sentence, a snippet) are too short to judge their topic and are not gated.
TOPIC_MIN_CHARS = 200
TOPIC_FREE_TYPES = ("CITATION",)


@dataclass(frozen=True)
class ClaimConfig:
    """How claims are extracted: whether the rule base runs, extra rule files, and the topic
    relevance below which a text makes no claims about collection."""

    checks: bool = True
    extra_rules: tuple[str, ...] = ()
    topic_gate: float = TOPIC_GATE


def data_digest() -> str:
    """SHA-256 over the lexicon and rule files: tests pin it per RULE_VERSION, so a data change
    without a version bump fails."""
    digest = hashlib.sha256()
    for name, content in data_files():
        digest.update(name.encode() + b"\0" + content)
    return digest.hexdigest()


def build_claim(
    text: str,
    sentence: Sentence,
    trigger: Trigger,
    mentions: list[LenderMention],
    title_lender: LenderMention | None = None,
) -> ClaimRecord:
    """Stage 4: the fields of one claim."""
    lender = choose_lender(mentions, sentence, trigger, title_lender)
    conditions = conditions_of(sentence, trigger)
    return ClaimRecord(
        type=trigger.type,
        subtype=trigger.subtype,
        sentence=sentence.text,
        start=sentence.start,
        end=sentence.end,
        rule_version=RULE_VERSION,
        trigger=trigger.term,
        lender_raw=lender.raw if lender else None,
        lender=lender.operator if lender else None,
        modality=modality_of(text, sentence, trigger, sentence_roles(sentence)),
        polarity=polarity_of(sentence, trigger),
        days_overdue=conditions.get("days_overdue"),
        amount=conditions.get("amount"),
        severe=bool(conditions.get("severe", False)),
        conditions=conditions,
        cited_law=trigger.cited_law,
    )


def _paragraph_mentions(text: str) -> dict[int, list[LenderMention]]:
    return {
        number: lender_mentions(text, paragraph)
        for number, paragraph in enumerate(split_paragraphs(text))
    }


def title_lender(title: str | None) -> LenderMention | None:
    """The first lender named in the title; its offsets are into the title, not the text."""
    if not title:
        return None
    found = lender_mentions(title, Span(0, len(title), title))
    return found[0] if found else None


def is_on_topic(title: str | None, text: str, topic_gate: float) -> bool:
    if topic_gate <= 0 or len(text) < TOPIC_MIN_CHARS:
        return True
    return relevance_score(title, text) >= topic_gate


def iter_claims(
    text: str, title: str | None = None, on_topic: bool = True
) -> Iterator[ClaimRecord]:
    """Claims without checks, in text order; off-topic texts keep only their citations."""
    mentions: dict[int, list[LenderMention]] | None = None
    from_title = title_lender(title)
    for sentence in split_sentences(text):
        triggers = detect_triggers(sentence)
        if not on_topic:
            triggers = [t for t in triggers if t.type in TOPIC_FREE_TYPES]
        if not triggers:
            continue
        if mentions is None:
            mentions = _paragraph_mentions(text)
        for trigger in triggers:
            paragraph = mentions.get(sentence.paragraph, [])
            yield build_claim(text, sentence, trigger, paragraph, from_title)


def _rules(config: ClaimConfig) -> tuple[CompiledRule, ...]:
    return load_rules(config.extra_rules) if config.checks else ()


def extract_claims(
    text: str,
    config: ClaimConfig | None = None,
    title: str | None = None,
    topic_text: str | None = None,
) -> tuple[ClaimRecord, ...]:
    """Every claim in an article's text. The title, when given, names the article's lender;
    `topic_text` (default: the text) decides whether the article is about debt at all.
    Traditional script is read folded to simplified (`fold_traditional`, offsets kept); each
    claim's `sentence` is the text as written."""
    _forget_earlier_articles()
    config = config or ClaimConfig()
    rules = _rules(config)
    folded = fold_traditional(text)
    title = fold_traditional(title) if title else title
    topic = folded if topic_text is None else fold_traditional(topic_text)
    on_topic = is_on_topic(title, topic, config.topic_gate)
    claims = []
    for claim in iter_claims(folded, title, on_topic):
        checks = check_claim(claim, rules) if rules else ()
        if checks or folded is not text:
            sentence = text[claim.start : claim.end]
            claim = dataclasses.replace(claim, checks=checks, sentence=sentence)
        claims.append(claim)
    return tuple(claims)


def _forget_earlier_articles() -> None:
    """Empty the caches that serve one article's triggers and fields (its clauses' tokens,
    its sentences' conditions): an earlier article's entries are not asked for again, and a
    cleaner would keep thousands of them (several MB) alive."""
    segment.cache_clear()
    conditional_up_to.cache_clear()


def with_claims(article: ArticleRecord, config: ClaimConfig | None = None) -> ArticleRecord:
    """The article with its claims and the rule version that produced them."""
    claims = extract_claims(article.text, config, article.title)
    return dataclasses.replace(article, claims=claims, claim_rule_version=RULE_VERSION)
