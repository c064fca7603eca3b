"""People a page credits: author and editor from bylines (作者/文/记者/编辑 labels, credits in
parentheses, a name under the title, the name before the byline's date), meta tags, JSON-LD
and a blog's owner; each finding scored by where its line sits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cleaning.metadata.people_names import (
    CREDITED_NAME,
    FREE_NAME,
    NAMES,
    clean_person,
    has_surname,
    looks_like_person,
)
from cleaning.metadata.source import source_link
from cleaning.metadata.view import (
    CJK,
    COMMENTISH,
    PREV_NEXT,
    Line,
    PageView,
    after_article,
    in_byline_zone,
    page_title,
)

_AUTHOR_LABEL = re.compile(
    rf"(?:作\s*者|撰\s*文|撰稿人?|执笔人?|供稿(?:单位)?|发布(?:机构|单位)|发文(?:机关|单位)"
    rf"|(?<![{CJK}])文)\s*[:：/／]\s*(?P<name>{CREDITED_NAME})"
)
# the name must end the phrase (记者 彭冲 山东冠县报道, 记者马俊峰/文), so prose such as
# 本刊记者经历了… does not yield a name
_REPORTER = re.compile(
    rf"(?<!小)(?:记者|通讯员)\s*[:：]?\s*(?P<name>{NAMES})(?=\s|$|[/）)\]，,。|｜]|报道|摄|电)"
)
_POSTED_BY = re.compile(
    r"(?:本[贴帖文]由\s*(?P<a>\S{1,20}?)\s*于|由\s*(?P<b>\S{1,20}?)\s*(?:张贴|发表|发布)|(?:(?<=\d)\s*|^\s*)by\s+(?P<c>[\w.&-]{2,30}))",
    re.I,
)
_CREDIT_PARENS = re.compile(
    rf"[（(]\s*(?:[^（()）]{{0,12}}?(?:记者|通讯员|作者|文|撰稿)[:：/]?\s*)?(?P<name>{NAMES})\s*[)）]\s*$"
)
_BRACKET_NAME = re.compile(rf"\[\s*(?P<name>{NAMES})\s*\]")
_NAME_ONLY = re.compile(rf"^(?P<name>{NAMES})$")
_EDITOR_LABEL = re.compile(rf"(?:责任编辑|责编|编辑|小编)\s*[:：]\s*(?P<name>{FREE_NAME})")
# an institution that publishes its own notices is their author when no person is credited
# (来源：浙江省人民政府); a news outlet in 来源 is where a story was syndicated from
_INSTITUTION = re.compile(
    r"(?:政府|办公厅|办公室|委员会|人大|政协|法院|检察院|公安局|[^新]局|厅|协会|学会|大学|学院"
    r"|研究院|研究所|医院|银行|部)$"
)
_SOURCE_LABEL = re.compile(rf"(?<!注明)(?:来源|来自|出处|稿源)\s*[:：]\s*(?P<name>{FREE_NAME})")


@dataclass
class _Found:
    value: str
    score: float
    where: str
    # the text the value was read from: the byline line, the meta value
    raw: str = ""


MIN_PERSON_SCORE = 0.25
# lines showing the published date that are read for a credit (a blog page repeats each
# post's date; only the first few can be the article's own)
MAX_DATE_LINES = 3


def _best(found: list[_Found]) -> str | None:
    best = _best_found(found)
    return best.value if best else None


def _best_found(found: list[_Found]) -> _Found | None:
    found = [item for item in found if item.score >= MIN_PERSON_SCORE]
    if not found:
        return None
    return max(found, key=lambda item: (item.score, -found.index(item)))


def _line_weight(view: PageView, line: Line) -> float:
    """How much a byline on this line is worth, by where the line sits."""
    if line.penalty >= 0.45 or COMMENTISH.search(line.text) or PREV_NEXT.search(line.text):
        return 0.0
    weight = 1.0 if in_byline_zone(view, line.index) else 0.8
    if view.related_from is not None and line.index >= view.related_from:
        weight -= 0.4
    elif after_article(view, line.index):
        weight -= 0.25  # credits often sit just below what an extractor keeps
    return weight - line.penalty


# (field, pattern, score, cue): a pattern can only match a line its cue is found in
_BYLINE_PATTERNS = (
    ("author", _AUTHOR_LABEL, 0.8, re.compile(r"[作撰文]|执笔|供稿|发布|发文")),
    ("author", _REPORTER, 0.6, re.compile(r"记者|通讯员")),
    ("author", _POSTED_BY, 0.55, re.compile(r"本[贴帖文]由|张贴|发表|发布|[Bb][Yy]")),
    ("editor", _EDITOR_LABEL, 0.8, re.compile(r"编")),
    ("source", _SOURCE_LABEL, 0.7, re.compile(r"来源|来自|出处|稿源")),
)
_BYLINE_CUE = re.compile("|".join(cue.pattern for *_, cue in _BYLINE_PATTERNS))


def _labelled_people(view: PageView) -> dict[str, list[_Found]]:
    found: dict[str, list[_Found]] = {"author": [], "editor": [], "source": []}
    for line in view.lines:
        if not _BYLINE_CUE.search(line.text):
            continue
        weight = _line_weight(view, line)
        if weight <= 0:
            continue
        for field_name, pattern, score, cue in _BYLINE_PATTERNS:
            if not cue.search(line.text):
                continue
            names = _line_names(line.text, pattern)
            if names:
                found[field_name].append(
                    _Found(names, score * weight, f"text:{line.index}", line.text)
                )
    return found


def _line_names(text: str, pattern: re.Pattern[str]) -> str | None:
    """The names a byline pattern finds on one line, in order: 记者 王敏 通讯员 李强 credits
    two people (the other patterns give their first match)."""
    names = []
    for match in pattern.finditer(text):
        raw = next(group for group in match.groups() if group) if match.groups() else None
        name = clean_person(match.groupdict().get("name") or raw)
        if name and (pattern is not _REPORTER or has_surname(name)):
            names.append(name)
    if not names:
        return None
    return " ".join(dict.fromkeys(names)) if pattern is _REPORTER else names[0]


def _credit_lines(view: PageView) -> list[_Found]:
    """(记者 胡晓蓉) at a paragraph's end, a bare name under the title, [ 黄宇 ] in the byline."""
    found = []
    for line in view.lines:
        # lines are stripped, so a credit in parentheses ends the text
        parens = line.text.endswith((")", "）"))
        near_title = view.title_index is not None and 0 < line.index - view.title_index <= 3
        if not (parens or near_title or "[" in line.text):
            continue
        weight = _line_weight(view, line)
        if weight <= 0:
            continue
        credit = _CREDIT_PARENS.search(line.text) if parens else None
        if credit and has_surname(credit["name"]):
            found.append(_Found(credit["name"], 0.5 * weight, f"credit:{line.index}", line.text))
        bare = _NAME_ONLY.match(line.text) if near_title else None
        if bare and has_surname(bare["name"]):
            found.append(_Found(bare["name"], 0.5, f"name-line:{line.index}", line.text))
        bracket = _BRACKET_NAME.search(line.text) if "[" in line.text else None
        if bracket and in_byline_zone(view, line.index) and has_surname(bracket["name"]):
            found.append(_Found(bracket["name"], 0.5, f"bracket:{line.index}", line.text))
    return found


