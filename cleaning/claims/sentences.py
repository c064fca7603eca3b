"""Stage 1 of claim extraction: split Chinese text into paragraphs, sentences and clauses.

Every span keeps character offsets into the text it came from, so `text[start:end] == span.text`
always holds. Sentences end at 。！？；!?; and line breaks; clauses also end at ，,：: (、 is kept
inside a clause), except the colon of a clock time (21:30, 22：00), which is no clause end.
Nothing splits inside quotes or brackets (“…” 《…》（…） and friends) unless a line break forces
it, so an unclosed bracket cannot swallow the rest of an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

SENTENCE_ENDS = frozenset("。！？；!?;")
CLAUSE_ENDS = frozenset("，,：:")
# Closing marks that belong to the sentence they follow: 。” stays one sentence.
TRAILING_CLOSERS = frozenset("”’」』）)】》\"'")
BRACKETS = {
    "“": "”",
    "‘": "’",
    "《": "》",
    "（": "）",
    "(": ")",
    "「": "」",
    "『": "』",
    "【": "】",
}


class Span(NamedTuple):
    """A piece of a text and its offsets (a named tuple: made by the thousand, it is built
    several times faster than a frozen dataclass)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int
    clauses: tuple[Span, ...]
    # The whole paragraph is this one sentence with no closing punctuation (a heading or a label).
    is_bare_line: bool = False

    def __hash__(self) -> int:
        # sentences key the per-text caches; equal sentences have equal offsets and text, so
        # hashing those alone (not every clause) keeps hash and equality consistent, faster
        return hash((self.start, self.end, self.text))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets with surrounding whitespace removed."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_SPECIAL = re.compile(
    "["
    + re.escape("".join(sorted(SENTENCE_ENDS | CLAUSE_ENDS | TRAILING_CLOSERS | set(BRACKETS))))
    + "]"
)


def _is_clock_colon(text: str, position: int) -> bool:
    """A colon between digits (21:30) belongs to a time, not to the clause structure."""
    return (
        text[position] in ":："
        and 0 < position < len(text) - 1
        and text[position - 1].isdigit()
        and text[position + 1].isdigit()
    )


def _cut_points(text: str, start: int, end: int, ends: frozenset[str]) -> list[int]:
    """Offsets just after each end mark outside brackets, within text[start:end]."""
    cuts: list[int] = []
    stack: list[str] = []
    run_on = ends | TRAILING_CLOSERS
    skip_to = start
    for mark in _SPECIAL.finditer(text, start, end):
        position, char = mark.start(), mark.group()
        if position < skip_to:
            continue
        if stack and char == stack[-1]:
            stack.pop()
            # 。” : a quote that ends with a sentence mark ends the sentence too.
            if not stack and position > start and text[position - 1] in ends:
                cuts.append(position + 1)
        elif char in BRACKETS:
            stack.append(BRACKETS[char])
        elif char in ends and not stack and not _is_clock_colon(text, position):
            while position + 1 < end and text[position + 1] in run_on:
                position += 1
            cuts.append(position + 1)
            skip_to = position + 1
    return cuts


def _pieces(text: str, start: int, end: int, ends: frozenset[str]) -> list[Span]:
    spans: list[Span] = []
    left = start
    for cut in [*_cut_points(text, start, end, ends), end]:
        piece_start, piece_end = _trim(text, left, cut)
        if piece_end > piece_start:
            spans.append(Span(piece_start, piece_end, text[piece_start:piece_end]))
        left = cut
    return spans


def split_paragraphs(text: str) -> list[Span]:
    """Non-empty lines, trimmed; offsets into `text`."""
    spans: list[Span] = []
    left = 0
    for line in text.splitlines(keepends=True):
        start, end = _trim(text, left, left + len(line))
        if end > start:
            spans.append(Span(start, end, text[start:end]))
        left += len(line)
    return spans


# A question particle followed by a space ends a clause: scraped titles run on without
# punctuation ("…逾期会被起诉么 一、逾期情况 …").
QUESTION_THEN_SPACE = re.compile(r"(?<=[吗么呢])\s+")


def split_clauses(text: str, sentence: Span) -> tuple[Span, ...]:
    pieces = _pieces(text, sentence.start, sentence.end, CLAUSE_ENDS)
    if not QUESTION_THEN_SPACE.search(text, sentence.start, sentence.end):
        return tuple(pieces)
    clauses: list[Span] = []
    for piece in pieces:
        left = piece.start
        for gap in QUESTION_THEN_SPACE.finditer(text, piece.start, piece.end):
            clauses.append(Span(left, gap.start(), text[left : gap.start()]))
            left = gap.end()
        clauses.append(Span(left, piece.end, text[left : piece.end]))
    return tuple(clauses)


def split_sentences(text: str) -> list[Sentence]:
    """All sentences of `text` in order, each with its clauses and paragraph number."""
    sentences: list[Sentence] = []
    for number, paragraph in enumerate(split_paragraphs(text)):
        pieces = _pieces(text, paragraph.start, paragraph.end, SENTENCE_ENDS)
        # a line without closing punctuation is a heading or a title; its last piece is bare
        # (the subtitle after a question: "…需要进行家访吗?家访的流程和注意事项")
        unclosed = paragraph.text[-1] not in SENTENCE_ENDS | {"。", "."}
        for index, piece in enumerate(pieces):
            clauses = split_clauses(text, piece)
            bare = unclosed and index == len(pieces) - 1
            sentences.append(Sentence(piece.start, piece.end, piece.text, number, clauses, bare))
    return sentences
