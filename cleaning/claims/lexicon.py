"""The claim lexicons, loaded once from the YAML data files in `cleaning/claims/lexicons/`.

Changing any file there changes what is extracted: bump `RULE_VERSION` in cleaning.claims.extract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from cleaning.claims.fastscan import Scanner, scanner
from cleaning.errors import DebtcorpusError

PACKAGE = "cleaning.claims"
LEXICON_DIR = "lexicons"
TRIGGER_FILES = ("channel", "timing", "consequence", "prohibition", "advice")


class ClaimDataError(DebtcorpusError, ValueError):
    """A lexicon, rule or gold file that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class TriggerLexicon:
    """One claim type: a pattern per subtype and the words that cancel a match around it."""

    type: str
    # subtype -> compiled pattern of its terms and regular expressions
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    # terms that count only on word boundaries
    strict_terms: frozenset[str]
    exclude: Scanner | None
    extra: dict[str, Any]
    # any subtype's pattern: a quick test before trying each subtype
    any_pattern: re.Pattern[str]
    # subtype -> (its literal terms, its regular expressions): what `patterns` matches, faster
    parts: tuple[tuple[str, re.Pattern[str], Scanner | None], ...] = ()
    # the same test split in two: every literal term in one flat alternation (which re runs
    # several times faster than the grouped one), then the regular expressions
    any_literal: re.Pattern[str] = re.compile("(?!)")
    any_regex: Scanner | None = None
    # literal term -> the subtypes that may have a match where any_literal found this term:
    # its own and those of every term that can overlap it (one scan of any_literal then tells
    # which subtypes' literals are worth scanning for)
    literal_reach: dict[str, frozenset[str]] = field(default_factory=dict)

    def literal_subtypes(self, text: str) -> frozenset[str]:
        """The subtypes whose literal terms may occur in `text`: every occurrence of a term
        overlaps a match of any_literal's scan, whose reach holds the term's subtype."""
        found: frozenset[str] = frozenset()
        for match in self.any_literal.finditer(text):
            found |= self.literal_reach[match.group()]
        return found

    def mentioned_in(self, text: str) -> bool:
        """Whether any subtype could match in `text` (same answer as any_pattern.search)."""
        if self.any_literal.search(text):
            return True
        return self.any_regex is not None and self.any_regex.search(text) is not None


@dataclass(frozen=True)
class Gazetteer:
    pattern: re.Pattern[str]
    operator_by_alias: dict[str, str | None]
    # words by which a sentence refers to the article's own lender (平台, 官方客服 ...)
    generic_reference: re.Pattern[str]


@dataclass(frozen=True)
class ModalityLexicon:
    priority: tuple[str, ...]
    # modality -> pattern of its words (regular expressions allowed)
    patterns: tuple[tuple[str, Scanner], ...]
    # phrases that contain modality words without being modality (需要说明, 值得注意)
    discourse: Scanner
    subject_dependent: frozenset[str]
    imperative: frozenset[str]
    collector_pattern: re.Pattern[str]
    borrower_pattern: re.Pattern[str]
    # words before an actor that make it an object, not the subject (对, 向, 给 ...)
    object_markers: frozenset[str]
    negators: frozenset[str]
    transparent: frozenset[str]
    scope_limiters: frozenset[str]
    # words after which a negation no longer reaches further (就, 才, 的话 ...)
    scope_closers: frozenset[str]
    # negators that deny only "always" (未必, 不一定): polarity partial
    partial_negators: frozenset[str] = frozenset()
    # reason phrases that carry a negation past their 就 (不会因为…就…)
    reason_openers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RoleLexicon:
    """What makes a clause a condition, a question or hearsay, and what makes advice."""

    condition: Scanner
    definition: Scanner
    enumeration: Scanner
    question: Scanner
    hearsay: Scanner
    advice: Scanner
    imperative: Scanner