def _byline_before_date(view: PageView, date_candidate: dict[str, Any] | None) -> list[_Found]:
    """`合飞律师4个月前 (01-09)`: the short text before the date on the byline line."""
    if not date_candidate or "_line" not in date_candidate:
        return []
    line = view.lines[date_candidate["_line"]]
    before = line.text[: line.text.find(date_candidate["raw"])]
    name = clean_person(re.sub(r"[|｜]", " ", before).split("  ")[-1])
    if (
        not name
        or name == page_title(view)
        or not looks_like_person(name)
        or not in_byline_zone(view, line.index)
    ):
        return []
    return [_Found(name, 0.45, f"before-date:{line.index}", line.text)]


def _credit_on_date_line(view: PageView, date_candidate: dict[str, Any] | None) -> list[_Found]:
    """`由海姑娘张贴 @ 2005-06-14 03:25`: a credit on a line that shows the published date
    (the byline, or a post footer that repeats it) names the post's author wherever that
    line sits (blogs put it in a footer zone that otherwise silences bylines)."""
    if not date_candidate or "_line" not in date_candidate:
        return []
    raw = date_candidate["raw"]
    dated = [line for line in view.lines if raw in line.text][:MAX_DATE_LINES]
    for line in dated:
        for _, pattern, score, cue in _BYLINE_PATTERNS[:3]:  # the author patterns
            names = _line_names(line.text, pattern) if cue.search(line.text) else None
            if names and looks_like_person(names):
                return [_Found(names, score, f"date-line:{line.index}", line.text)]
    return []


