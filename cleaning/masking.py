"""Gaps that keyword filters leave in Chinese text, found and counted, never repaired.

Sites that fear keyword filters delete words such as 电话, 催收, 款, 信, 题. Two traces remain:
- "space": a blank between two Chinese characters where the word stood (通过 进行的,
  在 催收中). Chinese prose has no spaces between characters, so inside a sentence this is a
  strong signal; headline-style lines (湘菜粤菜 兵分两路) and name lists (记者 伊琳 李清芬) are
  only flagged when a character next to the blank cannot end or start a phrase there.
- "missing": nothing left (贷用卡, 逾期问, 借人). These come from a lexicon of known damaged
  forms with context (lexicons/masked_missing.txt), so real words (逾期问题) are not flagged.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from cleaning.claims.fastscan import Scanner, scanner
from cleaning.records import MaskedGap

LEXICON = Path(__file__).parent / "lexicons" / "masked_missing.txt"
CONTEXT_CHARS = 10

_HAN = r"\u3400-\u9fff"
# ASCII and no-break spaces only: tabs and full-width spaces lay out tables and aligned names
_SPACE_GAP = re.compile(rf"(?<=[{_HAN}])[ \u00a0]+(?=[{_HAN}，。、；：？！”）])")
_CLAUSE_BREAK = re.compile(rf"[^{_HAN}]")
# two clauses joined by a blank (a collapsed paragraph break) are both this long or longer
LONG_RUN = 8
_SENTENCE_PUNCT = re.compile(r"[，。；！？、]")
_BYLINE = re.compile(r"记者|作者|编辑|来源|摄影?|通讯员|执笔|责编|供图|发布|时间|日期")
# a phrase cannot end on these (they need an object) or start with these (they need a subject)
_DANGLING_LEFT = set("在对把被给向用以从与和及或的个打听接让到要会将由为")
_DANGLING_RIGHT = set("的了中或进过时后等吗呢着")
_PUNCT = set("，。、；：？！”）")


@lru_cache(maxsize=1)
def missing_patterns() -> tuple[Scanner, ...]:
    """The damaged-form regexes of the lexicon file, compiled, each as a `scanner` (most open
    with a lookbehind, where `re` would try a match at every character of the text)."""
    patterns = []
    for number, line in enumerate(LEXICON.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            patterns.append(scanner(re.compile(line.split("\t")[0])))
        except re.error as exc:
            raise ValueError(f"{LEXICON}:{number}: bad regular expression: {exc}") from exc
    return tuple(patterns)


def _line_bounds(text: str, position: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return start, len(text) if end == -1 else end


def _is_prose(line: str) -> bool:
    """A sentence-like line: punctuated, and not a byline."""
    return bool(_SENTENCE_PUNCT.search(line)) and len(line) >= 15 and not _BYLINE.search(line)


def _run_before(text: str, position: int) -> str:
    start = position
    while start > 0 and not _CLAUSE_BREAK.match(text[start - 1]):
        start -= 1
    return text[start:position]


def _run_after(text: str, position: int) -> str:
    end = position
    while end < len(text) and not _CLAUSE_BREAK.match(text[end]):
        end += 1
    return text[position:end]


def _is_layout(text: str, match: re.Match[str], line: str) -> bool:
    """Blanks that lay text out: a padded name (傅 谨), a date, a chapter, a byline, a credit."""
    before, after = _run_before(text, match.start()), _run_after(text, match.end())
    if len(before) == 1 and len(after) == 1:
        return True
    if re.search(r"\d[日年月号]$", text[max(0, match.start() - 3) : match.start()]):
        return True
    if re.fullmatch(r"第.{1,4}[章节篇部卷课讲回]", before):
        return True
    if _BYLINE.search(line) and not _SENTENCE_PUNCT.search(line):
        return True
    opening = text.rfind("（", max(0, match.start() - 20), match.start())
    return opening != -1 and "）" in text[match.end() : match.end() + 20]


def _is_space_gap(text: str, match: re.Match[str]) -> bool:
    line_start, line_end = _line_bounds(text, match.start())
    line = text[line_start:line_end]
    if _is_layout(text, match, line):
        return False
    left, right = text[match.start() - 1], text[match.end()]
    if left in _DANGLING_LEFT:
        return True
    if right in _PUNCT:
        return False  # a blank before punctuation is only a gap after 的, 在, 通过…
    if right in _DANGLING_RIGHT:
        return True
    if not _is_prose(line):
        return False
    before, after = _run_before(text, match.start()), _run_after(text, match.end())
    if len(after) >= LONG_RUN and _starts_sentence(text, match.start() - len(before)):
        return False  # a run-in heading: 小编导语 在当前…
    return len(before) < LONG_RUN or len(after) < LONG_RUN


def _starts_sentence(text: str, position: int) -> bool:
    return position == 0 or text[position - 1] not in "，、；：,;:"


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS]


def find_masked_gaps(text: str) -> tuple[MaskedGap, ...]:
    """Every blank or damaged form where a filtered word probably stood, in text order."""
    gaps = [
        MaskedGap(match.start(), match.end(), "space", _context(text, match.start(), match.end()))
        for match in _SPACE_GAP.finditer(text)
        if _is_space_gap(text, match)
    ]
    for pattern in missing_patterns():
        for match in pattern.finditer(text):
            end = max(match.end(), match.start() + 1)
            gaps.append(
                MaskedGap(match.start(), end, "missing", _context(text, match.start(), end))
            )
    return tuple(sorted(gaps, key=lambda gap: (gap.start, gap.end)))
