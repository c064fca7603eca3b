"""Side-by-side diff of a cluster member against its representative, with masked gaps marked.

Lines (paragraphs) are aligned with difflib; changed line pairs are diffed again by character.
Each cell is a list of segments (text, kind) so the template can escape the text and style the
kind: "same", "changed" or "gap" (a blank left by a keyword filter, Article.masked_gaps).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

GAP_MARK = "▢"


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str


@dataclass(frozen=True)
class DiffRow:
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    # equal | replace | delete | insert
    tag: str


@dataclass(frozen=True)
class _Line:
    text: str
    offset: int


def _lines(text: str) -> list[_Line]:
    lines, offset = [], 0
    for line in text.split("\n"):
        lines.append(_Line(line, offset))
        offset += len(line) + 1
    return lines


def _gap_marks(gaps: list[dict[str, Any]]) -> tuple[set[int], set[int]]:
    """Character positions inside gaps, and positions where an empty gap sits."""
    inside: set[int] = set()
    empty: set[int] = set()
    for gap in gaps:
        start, end = int(gap.get("start", 0)), int(gap.get("end", 0))
        if end > start:
            inside.update(range(start, end))
        else:
            empty.add(start)
    return inside, empty


def _segments(
    line: _Line, changed: set[int], gaps: tuple[set[int], set[int]]
) -> tuple[Segment, ...]:
    inside, empty = gaps
    segments: list[Segment] = []
    for position, char in enumerate(line.text):
        absolute = line.offset + position
        if absolute in empty:
            segments.append(Segment(GAP_MARK, "gap"))
        kind = "gap" if absolute in inside else "changed" if position in changed else "same"
        if segments and segments[-1].kind == kind and kind != "gap":
            segments[-1] = Segment(segments[-1].text + char, kind)
        else:
            segments.append(Segment(char, kind))
    if line.offset + len(line.text) in empty:
        segments.append(Segment(GAP_MARK, "gap"))
    return tuple(segments)


def _changed_chars(first: str, second: str) -> tuple[set[int], set[int]]:
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    left: set[int] = set()
    right: set[int] = set()
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag != "equal":
            left.update(range(a_start, a_end))
            right.update(range(b_start, b_end))
    return left, right


def side_by_side(
    left_text: str,
    right_text: str,
    left_gaps: list[dict[str, Any]] | None = None,
    right_gaps: list[dict[str, Any]] | None = None,
) -> list[DiffRow]:
    """Rows of (representative cell, member cell)."""
    left, right = _lines(left_text), _lines(right_text)
    marks = (_gap_marks(left_gaps or []), _gap_marks(right_gaps or []))
    matcher = difflib.SequenceMatcher(
        None, [line.text for line in left], [line.text for line in right], autojunk=False
    )
    rows: list[DiffRow] = []
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        for first, second in zip_longest(left[a_start:a_end], right[b_start:b_end]):
            rows.append(_row(tag, first, second, marks))
    return rows


def _row(
    tag: str,
    first: _Line | None,
    second: _Line | None,
    marks: tuple[tuple[set[int], set[int]], tuple[set[int], set[int]]],
) -> DiffRow:
    if first is not None and second is not None and tag != "equal":
        changed_left, changed_right = _changed_chars(first.text, second.text)
    else:
        changed_left = set(range(len(first.text))) if first and tag != "equal" else set()
        changed_right = set(range(len(second.text))) if second and tag != "equal" else set()
    left = _segments(first, changed_left, marks[0]) if first else ()
    right = _segments(second, changed_right, marks[1]) if second else ()
    kind = tag if first and second else ("delete" if first else "insert")
    return DiffRow(left, right, kind)