_META_AUTHOR_KEYS = (
    "author",
    "article:author",
    "citation_author",
    "dc.creator",
    "byl",
    "sailthru.author",
    "weibo:article:author",
)


def _meta_people(view: PageView, site_name: str | None) -> list[_Found]:
    found = []
    for key in _META_AUTHOR_KEYS:
        for value in view.metas.get(key, []):
            name = clean_person(re.sub(rf"(?<=[{CJK}])\s+(?=[{CJK}])", "", value))
            if name and name != site_name and looks_like_person(name):
                found.append(_Found(name, 0.7, f"meta:{key}", value))
    for obj in view.jsonld:
        names = list(dict.fromkeys(_jsonld_names(obj.get("author"))))
        if names:
            # several authors in the order the page lists them
            joined = ("、" if all(re.search(rf"[{CJK}]", n) for n in names) else ", ").join(names)
            found.append(_Found(joined, 0.75, "jsonld:author", joined))
    return found


def _jsonld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        name = clean_person(value)
        return [name] if name else []
    if isinstance(value, dict):
        return _jsonld_names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _jsonld_names(item)]
    return []


_BLOG_TITLE = re.compile(r"\[?(?P<name>[^\[\]]{2,20}?)\]?的博客")


def _blog_owner(view: PageView) -> list[_Found]:
    found = []
    for anchor in view.tagged["a"]:
        title = (anchor.get("title") or "").strip()
        match = _BLOG_TITLE.fullmatch(title) if title.endswith("的博客") else None
        if match:
            found.append(_Found(match["name"], 0.35, "blog-owner"))
            break
    return found


@dataclass(frozen=True)
class People:
    author: str | None
    editor: str | None
    source: str | None
    source_url: str | None
    # the line (or meta value) the author was read from, as the page writes it
    byline: str | None = None


def find_people(
    view: PageView, date_candidate: dict[str, Any] | None, site_name: str | None
) -> People:
    labelled = _labelled_people(view)
    source_name, source_url = source_link(view)
    sources = labelled["source"] + [
        _Found(v, 0.5, "meta:source")
        for v in view.metas.get("source", []) + view.metas.get("contentsource", [])
    ]
    source = source_name or _best(sources)
    authors = (
        labelled["author"]
        + _credit_lines(view)
        + _byline_before_date(view, date_candidate)
        + _credit_on_date_line(view, date_candidate)
        + _meta_people(view, site_name)
        + _blog_owner(view)
    )
    if source and (has_surname(source) or _INSTITUTION.search(source)):
        authors.append(_Found(source, 0.3, "source-as-author", source))
    author = _best_found([found for found in authors if looks_like_person(found.value)])
    return People(
        author=author.value if author else None,
        editor=_best(labelled["editor"]),
        source=source,
        source_url=source_url,
        byline=(author.raw or author.value) if author else None,
    )
