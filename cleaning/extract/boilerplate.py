"""Chinese residual boilerplate: lines that survive main-text extraction, each rule named.

Line rules live in `lexicons/boilerplate_rules.yaml` (patterns, a length limit that keeps real
sentences that merely mention the words, and an action: drop the line, or cut it and the rest
of the text). Structural rules need the whole text: a table of contents repeated above the body,
an image caption or the title repeated as a paragraph, a byline of date and author.
`remove_boilerplate` returns the cleaned text and how many lines each rule removed.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from cleaning.claims.fastscan import required_chars
from cleaning.extract.edges import drop_menu_top, drop_table_edges, rule_forms
from cleaning.textsearch import holds_any, squash

RULES_FILE = Path(__file__).resolve().parent.parent / "lexicons" / "boilerplate_rules.yaml"
# A cut rule only fires in the last part of the text, so a "相关阅读" box above the body
# cannot take the article with it.
CUT_FROM_SHARE = 0.3
SHORT_LINE = 40
SENTENCE_END = re.compile(r"[。！？!?；;]\s*$")
_DATE = re.compile(
    r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{4}\s+\d{2}/\s*\d{2}|\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2}"
    r"|\d+\s*(分钟|小时|天|个月|年)前)"
)
AD_LABEL = re.compile(r"^(广告|推广|赞助|AD|Ad|ad)$")
AD_SLOGAN_CHARS = 60
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class LineRule:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    max_chars: int
    cut: bool

    @cached_property
    def needs(self) -> tuple[frozenset[str] | None, ...]:
        """Per pattern, characters one of which its every match holds (`required_chars`)."""
        return tuple(required_chars(pattern) for pattern in self.patterns)

    def matches(self, line: str) -> bool:
        return len(line) <= self.max_chars and any(p.search(line) for p in self.patterns)


@dataclass(frozen=True)
class Cleaned:
    text: str
    removed: dict[str, int]


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[LineRule, ...]:
    """The line rules of a YAML rules file, in file order."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        LineRule(
            name=entry["name"],
            patterns=tuple(re.compile(p) for p in entry["patterns"]),
            max_chars=int(entry["max_chars"]),
            cut=entry["action"] == "cut",
        )
        for entry in entries
    )


RulePatterns = tuple[tuple[LineRule, re.Pattern[str]], ...]


@lru_cache(maxsize=64)
def rules_by_length(
    rules: tuple[LineRule, ...],
) -> tuple[tuple[int, ...], tuple[RulePatterns, ...]]:
    """The rules' distinct length limits, ascending, and for each limit the (rule, pattern)
    pairs, in file order, of the rules whose limit is at least that: a line no longer than
    the i-th limit (and longer than the one before) can meet only the i-th pairs. Most lines
    are prose longer than most limits, and the loop tests no limit per rule."""
    limits = tuple(sorted({rule.max_chars for rule in rules}))
    pairs = tuple(
        tuple(
            (rule, pattern)
            for rule in rules
            if rule.max_chars >= limit
            for pattern in rule.patterns
        )
        for limit in limits
    )
    return limits, pairs


def first_rule(
    line: str, limits: tuple[int, ...], pairs: tuple[RulePatterns, ...]
) -> LineRule | None:
    """The first rule that `matches` the line, by `rules_by_length`."""
    index = bisect.bisect_left(limits, len(line))
    if index == len(limits):
        return None
    for rule, pattern in pairs[index]:
        if pattern.search(line):
            return rule
    return None


def _apply_line_rules(
    lines: list[str], rules: tuple[LineRule, ...], removed: Counter[str]
) -> list[str]:
    total = sum(len(line) for line in lines) or 1
    kept: list[str] = []
    seen = 0
    forms = rule_forms(lines)  # traditional script and table-cell lines match the rules too
    joined = "\n".join(forms)
    if not _CJK.search(joined):
        # on a Chinese text nearly every rule can fire: the test would cost more than it saves
        rules = live_rules(rules, joined)
    limits, pairs = rules_by_length(rules)
    for index, line in enumerate(lines):
        rule = first_rule(forms[index], limits, pairs)
        seen += len(line)
        if rule is None:
            kept.append(line)
        elif rule.cut and seen / total >= CUT_FROM_SHARE:
            removed[rule.name] += len(lines) - index
            return kept
        elif rule.cut:
            kept.append(line)
        else:
            removed[rule.name] += 1
    return kept


