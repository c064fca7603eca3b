"""Stage 5 of claim extraction: check claims against a rule base kept as YAML data.

The rule base is `rules/claim_rules.yaml` plus any files named in DEBTCORPUS_CLAIM_RULES
(separated by os.pathsep). The condition keys are documented at the top of that file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cleaning.claims_lexicon import ClaimDataError
from cleaning.records import ClaimRecord

EXTRA_RULES_ENV = "DEBTCORPUS_CLAIM_RULES"
BUILTIN_RULES = "rules/claim_rules.yaml"
REQUIRED_KEYS = ("id", "source", "year", "message")


@dataclass(frozen=True)
class Rule:
    id: str
    source: str
    year: int
    message: str
    when: dict[str, Any]

    def as_check(self) -> dict[str, Any]:
        return {
            "rule_id": self.id,
            "source": self.source,
            "year": self.year,
            "message": self.message,
        }


def _regexes(values: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(value) for value in values]


def _matches_all(claim: ClaimRecord, patterns: list[re.Pattern[str]]) -> bool:
    return all(p.search(claim.sentence) for p in patterns)


def _matches_none(claim: ClaimRecord, patterns: list[re.Pattern[str]]) -> bool:
    return not any(p.search(claim.sentence) for p in patterns)


Condition = Callable[[ClaimRecord], bool]


def _condition(key: str, value: Any) -> Condition:
    """One `when` key as a predicate on a claim."""
    if key == "types":
        return lambda c: c.type in value
    if key == "subtypes":
        return lambda c: c.subtype in value
    if key == "sentence_matches":
        required = _regexes(value)
        return lambda c: _matches_all(c, required)
    if key == "sentence_excludes":
        excluded = _regexes(value)
        return lambda c: _matches_none(c, excluded)
    if key == "cited_law_in":
        return lambda c: c.cited_law is not None and re.sub(r"第.*条.*$", "", c.cited_law) in value
    if key == "amount_below":
        return lambda c: c.amount is not None and c.amount < float(value)
    if key == "amount_at_least":
        return lambda c: c.amount is not None and c.amount >= float(value)
    if key == "polarity":
        return lambda c: c.polarity in value
    if key == "modality_not":
        return lambda c: c.modality not in value
    raise ClaimDataError(f"unknown rule condition {key!r}; see the keys listed in {BUILTIN_RULES}")


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    conditions: tuple[Condition, ...]

    def applies(self, claim: ClaimRecord) -> bool:
        return all(condition(claim) for condition in self.conditions)


def _rule_from(entry: dict[str, Any], where: str) -> CompiledRule:
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        raise ClaimDataError(f"rule {entry.get('id', '?')!r} in {where} lacks {', '.join(missing)}")
    when = entry.get("when") or {}
    rule = Rule(
        str(entry["id"]), str(entry["source"]), int(entry["year"]), str(entry["message"]), when
    )
    try:
        conditions = tuple(_condition(key, value) for key, value in when.items())
    except re.error as exc:
        raise ClaimDataError(
            f"rule {rule.id!r} in {where} has a bad regular expression: {exc}"
        ) from exc
    return CompiledRule(rule, conditions)


def parse_rules(raw: str, where: str) -> tuple[CompiledRule, ...]:
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise ClaimDataError(f"rule file {where} is not valid YAML: {exc}") from exc
    entries = data.get("rules", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ClaimDataError(f"rule file {where} must hold a mapping with a `rules:` list")
    return tuple(_rule_from(entry, where) for entry in entries)


@cache
def load_rules(extra_paths: tuple[str, ...] = ()) -> tuple[CompiledRule, ...]:
    """The built-in rules followed by those in `extra_paths`."""
    builtin = resources.files("cleaning").joinpath(BUILTIN_RULES)
    rules = list(parse_rules(builtin.read_text("utf-8"), BUILTIN_RULES))
    for path in extra_paths:
        if not Path(path).is_file():
            raise ClaimDataError(f"extra claim rule file {path} does not exist ({EXTRA_RULES_ENV})")
        rules.extend(parse_rules(Path(path).read_text("utf-8"), path))
    return tuple(rules)


def extra_rule_paths_from_env() -> tuple[str, ...]:
    value = os.environ.get(EXTRA_RULES_ENV, "")
    return tuple(part for part in value.split(os.pathsep) if part.strip())


def check_claim(claim: ClaimRecord, rules: tuple[CompiledRule, ...]) -> tuple[dict[str, Any], ...]:
    """The checks of every rule the claim contradicts."""
    return tuple(compiled.rule.as_check() for compiled in rules if compiled.applies(claim))
