"""Faster scans with the same matches: a regular expression wrapped so `re` skips ahead.

`re` scans quickly only when it knows which characters a match can begin with, and it knows that
only when a pattern opens with a literal or a character class. Most lexicon patterns open with a
group, a class of many words or a lookbehind, so `re` tries a full match at every character. If
the possible first characters F of pattern P can be worked out from P's parse, the scan pattern
`[F](?<=(?=P)[F])` opens with a class (so `re` skips to the characters in F) and matches one
character wherever P matches; P itself is then matched at that position. A match of P must
begin with a character in F, so the leftmost position the scan finds is the leftmost position P
matches at: `search` and `finditer` give exactly P's matches. When F cannot be worked out (a
negated class, a category such as \\d, a pattern that can match nothing), P is used as it is.
Alternatives that open with ^ can match only at the text's start: there P is tried first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from re import _compiler as sre_compile  # type: ignore[attr-defined]
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

# A character class wider than this is left to `re` (the pattern is scanned as it is).
MAX_RANGE = 512
# required characters are tested one by one: a class wider than this gives none
MAX_REQUIRED = 32


def _class_chars(items: list[tuple[object, object]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is sre_constants.LITERAL:
            chars.add(chr(av))  # type: ignore[arg-type]
        elif op is sre_constants.RANGE and av[1] - av[0] <= MAX_RANGE:  # type: ignore[index]
            chars.update(chr(c) for c in range(av[0], av[1] + 1))  # type: ignore[index]
        else:
            return None  # a negated class, a category (\d), a wide range
    return chars


def _first_of_branch(alternatives: list[sre_parse.SubPattern]) -> tuple[set[str] | None, bool]:
    chars: set[str] = set()
    nullable = False
    for alternative in alternatives:
        found, empty = _first_of_sequence(alternative)
        if found is None:
            return None, True
        chars |= found
        nullable = nullable or empty
    return chars, nullable


def _first_of_item(op: object, av: object) -> tuple[set[str] | None, bool]:
    """(possible first characters, or None if unknown; whether the item can match empty)."""
    if op is sre_constants.LITERAL:
        return {chr(av)}, False  # type: ignore[arg-type]
    if op is sre_constants.IN:
        return _class_chars(av), False  # type: ignore[arg-type]
    if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return set(), True  # zero width: the next item gives the first character
    if op is sre_constants.SUBPATTERN:
        return _first_of_sequence(av[3])  # type: ignore[index]
    if op is sre_constants.BRANCH:
        return _first_of_branch(av[1])  # type: ignore[index]
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        found, empty = _first_of_sequence(av[2])  # type: ignore[index]
        return found, empty or av[0] == 0  # type: ignore[index]
    return None, True


def _first_of_sequence(items: sre_parse.SubPattern) -> tuple[set[str] | None, bool]:
    chars: set[str] = set()
    for op, av in items:
        found, nullable = _first_of_item(op, av)
        if found is None:
            return None, True
        chars |= found
        if not nullable:
            return chars, False
    return chars, True


def _opens_anchored(items: sre_parse.SubPattern) -> bool:
    return bool(items.data) and items.data[0] == (sre_constants.AT, sre_constants.AT_BEGINNING)


def _alternatives(items: sre_parse.SubPattern) -> list[sre_parse.SubPattern]:
    if len(items.data) == 1 and items.data[0][0] is sre_constants.BRANCH:
        return list(items.data[0][1][1])
    return [items]


def first_chars(pattern: re.Pattern[str]) -> tuple[frozenset[str] | None, bool]:
    """(the characters a match of `pattern` can begin with, or None when they cannot be
    known; whether an alternative opens with ^ and so can match only at the text's start, where
    its first character does not count)."""
    if pattern.flags & (re.IGNORECASE | re.MULTILINE):
        return None, False
    alternatives = _alternatives(sre_parse.parse(pattern.pattern, pattern.flags))
    anchored = [a for a in alternatives if _opens_anchored(a)]
    if any(a.getwidth()[0] == 0 for a in anchored):
        return None, False  # an empty match at the start: leave such patterns to re
    free = [a for a in alternatives if not _opens_anchored(a)]
    if not free:
        return frozenset(), True  # every alternative opens with ^
    chars, nullable = _first_of_branch(free)
    if chars is None or nullable or not chars:
        return None, False
    return frozenset(chars), bool(anchored)


@functools.lru_cache(maxsize=1024)
def required_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Characters one of which every match of `pattern` holds, so that a text holding none
    of them holds no match: those of a literal, a class or a group (each alternative
    requiring some) in its top-level sequence, the choice with the fewest ASCII characters;
    None when no item gives them or case is ignored."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _required_of_sequence(sre_parse.parse(pattern.pattern, pattern.flags))


def _required_of_sequence(items: sre_parse.SubPattern) -> frozenset[str] | None:
    choices = [chars for op, av in items if (chars := _required_of_item(op, av))]
    return min(choices, key=lambda c: (sum(char.isascii() for char in c), len(c)), default=None)


def _required_of_item(op: object, av: object) -> frozenset[str] | None:
    """Characters one of which every match of one item holds (it matches something)."""
    if op is sre_constants.LITERAL:
        return frozenset(chr(av))  # type: ignore[arg-type]
    if op is sre_constants.IN:
        chars = _class_chars(av)  # type: ignore[arg-type]
        return frozenset(chars) if chars and len(chars) <= MAX_REQUIRED else None
    if op is sre_constants.SUBPATTERN:
        flags_changed = av[1] or av[2]  # type: ignore[index]
        return None if flags_changed else _required_of_sequence(av[3])  # type: ignore[index]
    if op is sre_constants.BRANCH:
        found = [_required_of_sequence(alternative) for alternative in av[1]]  # type: ignore[index]
        return None if None in found else frozenset().union(*found)  # type: ignore[arg-type]
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:  # type: ignore[index]
        return _required_of_sequence(av[2])  # type: ignore[index]
    return None


def re_skips_ahead(pattern: re.Pattern[str]) -> bool:
    """Whether `re` itself knows a literal prefix or the first characters of `pattern` (then
    it scans fast, and a wrapper would only add a call), or the pattern matches only at the
    start."""
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    if all(_opens_anchored(a) for a in _alternatives(parsed)):
        return True
    prefix = sre_compile._get_literal_prefix(parsed, pattern.flags)[0]
    return bool(prefix) or sre_compile._get_charset_prefix(parsed, pattern.flags) is not None


class FastPattern:
    """`search` and `finditer` of a compiled pattern, with the same results, faster."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.plain = pattern
        self.pattern = pattern.pattern
        chars, self.anchored = (None, False) if re_skips_ahead(pattern) else first_chars(pattern)
        self.scan: re.Pattern[str] | None = None
        # every alternative opens with ^: a match can only be at the text's start
        self.only_start = chars is not None and not chars
        if chars:
            cls = "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"
            try:
                self.scan = re.compile(f"{cls}(?<=(?={pattern.pattern}){cls})", pattern.flags)
            except re.error:  # e.g. inline flags that must open a pattern: scan it as it is
                self.scan = None

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        end = len(text) if endpos is None else endpos
        if self.only_start:
            return self.plain.match(text, 0, end) if pos == 0 else None
        if self.scan is None:
            return self.plain.search(text, pos, end)
        if self.anchored and pos == 0:  # ^ alternatives match only here
            at_start = self.plain.match(text, 0, end)
            if at_start is not None:
                return at_start
        found = self.scan.search(text, pos, end)
        return None if found is None else self.plain.match(text, found.start(), end)

    def finditer(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[re.Match[str]]:
        if self.scan is None and not self.only_start:
            yield from self.plain.finditer(text, pos, len(text) if endpos is None else endpos)
            return
        while (found := self.search(text, pos, endpos)) is not None:
            yield found
            pos = found.end()  # never empty: patterns that can match nothing are left to re


# What lexicons hold for scanning: a pattern `re` scans fast itself, or a FastPattern.
Scanner = re.Pattern[str] | FastPattern


def scanner(pattern: re.Pattern[str]) -> Scanner:
    """`pattern` wrapped as a FastPattern when that scans faster, else `pattern` itself."""
    fast = FastPattern(pattern)
    return fast if fast.scan is not None else pattern
