"""Stage 5 of claim extraction: check claims against a rule base kept as YAML data.

The rule base is `rules/claim_rules.yaml` plus any extra files the caller names
(`ClaimConfig.extra_rules`). The condition keys are documented at the top of that file. Every
rule names its source (a law, a regulation or an industry convention), its kind and its year.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cleaning.claims.lexicon import PACKAGE, ClaimDataError, claim_vocabulary, expand_classes
from cleaning.records import ClaimRecord

BUILTIN_RULES = "rules/claim_rules.yaml"
REQUIRED_KEYS = ("id", "source", "kind", "year", "message")
SOURCE_KINDS = ("law", "interpretation", "regulation", "convention", "registry")
# `date`: the day the cited text took effect, as precisely as known (2018-12-01, 2024-03, 2024)
RULE_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
# Prefixes and editions that do not change which law is meant:
# 《中华人民共和国刑法》 is 刑法, 《催收管理条例（试行）》 is 催收管理条例.
LAW_PREFIX = re.compile(r"^(?:中华人民共和国|中国|国家|全国性?的?)")
LAW_SUFFIX = re.compile(r"(?:第[^条]*条.*|[（(][^）)]*[）)])$")


def normalise_law(name: str) -> str:
    """A cited law's name without 第N条, an edition in brackets, or a national prefix."""
    previous = None
    while previous != name:
        previous = name
        name = LAW_SUFFIX.sub("", LAW_PREFIX.sub("", name.strip()))
    return name


@dataclass(frozen=True)
class Rule:
    id: str
    source: str
    kind: str
    year: int
    message: str
    when: dict[str, Any]

    def as_check(self) -> dict[str, Any]:
        return {
            "rule_id": self.id,
            "source": self.source,
            "kind": self.kind,
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
        names = {normalise_law(str(name)) for name in value}
        return lambda c: c.cited_law is not None and normalise_law(c.cited_law) in names
    if key == "cited_law_matches":
        laws = _regexes(value)
        return lambda c: (
            c.cited_law is not None and any(p.search(normalise_law(c.cited_law)) for p in laws)
        )
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

    @property
    def types(self) -> frozenset[str] | None:
        """The claim types the rule's `types` key names; None: any type."""
        named = self.rule.when.get("types")
        return frozenset(str(name) for name in named) if named is not None else None

    def applies(self, claim: ClaimRecord) -> bool:
        return all(condition(claim) for condition in self.conditions)


def _check_date(entry: dict[str, Any], where: str) -> None:
    """The optional `date` of a rule (the rule base's citation; checks carry the `year`):
    YYYY, YYYY-MM or YYYY-MM-DD, in the rule's `year`."""
    if "date" not in entry:
        return
    date = str(entry["date"])
    if not RULE_DATE.match(date) or not date.startswith(str(entry["year"])):
        raise ClaimDataError(
            f"rule {entry['id']!r} in {where}: date must be YYYY, YYYY-MM or YYYY-MM-DD "
            f"in its year {entry['year']}, got {date!r}"
        )


def _rule_from(entry: dict[str, Any], where: str) -> CompiledRule:
    if not isinstance(entry, dict):
        raise ClaimDataError(f"rule file {where}: each rule must be a mapping, got {entry!r}")
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        raise ClaimDataError(f"rule {entry.get('id', '?')!r} in {where} lacks {', '.join(missing)}")
    if entry["kind"] not in SOURCE_KINDS:
        raise ClaimDataError(
            f"rule {entry['id']!r} in {where}: kind must be one of {', '.join(SOURCE_KINDS)}"
        )
    when = entry.get("when") or {}
    _check_date(entry, where)
    rule = Rule(
        str(entry["id"]),
        str(entry["source"]),
        str(entry["kind"]),
        int(entry["year"]),
        str(entry["message"]),
        when,
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
    entries = expand_classes(entries, where)
    if not isinstance(entries, list):
        raise ClaimDataError(f"rule file {where} must hold a mapping with a `rules:` list")
    return tuple(_rule_from(entry, where) for entry in entries)


@cache
def load_rules(extra_paths: tuple[str, ...] = ()) -> tuple[CompiledRule, ...]:
    """The built-in rules followed by those in `extra_paths`."""
    builtin = resources.files(PACKAGE).joinpath(BUILTIN_RULES)
    rules = list(parse_rules(builtin.read_text("utf-8"), BUILTIN_RULES))
    for path in extra_paths:
        if not Path(path).is_file():
            raise ClaimDataError(f"claim rule file {path} does not exist; pass an existing file")
        rules.extend(parse_rules(Path(path).read_text("utf-8"), path))
    return tuple(rules)


# id of a rule tuple -> (the tuple, its rules by type); rules hold dicts, so no lru_cache
_BY_TYPE: dict[int, tuple[tuple[CompiledRule, ...], dict[str, tuple[CompiledRule, ...]]]] = {}


def rules_by_type(rules: tuple[CompiledRule, ...]) -> dict[str, tuple[CompiledRule, ...]]:
    """type -> the rules, in order, that can apply to a claim of that type."""
    known = _BY_TYPE.get(id(rules))
    if known is not None and known[0] is rules:
        return known[1]
    types = {str(t) for rule in rules for t in (rule.types or ())} | set(claim_vocabulary()["type"])
    index = {
        name: tuple(rule for rule in rules if rule.types is None or name in rule.types)
        for name in types
    }
    if len(_BY_TYPE) > 64:
        _BY_TYPE.clear()
    _BY_TYPE[id(rules)] = (rules, index)
    return index


def check_claim(claim: ClaimRecord, rules: tuple[CompiledRule, ...]) -> tuple[dict[str, Any], ...]:
    """The checks of every rule the claim contradicts."""
    candidates = rules_by_type(rules).get(claim.type, rules)
    return tuple(compiled.rule.as_check() for compiled in candidates if compiled.applies(claim))