def live_rules(rules: tuple[LineRule, ...], text: str) -> tuple[LineRule, ...]:
    """The rules that can fire on some line of `text`: those with a pattern that can match
    somewhere in it (one of its `required_chars` in the text, or none known). Every line
    meets the same first matching rule; most rules are Chinese words that an English text
    never holds."""
    return tuple(rule for rule in rules if any(holds_any(text, chars) for chars in rule.needs))


def is_byline(line: str) -> bool:
    """A short line of date, time, author or source, not a sentence."""
    if len(line) > 60 or SENTENCE_END.search(line) or not _DATE.search(line):
        return False
    return len(_CJK.findall(_DATE.sub("", line))) <= 16 and "，" not in line


def _is_heading_like(line: str) -> bool:
    return len(line) <= SHORT_LINE and not SENTENCE_END.search(line)


def _drop_repeated_toc(lines: list[str], removed: Counter[str]) -> list[str]:
    """Short lines near the top that come again later as headings: a table of contents."""
    keys = [squash(line) for line in lines]
    later: Counter[str] = Counter()
    drop: set[int] = set()
    for index in range(len(lines) - 1, -1, -1):
        if _is_heading_like(lines[index]) and later[keys[index]] and index < len(lines) // 2:
            drop.add(index)
        later[keys[index]] += 1
    if len(drop) < 3:
        return lines
    first, last = min(drop), max(drop)
    block = range(first, last + 1)
    if sum(1 for i in block if i in drop) / len(block) < 0.6:
        return lines
    toc = {i for i in block if _is_heading_like(lines[i])}
    removed["toc-repeat"] += len(toc)
    return [line for i, line in enumerate(lines) if i not in toc]


def _drop_repeats(lines: list[str], title: str | None, removed: Counter[str]) -> list[str]:
    """The title repeated in the text, and a short caption line that repeats."""
    title_key = squash(title or "")
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        key = squash(line)
        if title_key and key == title_key:
            removed["title-repeat"] += 1
        elif _is_heading_like(line) and key in seen and len(key) >= 4:
            removed["caption-repeat"] += 1
        else:
            kept.append(line)
        seen.add(key)
    return kept


def _drop_ads(lines: list[str], removed: Counter[str]) -> list[str]:
    """An ad label (广告, 推广) and the short slogan right after it."""
    kept: list[str] = []
    skip_next = False
    for line in lines:
        if skip_next and len(line) <= AD_SLOGAN_CHARS:
            removed["ad"] += 1
        elif AD_LABEL.match(line):
            removed["ad"] += 1
            skip_next = True
            continue
        else:
            kept.append(line)
        skip_next = False
    return kept


def _drop_bylines(lines: list[str], removed: Counter[str]) -> list[str]:
    """Date-and-author lines in the first few lines (the byline block)."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        if index < 6 and is_byline(line):
            removed["byline"] += 1
        else:
            kept.append(line)
    return kept


def remove_boilerplate(
    text: str, title: str | None = None, rules: tuple[LineRule, ...] | None = None
) -> Cleaned:
    """The text without residual boilerplate, and the number of lines each rule removed."""
    removed: Counter[str] = Counter()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = _apply_line_rules(lines, rules if rules is not None else load_rules(), removed)
    lines = _drop_ads(lines, removed)
    lines = _drop_bylines(lines, removed)
    lines = _drop_repeated_toc(lines, removed)
    lines = _drop_repeats(lines, title, removed)
    lines = drop_menu_top(drop_table_edges(lines, removed), removed)
    return Cleaned("\n".join(lines), dict(removed))
