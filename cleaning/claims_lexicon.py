"""The claim lexicons, loaded once from the YAML data files in `lexicons/claims/`.

Changing any file there changes what is extracted: bump `RULE_VERSION` in cleaning.claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

LEXICON_DIR = "lexicons/claims"
TRIGGER_FILES = ("channel", "timing", "consequence", "prohibition", "advice")


class ClaimDataError(ValueError):
    """A lexicon or rule file that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class TriggerLexicon:
    """One claim type: a pattern per subtype and the words that cancel a match around it."""

    type: str
    # subtype -> compiled pattern of its terms and regular expressions
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    # terms that count only on word boundaries
    strict_terms: frozenset[str]
    exclude: re.Pattern[str] | None
    extra: dict[str, Any]
    # any subtype's pattern: a quick test before trying each subtype
    any_pattern: re.Pattern[str]


@dataclass(frozen=True)
class Gazetteer:
    pattern: re.Pattern[str]
    operator_by_alias: dict[str, str | None]


@dataclass(frozen=True)
class ModalityLexicon:
    priority: tuple[str, ...]
    # modality -> pattern of its words (regular expressions allowed)
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    subject_dependent: frozenset[str]
    collector_pattern: re.Pattern[str]
    borrower_pattern: re.Pattern[str]
    negators: frozenset[str]
    transparent: frozenset[str]
    scope_limiters: frozenset[str]


def read_yaml(name: str) -> dict[str, Any]:
    path = resources.files("cleaning").joinpath(f"{LEXICON_DIR}/{name}.yaml")
    data = yaml.safe_load(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise ClaimDataError(f"lexicon {path} must hold a YAML mapping; fix or restore the file")
    return data


def alternation(words: list[str], literal: bool = True) -> re.Pattern[str]:
    """One pattern matching any of `words`, longest first so the longest wins at a position."""
    ordered = sorted({str(word) for word in words}, key=len, reverse=True)
    parts = [re.escape(word) if literal else word for word in ordered]
    return re.compile("|".join(parts) if parts else "(?!)")


def _subtype_pattern(entry: dict[str, Any]) -> re.Pattern[str]:
    literals = [
        re.escape(str(term)) for term in [*entry.get("terms", []), *entry.get("strict", [])]
    ]
    regexes = [f"(?:{pattern})" for pattern in entry.get("patterns", [])]
    ordered = sorted(literals, key=len, reverse=True)
    return re.compile("|".join([*regexes, *ordered]) or "(?!)")


@cache
def trigger_lexicon(name: str) -> TriggerLexicon:
    data = read_yaml(name)
    subtypes: dict[str, dict[str, Any]] = data.get("subtypes", {})
    strict = {str(term) for entry in subtypes.values() for term in entry.get("strict", [])}
    exclude = data.get("exclude") or []
    extra = {
        key: value for key, value in data.items() if key not in ("type", "subtypes", "exclude")
    }
    patterns = tuple((name, _subtype_pattern(entry)) for name, entry in subtypes.items())
    return TriggerLexicon(
        type=str(data["type"]),
        patterns=patterns,
        strict_terms=frozenset(strict),
        exclude=alternation(exclude) if exclude else None,
        extra=extra,
        any_pattern=re.compile("|".join(f"(?:{p.pattern})" for _, p in patterns) or "(?!)"),
    )


def all_trigger_lexicons() -> tuple[TriggerLexicon, ...]:
    return tuple(trigger_lexicon(name) for name in TRIGGER_FILES)


@cache
def gazetteer() -> Gazetteer:
    data = read_yaml("lenders")
    operator_by_alias: dict[str, str | None] = {}
    for operator, aliases in data["lenders"].items():
        for alias in aliases:
            operator_by_alias[str(alias)] = str(operator)
    for blocked in data.get("not_lenders", []):
        operator_by_alias[str(blocked)] = None
    return Gazetteer(alternation(list(operator_by_alias)), operator_by_alias)


@cache
def modality_lexicon() -> ModalityLexicon:
    data = read_yaml("modality")
    words: dict[str, list[str]] = data["modality"]
    actors: dict[str, list[str]] = data["actors"]
    return ModalityLexicon(
        priority=tuple(data["priority"]),
        patterns=tuple((name, alternation(items, literal=False)) for name, items in words.items()),
        subject_dependent=frozenset(data["subject_dependent"]),
        collector_pattern=alternation(actors["collector"]),
        borrower_pattern=alternation(actors["borrower"]),
        negators=frozenset(data["negators"]),
        transparent=frozenset(data["transparent"]),
        scope_limiters=frozenset(data["scope_limiters"]),
    )


@cache
def citation_lexicon() -> dict[str, Any]:
    return read_yaml("citation")


def user_dict_path() -> str:
    return str(resources.files("cleaning").joinpath(f"{LEXICON_DIR}/userdict.txt"))