def _load_yaml(name: str) -> dict[str, Any]:
    path = resources.files(PACKAGE).joinpath(f"{LEXICON_DIR}/{name}.yaml")
    data = yaml.safe_load(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise ClaimDataError(f"lexicon {path} must hold a YAML mapping; fix or restore the file")
    return data


def read_yaml(name: str) -> dict[str, Any]:
    """A lexicon file, its {class} names expanded (`expand_classes`)."""
    expanded: dict[str, Any] = expand_classes(_load_yaml(name), f"lexicons/{name}.yaml")
    return expanded


# {name} in a pattern: a word class of lexicons/classes.yaml (regex repeats are {2} or {0,6})
CLASS_NAME = re.compile(r"\{([a-z_]+)\}")


@cache
def word_classes() -> dict[str, str]:
    """Class name -> one non-capturing alternation of its words, longest first."""
    classes = _load_yaml("classes").get("classes", {})
    return {str(name): f"(?:{alternation(list(words)).pattern})" for name, words in classes.items()}


def expand_classes(value: Any, where: str) -> Any:
    """`value` (a string, or lists and mappings of them) with each {class} replaced by its
    alternation; an unknown class is an error naming the file."""
    if isinstance(value, str):
        return CLASS_NAME.sub(lambda found: _class_pattern(found.group(1), where), value)
    if isinstance(value, list):
        return [expand_classes(item, where) for item in value]
    if isinstance(value, dict):
        return {key: expand_classes(item, where) for key, item in value.items()}
    return value


def _class_pattern(name: str, where: str) -> str:
    classes = word_classes()
    if name not in classes:
        known = ", ".join(sorted(classes))
        raise ClaimDataError(
            f"{where} names the word class {{{name}}}, which is not one of: {known}"
        )
    return classes[name]


def alternation(words: list[str], literal: bool = True) -> re.Pattern[str]:
    """One pattern matching any of `words`, longest first so the longest wins at a position."""
    ordered = sorted({str(word) for word in words}, key=len, reverse=True)
    parts = [re.escape(word) if literal else word for word in ordered]
    return re.compile("|".join(parts) if parts else "(?!)")


def fast_alternation(words: list[str]) -> Scanner:
    """`alternation(words, literal=False)` for scanning (cleaning.claims.fastscan)."""
    return scanner(alternation(words, literal=False))


def subtype_parts(entry: dict[str, Any]) -> tuple[re.Pattern[str], Scanner | None]:
    """A subtype's literal terms as one flat alternation (fast in re) and its regular
    expressions, if any, as another."""
    literals = alternation([*entry.get("terms", []), *entry.get("strict", [])])
    regexes = [str(pattern) for pattern in entry.get("patterns", [])]
    ordered = "|".join(f"(?:{pattern})" for pattern in regexes)  # in the file's order, as before
    return literals, scanner(re.compile(ordered)) if regexes else None


def _subtype_pattern(entry: dict[str, Any]) -> re.Pattern[str]:
    literals = [
        re.escape(str(term)) for term in [*entry.get("terms", []), *entry.get("strict", [])]
    ]
    regexes = [f"(?:{pattern})" for pattern in entry.get("patterns", [])]
    ordered = sorted(literals, key=len, reverse=True)
    return re.compile("|".join([*regexes, *ordered]) or "(?!)")


def can_overlap(one: str, other: str) -> bool:
    """Whether two terms can share characters in a text: one holds the other, or an end of
    one is the start of the other."""
    if one in other or other in one:
        return True
    shorter = min(len(one), len(other))
    return any(one.endswith(other[:k]) or other.endswith(one[:k]) for k in range(1, shorter))


def literal_reach(subtypes: dict[str, dict[str, Any]]) -> dict[str, frozenset[str]]:
    """term -> its subtypes and those of every term that can overlap it."""
    owners = [
        (str(term), name)
        for name, entry in subtypes.items()
        for term in [*entry.get("terms", []), *entry.get("strict", [])]
    ]
    return {
        term: frozenset(name for other, name in owners if can_overlap(term, other))
        for term, _ in owners
    }


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
        exclude=fast_alternation(exclude) if exclude else None,
        extra=extra,
        any_pattern=re.compile("|".join(f"(?:{p.pattern})" for _, p in patterns) or "(?!)"),
        parts=tuple((name, *subtype_parts(entry)) for name, entry in subtypes.items()),
        any_literal=alternation(
            [t for e in subtypes.values() for t in [*e.get("terms", []), *e.get("strict", [])]]
        ),
        any_regex=(
            fast_alternation(regexes)
            if (regexes := [str(p) for e in subtypes.values() for p in e.get("patterns", [])])
            else None
        ),
        literal_reach=literal_reach(subtypes),
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
    generic = alternation(data.get("generic_reference", []), literal=False)
    return Gazetteer(alternation(list(operator_by_alias)), operator_by_alias, generic)


@cache
def modality_lexicon() -> ModalityLexicon:
    data = read_yaml("modality")
    words: dict[str, list[str]] = data["modality"]
    actors: dict[str, list[str]] = data["actors"]
    return ModalityLexicon(
        priority=tuple(data["priority"]),
        patterns=tuple((name, fast_alternation(items)) for name, items in words.items()),
        discourse=fast_alternation(data.get("discourse", [])),
        subject_dependent=frozenset(data["subject_dependent"]),
        imperative=frozenset(data.get("imperative", [])),
        collector_pattern=alternation(actors["collector"]),
        borrower_pattern=alternation(actors["borrower"]),
        object_markers=frozenset(actors.get("object_markers", [])),
        negators=frozenset(data["negators"]),
        transparent=frozenset(data["transparent"]),
        scope_limiters=frozenset(data["scope_limiters"]),
        scope_closers=frozenset(data.get("scope_closers", [])),
        partial_negators=frozenset(data.get("partial_negators", [])),
        reason_openers=frozenset(data.get("reason_openers", [])),
    )


@cache
def role_lexicon() -> RoleLexicon:
    data = read_yaml("roles")
    return RoleLexicon(
        condition=fast_alternation(data["condition"]),
        definition=fast_alternation(data["definition"]),
        enumeration=fast_alternation(data["enumeration"]),
        question=fast_alternation(data["question"]),
        hearsay=fast_alternation(data["hearsay"]),
        advice=fast_alternation(data["advice"]),
        imperative=fast_alternation(data["imperative"]),
    )


@cache
def citation_lexicon() -> dict[str, Any]:
    return read_yaml("citation")


def user_dict_path() -> str:
    return str(resources.files(PACKAGE).joinpath(f"{LEXICON_DIR}/userdict.txt"))


def data_files() -> list[tuple[str, bytes]]:
    """(name, bytes) of every lexicon and rule file, sorted: what `data_digest` covers."""
    files: list[tuple[str, bytes]] = []
    for folder in (LEXICON_DIR, "rules"):
        root = resources.files(PACKAGE).joinpath(folder)
        for entry in sorted(root.iterdir(), key=lambda item: item.name):
            if entry.is_file():
                files.append((f"{folder}/{entry.name}", entry.read_bytes()))
    return files


# Modalities besides the lexicon's: hearsay (cleaning.claims.fields.modality_of)
EXTRA_MODALITIES = ("reported",)


@cache
def claim_vocabulary() -> dict[str, tuple[str, ...]]:
    """Every value the rule base can give a claim's type, subtype and modality."""
    lexicons = [*all_trigger_lexicons()]
    citation = citation_lexicon()
    types = [lexicon.type for lexicon in lexicons] + [str(citation["type"])]
    subtypes = {name for lexicon in lexicons for name, _ in lexicon.patterns}
    subtypes |= {str(name) for name in citation.get("subtypes", {})}
    modalities = [*modality_lexicon().priority, *EXTRA_MODALITIES]
    return {"type": tuple(types), "subtype": tuple(sorted(subtypes)), "modality": tuple(modalities)}


def lender_operator(name: str) -> str | None:
    """The operator a lender's name, product or nickname belongs to (微粒贷 -> 微众银行)."""
    return gazetteer().operator_by_alias.get(name.strip())
