"""Related-story feeds inside the chosen text: runs of lines made of the page's link titles.

Extractors keep "相关新闻", "大家都在看" and "others are reading" blocks when they sit inside
the article's container. Such a block is a run of lines that are (mostly) the text of links
on the page, often with a date or a bullet; prose between links is not. The run is dropped
with the short heading just above it, and the text after it stays (a body that continues
after a feed or an ad slot is not cut), unlike a `cut` rule in `boilerplate`.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from cleaning.textsearch import squash

# bullets, table bars and dates around a link title in a feed line
_DECORATION = re.compile(
    r"^[-·・•|>\s]+|[|\s]+$|\(?\d{2,4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?(?:\s*\d{1,2}:\d{2})?\)?"
)
# what _DECORATION takes off the start of a line, whitespace aside; its dates need a digit
_BULLETS = "-·・•|>"
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[。！？!?]")
# a line this long that ends a sentence is a paragraph, not a row of link titles
_LONG_PROSE = 150


@dataclass(frozen=True)
class FeedConfig:
    # a line is a feed line when link titles cover this share of its characters
    min_link_cover: float = 0.7
    # a feed is at least this many such lines in a row (or one line holding two titles)
    min_run: int = 2
    # a heading above a feed is this short and ends no sentence
    max_heading: int = 12
    # a feed bigger than this share of the text is not removed here: the page may be a
    # list, which the rejection step judges
    max_share: float = 0.5


# titles shorter than this are not searched for inside a line
_MIN_TITLE = 6


def _searched(titles: AbstractSet[str]) -> list[str]:
    """The titles a line is searched for, shortest first (made once per text, not per line)."""
    return sorted((title for title in titles if len(title) >= _MIN_TITLE), key=len)


def _undecorated(line: str) -> str:
    """`squash(_DECORATION.sub("", line))` for a line without a digit (no date to take out):
    the bullets and bars that lead it and the bars that end it off, whitespace gone."""
    return squash(line).lstrip(_BULLETS).rstrip("|")


def _link_cover(line: str, titles: AbstractSet[str], searched: list[str]) -> tuple[float, int]:
    """The share of the line's characters inside link titles, and how many titles;
    `searched`: `_searched(titles)`."""
    squashed = squash(_DECORATION.sub("", line)) if _DIGIT.search(line) else _undecorated(line)
    if not squashed or (len(squashed) > _LONG_PROSE and _SENTENCE_END.search(squashed)):
        return 0.0, 0  # a long sentence is prose: the title scan below is the costly part
    if squashed in titles:
        return 1.0, 1
    size, covered, count = len(squashed), 0, 0
    for title in searched:
        if len(title) > size:
            break  # the rest are longer than the line
        if title in squashed:
            covered, count = covered + len(title), count + 1
    return min(1.0, covered / size), count


def _feed_lines(
    lines: list[str], titles: AbstractSet[str], searched: list[str], config: FeedConfig
) -> list[bool]:
    marks = []
    for line in lines:
        cover, count = _link_cover(line, titles, searched) if line.strip() else (0.0, 0)
        marks.append(cover >= config.min_link_cover and (count >= 1))
    return marks


def _runs(marks: list[bool]) -> list[tuple[int, int]]:
    runs, start = [], None
    for index, mark in enumerate([*marks, False]):
        if mark and start is None:
            start = index
        elif not mark and start is not None:
            runs.append((start, index))
            start = None
    return runs


def drop_feeds(
    text: str,
    titles: AbstractSet[str],
    config: FeedConfig = FeedConfig(),
    whole_chars: int | None = None,
) -> tuple[str, int]:
    """The text without its runs of feed lines (and their headings); lines dropped.
    `whole_chars`: the length the feed's share is taken of (the text before other cleaning)."""
    lines = text.splitlines()
    searched = _searched(titles)
    marks = _feed_lines(lines, titles, searched, config)
    drop: set[int] = set()
    for start, end in _runs(marks):
        many = end - start >= config.min_run
        if not many and _link_cover(lines[start], titles, searched)[1] < 2:
            continue
        drop.update(range(start, end))
        heading = lines[start - 1].strip() if start else ""
        if heading and len(heading) <= config.max_heading and not _SENTENCE_END.search(heading):
            drop.add(start - 1)
    kept_chars = sum(len(line) for i, line in enumerate(lines) if i not in drop)
    whole = max(len(text), whole_chars or 0)
    if not drop or kept_chars + whole - len(text) < (1 - config.max_share) * whole:
        return text, 0
    return "\n".join(line for i, line in enumerate(lines) if i not in drop), len(drop)
