"""Claim extraction: what an article says about collection practice, tied to its sentences.

Stages, each a function with a typed interface so a learned component can replace one later:

    split     cleaning.sentences.split_sentences      text -> [Sentence]
    segment   cleaning.claims_segment.segment         clause text -> (Token, ...)
    triggers  cleaning.claims_triggers.detect_triggers Sentence -> [Trigger]
    fields    build_claim (cleaning.claims_fields)    Sentence + Trigger -> ClaimRecord
    checks    cleaning.claims_checks.check_claim      ClaimRecord -> ({rule_id, ...}, ...)

Lexicons and rules are data files (`lexicons/claims/*.yaml`, `rules/claim_rules.yaml`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from cleaning.claims_checks import (
    CompiledRule,
    check_claim,
    extra_rule_paths_from_env,
    load_rules,
)
from cleaning.claims_fields import (
    LenderMention,
    choose_lender,
    conditions_of,
    lender_mentions,
    modality_of,
    polarity_of,
)
from cleaning.claims_triggers import Trigger, detect_triggers
from cleaning.records import ArticleRecord, ClaimRecord
from cleaning.sentences import Sentence, split_paragraphs, split_sentences

# Bump whenever a lexicon, the rule base or the extraction logic changes what comes out.
RULE_VERSION = "claims-1.0"
CHECKS_ENV = "DEBTCORPUS_CLAIM_CHECKS"
CHECKS_OFF_VALUES = ("off", "0", "false", "no")
DATA_DIRS = ("lexicons/claims", "rules")


def data_digest() -> str:
    """SHA-256 over the lexicon and rule files: tests pin it per RULE_VERSION, so a data change
    without a version bump fails."""
    digest = hashlib.sha256()
    for folder in DATA_DIRS:
        root = resources.files("cleaning").joinpath(folder)
        for entry in sorted(root.iterdir(), key=lambda item: item.name):
            if entry.is_file():
                digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class ClaimConfig:
    """How claims are extracted: whether the rule base runs, and extra rule files."""

    checks: bool = True
    extra_rules: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> ClaimConfig:
        """Checks off when DEBTCORPUS_CLAIM_CHECKS=off; extra rules from DEBTCORPUS_CLAIM_RULES."""
        off = os.environ.get(CHECKS_ENV, "on").strip().lower() in CHECKS_OFF_VALUES
        return cls(checks=not off, extra_rules=extra_rule_paths_from_env())


def build_claim(
    text: str, sentence: Sentence, trigger: Trigger, mentions: list[LenderMention]
) -> ClaimRecord:
    """Stage 4: the fields of one claim."""
    lender = choose_lender(mentions, sentence, trigger)
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
        modality=modality_of(text, sentence, trigger),
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


def iter_claims(text: str) -> Iterator[ClaimRecord]:
    """Claims without checks, in text order."""
    mentions: dict[int, list[LenderMention]] | None = None
    for sentence in split_sentences(text):
        triggers = detect_triggers(sentence)
        if not triggers:
            continue
        if mentions is None:
            mentions = _paragraph_mentions(text)
        for trigger in triggers:
            yield build_claim(text, sentence, trigger, mentions.get(sentence.paragraph, []))


def _rules(config: ClaimConfig) -> tuple[CompiledRule, ...]:
    return load_rules(config.extra_rules) if config.checks else ()


def extract_claims(text: str, config: ClaimConfig | None = None) -> tuple[ClaimRecord, ...]:
    """Every claim in an article's text; `config` defaults to the environment's settings."""
    config = config or ClaimConfig.from_env()
    rules = _rules(config)
    claims = []
    for claim in iter_claims(text):
        checks = check_claim(claim, rules) if rules else ()
        claims.append(dataclasses.replace(claim, checks=checks) if checks else claim)
    return tuple(claims)


def with_claims(article: ArticleRecord, config: ClaimConfig | None = None) -> ArticleRecord:
    """The article with its claims and the rule version that produced them."""
    claims = extract_claims(article.text, config)
    return dataclasses.replace(article, claims=claims, claim_rule_version=RULE_VERSION)
