"""Filter values (`--type`, `--lender`, `--site` ...) checked against what the corpus and the
rule base hold, before a query runs: a value nothing could match is refused in one line that
lists the valid values (or the closest ones), instead of an empty table.

Claim types, subtypes and modalities match case-insensitively (`--type channel`); a lender's
product or nickname resolves to its operator through the gazetteer (微粒贷 -> 微众银行), and
the command says so on stderr.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import click
from sqlalchemy import select

from cleaning.claims.lexicon import claim_vocabulary, gazetteer, lender_operator
from corpus.errors import ConfigError
from corpus.export.filters import ExportFilters
from corpus.models import Article, Claim, CrawlRun
from corpus.store import Store

# At most this many valid values are listed whole; past it, the closest ones.
MAX_LISTED = 15
CLOSEST = 5

# a filter name -> the column whose stored values are valid
COLUMNS: dict[str, Any] = {
    "type": Claim.type,
    "subtype": Claim.subtype,
    "modality": Claim.modality,
    "lender": Claim.lender,
    "site": Article.site,
    "language": Article.language,
    "run site": CrawlRun.site,
    "status": CrawlRun.status,
}


@dataclass
class FilterChecker:
    """Checks the filter values of one command against one corpus (stored values read once).
    `notes` collects what was resolved (微粒贷 -> 微众银行), for the command to print."""

    store: Store
    notes: list[str] = field(default_factory=list)
    _stored: dict[str, frozenset[str]] = field(default_factory=dict)

    def stored(self, name: str) -> frozenset[str]:
        if name not in self._stored:
            column = COLUMNS[name]
            with self.store.session() as session:
                query = select(column).distinct().where(column.is_not(None))
                # a claim's coded field is a subquery (corpus/codes.py): read per claim row
                query = query.select_from(Claim) if column.class_ is Claim else query
                values = session.scalars(query)
                self._stored[name] = frozenset(str(value) for value in values)
        return self._stored[name]

    def claim_field(self, name: str, value: str | None, option: str) -> str | None:
        """A claim type, subtype or modality, case-insensitively, in its stored spelling."""
        if value is None:
            return None
        known = [*claim_vocabulary()[name], *sorted(self.stored(name))]
        return pick(option, value, known, ignore_case=True)

    def site(self, value: str | None, option: str = "--site", of: str = "site") -> str | None:
        if value is None:
            return None
        return pick(option, value, sorted(self.stored(of)), ignore_case=True)

    def language(self, value: str, option: str = "--language") -> str:
        return pick(option, value, sorted(self.stored("language")), ignore_case=True)

    def lender(self, value: str | None, option: str = "--lender") -> str | None:
        """An operator as stored; a product or nickname resolves to its operator (noted)."""
        if value is None:
            return None
        stored = self.stored("lender")
        operators = {op for op in gazetteer().operator_by_alias.values() if op is not None}
        if value in stored or value in operators:
            return value
        operator = lender_operator(value)
        if operator is not None:
            self.notes.append(f"{option} {value} -> {operator} (its operator, from the gazetteer)")
            return operator
        known = sorted(stored | operators | set(gazetteer().operator_by_alias))
        return pick(option, value, known)

    def status(self, value: str | None, valid: Iterable[str]) -> str | None:
        if value is None:
            return None
        return pick("--status", value, [*valid, *sorted(self.stored("status"))], ignore_case=True)

    def say_notes(self) -> None:
        """What was resolved, one line each on stderr (the output stays the data)."""
        for note in self.notes:
            click.echo(note, err=True)

    def each(self, check: Callable[[str], str | None], values: tuple[str, ...]) -> tuple[str, ...]:
        """A repeatable option's values, each checked."""
        return tuple(sorted({checked for value in values if (checked := check(value))}))


def pick(option: str, value: str, known: list[str], ignore_case: bool = False) -> str:
    """`value` as one of `known` (first spelling wins); else ConfigError naming the valid
    values, all of them when few, else the closest (difflib)."""
    unique = list(dict.fromkeys(known))
    for candidate in unique:
        if candidate == value or (ignore_case and candidate.casefold() == value.casefold()):
            return candidate
    if not unique:
        raise ConfigError(f"{option} {value!r}: the corpus holds no values for it yet")
    if len(unique) <= MAX_LISTED:
        raise ConfigError(f"{option} {value!r} is unknown; valid: {', '.join(unique)}")
    closest = closest_values(value, unique)
    shown = f"closest: {', '.join(closest)}" if closest else f"e.g. {', '.join(unique[:CLOSEST])}"
    raise ConfigError(f"{option} {value!r} is unknown ({len(unique)} valid values); {shown}")


def closest_values(value: str, known: list[str]) -> list[str]:
    by_folded = {candidate.casefold(): candidate for candidate in known}
    matches = difflib.get_close_matches(value.casefold(), list(by_folded), n=CLOSEST, cutoff=0.5)
    return [by_folded[match] for match in matches]


def checked_export_filters(store: Store, filters: ExportFilters) -> ExportFilters:
    """`export`'s --site, --lender, --claim-type and --language values, checked; resolved
    lenders are said on stderr (as `claims` does)."""
    check = FilterChecker(store)
    checked = replace(
        filters,
        sites=check.each(check.site, filters.sites),
        lenders=check.each(check.lender, filters.lenders),
        claim_types=check.each(
            lambda value: check.claim_field("type", value, "--claim-type"), filters.claim_types
        ),
        languages=check.each(check.language, filters.languages),
    )
    check.say_notes()
    return checked
