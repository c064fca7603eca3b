"""Page metadata: title, published date, author/editor/source, site name, ICP, category, tags.

`extract_metadata(html, url, fetched_at, main_text=None)` reads meta tags, JSON-LD and the
visible text. The visible text is linearised into lines, each tagged with a zone penalty
(comment lists, related posts, prev/next links, footers) and its distance from the title,
so that a date or byline next to the title beats the dates of related posts and comments.
Every date candidate is kept with where it came from and its score.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from cleaning.dates import (
    DAY,
    MINUTE,
    MONTH,
    YEAR,
    DateMatch,
    find_dates,
    may_hold_date,
    parse_machine_date,
)
from cleaning.density import NAMED_ELEMENTS
from cleaning.records import DateFinding

CJK = r"\u3400-\u9fff"
ACCEPT_DATE_SCORE = 0.3
BYLINE_LINES_AFTER_TITLE = 6
BYLINE_LINES_BEFORE_TITLE = 3

_DROP_TAGS = {"script", "style", "noscript", "template", "svg", "select", "textarea", "head"}
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "tbody", "h1", "h2", "h3",
    "h4", "h5", "h6", "section", "article", "header", "footer", "aside", "nav", "dd", "dt",
    "dl", "blockquote", "form", "center", "hr", "pre", "main", "figure", "figcaption", "text",
}  # fmt: skip
_STRONG_ZONE = re.compile(
    r"comment|relat|recommend|tuijian|xiangguan|pinglun|reply|sidebar|(?<![a-z])side(?![a-z])"
    r"|aside|(?<![a-z])(?:prev|next)|pager|paging|pagination|(?<![a-z])hot|rank|guess"
    r"|(?<![a-z])nav|menu",
    re.I,
)
_WEAK_ZONE = re.compile(r"foot|copyright|bottom|banquan", re.I)
_ZONE_TAGS = {"footer": 0.15, "nav": 0.45, "aside": 0.45}
_RELATED_HEADING = re.compile(
    r"^(?:相关(?:推荐|文章|阅读|内容|新闻|链接)|推荐阅读|延伸阅读|猜你喜欢|热门(?:文章|推荐)|最新文章"
    r"|随机看看|精彩评论|评论列表.*|网友评论|发表(?:评论|回复)|.{0,30}的相关文章)$"
)
_LINE_SPACE = re.compile(r"[ \t\r\n\u00a0\u3000]+")
_PREV_NEXT = re.compile(r"上一篇|下一篇|上一条|下一条|上篇|下篇|上一页|下一页")
_COMMENTISH = re.compile(r"头像|\d+\s*楼|回复")
# a line of running text: a sentence mark inside it, or long
_PROSE = re.compile(r"[。！？；，].|[.!?;,]\s+\w+\s\w+")
_DATE_LABEL = re.compile(
    r"(?:发布|发表|更新|日期|时间|发文|出版|published|posted|date)\s*[:：]?\s*$", re.I
)


@dataclass(frozen=True)
class PageMetadata:
    title: str | None
    published: DateFinding
    author: str | None = None
    editor: str | None = None
    source: str | None = None
    source_url: str | None = None
    site_name: str | None = None
    icp: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    canonical_url: str | None = None
    language: str | None = None
    # 公安备案 number, e.g. 京公网安备11010802020088号
    police_record: str | None = None

    @property
    def credited(self) -> str | None:
        """The person the page credits: the author, else the editor."""
        return self.author or self.editor


@dataclass
class Line:
    index: int
    text: str
    penalty: float = 0.0


@dataclass
class PageView:
    """The parsed page: its tree, head values and visible lines with landmarks."""

    tree: Any
    url: str
    lines: list[Line]
    metas: dict[str, list[str]]
    title_text: str | None
    h1_texts: list[str]
    title_index: int | None = None
    main_start: int | None = None
    # the first line of running text in the main text (after any subtitle or DOI lines)
    prose_start: int | None = None
    main_end: int | None = None
    related_from: int | None = None
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    # in document order: elements whose class or id names a breadcrumb, and the elements of
    # each tag in _READ_TAGS
    crumbs: list[Any] = field(default_factory=list)
    tagged: dict[str, list[Any]] = field(default_factory=dict)


# ---------------------------------------------------------------- parsing the page

# every word the zone and breadcrumb patterns hold, to turn away most names with one scan
_NAME_WORDS = re.compile(
    r"comment|relat|recommend|tuijian|xiangguan|pinglun|reply|side|prev|next|pag|hot|rank"
    r"|guess|nav|menu|foot|copyright|bottom|banquan"
    r"|crumb|position|location|weizhi|dqwz|daohang|curmbs|site-path|mbx"
)
# on ASCII text, a re.I pattern matches where its plain twin matches the lowered text
_STRONG_ZONE_LOWERED = re.compile(_STRONG_ZONE.pattern)
_WEAK_ZONE_LOWERED = re.compile(_WEAK_ZONE.pattern)
# lxml.html's own text_content(); works on trees of either parser
_string_content = etree.XPath("string()", smart_strings=False)
_HTML_PARSER = etree.HTMLParser()


def _zone_penalty(element: Any) -> float:
    tag = element.tag if isinstance(element.tag, str) else ""
    class_name, element_id = element.get("class"), element.get("id")
    if class_name is None and element_id is None:
        return _ZONE_TAGS.get(tag, 0.0)
    return _named_element(tag, class_name, element_id)[0]


@functools.lru_cache(maxsize=8192)
def _named_element(tag: str, class_name: str | None, element_id: str | None) -> tuple[float, bool]:
    """The zone penalty of an element with a class or an id (None: the attribute is absent),
    and whether those names mark a breadcrumb. Pages repeat the same few names thousands of
    times, hence the cache."""
    names = f"{class_name or ''} {element_id or ''}"
    strong, weak, crumb = _STRONG_ZONE, _WEAK_ZONE, _BREADCRUMB_ATTR
    if names.isascii():
        names = names.lower()
        if not _NAME_WORDS.search(names):
            return _ZONE_TAGS.get(tag, 0.0), False  # most names: neither a zone nor a breadcrumb
        strong, weak, crumb = _STRONG_ZONE_LOWERED, _WEAK_ZONE_LOWERED, _BREADCRUMB_ATTR_LOWERED
    if strong.search(names):
        zone = 0.45
    elif weak.search(names):
        zone = 0.15
    else:
        zone = _ZONE_TAGS.get(tag, 0.0)
    return zone, crumb.search(names) is not None


# how the walk treats a tag: its text runs on, starts a line of its own, or is not read
# (_TAG_KINDS holds the common tags; _tag_kind works out the others)
_INLINE, _BLOCK, _DROP = 0, 1, 2
_TAG_KINDS = (
    dict.fromkeys(("a", "span", "img", "i", "b", "em", "strong", "font", "label"), _INLINE)
    | dict.fromkeys(_BLOCK_TAGS, _BLOCK)
    | dict.fromkeys(_DROP_TAGS, _DROP)
)
# the tags whose elements metadata reads; the walk gathers them (each lxml iter() over the
# tree costs about as much as gathering all of them)
_READ_TAGS = ("a", "meta", "script", "title", "h1", "time", "link")


@functools.lru_cache(maxsize=1024)
def _tag_kind(tag: str) -> int:
    lowered = tag.lower()
    if lowered in _DROP_TAGS:
        return _DROP
    return _BLOCK if lowered in _BLOCK_TAGS else _INLINE


@dataclass
class _PageScan:
    """What one pass over the document finds: the visible lines (the text under
    `line_root`), and in document order the elements named as breadcrumbs and the elements
    of each tag in _READ_TAGS."""

    lines: list[Line]
    crumbs: list[Any]
    tagged: dict[str, list[Any]]


def _scan_page(tree: Any, line_root: Any) -> _PageScan:
    """Text joins into one line until a block element starts or ends; text under script,
    style and the like is skipped. A line's penalty is the highest of its texts' elements."""
    scan = _PageScan([], [], {tag: [] for tag in _READ_TAGS})
    lines, crumbs, tagged = scan.lines, scan.crumbs, scan.tagged
    parts: list[str] = []
    line_penalty = 0.0

    def flush() -> None:
        """End the line (callers check first that it has text: most block edges have none)."""
        nonlocal line_penalty
        text = _LINE_SPACE.sub(" ", "".join(parts)).strip()
        if text:
            lines.append(Line(len(lines), text, line_penalty))
        parts.clear()
        line_penalty = 0.0

    def visit(element: Any, penalty: float, visible: bool) -> None:
        """`visible`: the element (and its tail) lies in the line root, outside dropped tags."""
        nonlocal line_penalty
        tag = element.tag
        if isinstance(tag, str):
            kind = _TAG_KINDS.get(tag)
            if kind is None:
                kind = _tag_kind(tag)
            same_tag = tagged.get(tag)
            if same_tag is not None:
                same_tag.append(element)
            class_name, element_id = element.get("class"), element.get("id")
            if class_name is None and element_id is None:
                zone = _ZONE_TAGS.get(tag, 0.0)
            else:
                zone, is_crumb = _named_element(tag, class_name, element_id)
                if is_crumb:
                    crumbs.append(element)
            if visible and kind != _DROP:
                own = zone if zone > penalty else penalty
                if kind == _BLOCK and parts:
                    flush()
                text = element.text
                # isspace() is False for "": together, the text holds more than whitespace
                if text and not text.isspace():
                    parts.append(text)
                    if own > line_penalty:
                        line_penalty = own
                for child in element:
                    visit(child, own, True)
                if kind == _BLOCK and parts:
                    flush()
            else:
                for child in element:
                    visit(child, 0.0, child is line_root)
        if visible:
            tail = element.tail
            if tail and not tail.isspace():
                parts.append(tail)
                if penalty > line_penalty:
                    line_penalty = penalty

    visit(tree, 0.0, tree is line_root)
    if parts:
        flush()
    return scan


def _scan_deep_page(tree: Any, line_root: Any) -> _PageScan:
    """For a tree too deep to walk: all the visible text on one line."""
    text = _LINE_SPACE.sub(" ", _string_content(line_root)).strip()
    crumbs = [
        element
        for element in NAMED_ELEMENTS(tree)
        if _named_element(element.tag, element.get("class"), element.get("id"))[1]
    ]
    tagged = {tag: list(tree.iter(tag)) for tag in _READ_TAGS}
    return _PageScan([Line(0, text, 0.0)] if text else [], crumbs, tagged)


def _collect_metas(meta_elements: list[Any]) -> dict[str, list[str]]:
    metas: dict[str, list[str]] = {}
    for meta in meta_elements:
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        content = meta.get("content")
        if key and content and content.strip():
            metas.setdefault(key.strip().lower(), []).append(content.strip())
    return metas


def jsonld_objects(tree: Any) -> list[dict[str, Any]]:
    """Every schema.org object in the page's JSON-LD scripts, @graph members included."""
    return _jsonld_in(tree.iter("script"))


def _jsonld_in(scripts: Iterable[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in scripts:
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        found.extend(_flatten_jsonld(data))
    return found


def _flatten_jsonld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten_jsonld(item)
    elif isinstance(data, dict):
        yield data
        yield from _flatten_jsonld(data.get("@graph", []))


def _parse_tree(html: str) -> Any:
    """The document as lxml.html.document_fromstring reads it, with plain lxml elements,
    which lxml builds without calling back into Python for each one."""
    # lxml refuses str input that carries an XML encoding declaration
    cleaned = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    try:
        tree = etree.fromstring(cleaned, _HTML_PARSER)
    except (etree.ParserError, ValueError):
        tree = None
    if tree is None:
        tree = etree.fromstring("<html><body></body></html>", _HTML_PARSER)
    return tree


def build_view(html: str, url: str, main_text: str | None, tree: Any = None) -> PageView:
    """`tree`: the page already parsed by the caller (read, never changed), else parsed here."""
    tree = _parse_tree(html) if tree is None else tree
    body = tree.find("body")
    line_root = body if body is not None else tree
    try:
        scan = _scan_page(tree, line_root)
    except RecursionError:
        scan = _scan_deep_page(tree, line_root)
    # the first <title> below the root, as tree.find(".//title") finds it
    title_element = next((title for title in scan.tagged["title"] if title is not tree), None)
    title_text = _squash(_string_content(title_element)) if title_element is not None else None
    h1_texts = [_squash(_string_content(h1)) for h1 in scan.tagged["h1"]]
    view = PageView(
        tree=tree,
        url=url,
        lines=scan.lines,
        metas=_collect_metas(scan.tagged["meta"]),
        title_text=title_text or None,
        h1_texts=[text for text in h1_texts if text],
        jsonld=_jsonld_in(scan.tagged["script"]),
        crumbs=scan.crumbs,
        tagged=scan.tagged,
    )
    _locate_landmarks(view, main_text)
    return view


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


# ---------------------------------------------------------------- landmarks


def _title_index(view: PageView, title: str | None) -> int | None:
    if not title:
        return None
    target = _squash(title)
    best: tuple[float, int] | None = None
    for line in view.lines:
        if line.penalty >= 0.45:
            continue
        if target in line.text:
            closeness = len(target) / len(line.text)
        elif len(line.text) >= 6 and line.text in target:
            closeness = len(line.text) / len(target)
        else:
            continue
        if closeness >= 0.6 and (best is None or closeness > best[0]):
            best = (closeness, line.index)
    return best[1] if best else None


def _find_line(lines: list[Line], needle: str, start: int = 0) -> int | None:
    if len(needle) < 4:
        return None
    for line in lines[start:]:
        if needle in line.text:
            return line.index
    return None


def _locate_landmarks(view: PageView, main_text: str | None) -> None:
    view.title_index = _title_index(view, page_title(view))
    after_title = view.title_index or 0
    if main_text:
        text_lines = [_squash(part) for part in main_text.splitlines() if part.strip()]
        # an extractor may keep a subtitle, DOI or author line above the prose and a
        # "相关内容" or "文章评论" heading below it: the body runs from prose to prose
        prose = [line for line in text_lines if _PROSE.search(line)] or text_lines
        if text_lines:
            view.main_start = _find_line(view.lines, text_lines[0][:16], after_title)
            view.prose_start = _find_line(view.lines, prose[0][:16], view.main_start or 0)
            view.main_end = _find_line(view.lines, prose[-1][-16:], view.prose_start or 0)
    if view.title_index is None and view.main_start is None:
        return  # without a landmark a heading may belong to a sidebar above the article
    for line in view.lines[after_title + 1 :]:
        if line.penalty >= 0.45:
            continue
        if _RELATED_HEADING.match(line.text) and (
            view.main_start is None or line.index > view.main_start
        ):
            view.related_from = line.index
            break


def in_byline_zone(view: PageView, index: int) -> bool:
    """Near the title (just before or a few lines after), and before the main text starts."""
    if view.title_index is None:
        return view.main_start is not None and view.main_start - 4 <= index < view.main_start
    low = view.title_index - BYLINE_LINES_BEFORE_TITLE
    high = view.title_index + BYLINE_LINES_AFTER_TITLE
    body_start = view.prose_start or view.main_start
    if body_start is not None and body_start > view.title_index:
        high = max(body_start, view.title_index + 2)
    return low <= index <= high


def after_article(view: PageView, index: int) -> bool:
    if view.related_from is not None and index >= view.related_from:
        return True
    return view.main_end is not None and index > view.main_end + 2


def inside_body(view: PageView, index: int) -> bool:
    if view.main_start is None or view.main_end is None:
        return False
    return view.main_start < index < view.main_end


# ---------------------------------------------------------------- title


_TITLE_SEPARATORS = re.compile(r"\s*(?:_{1,2}|\s[-–—|]\s|[|｜]|--|——)\s*")


def title_segments(title: str | None) -> list[str]:
    return [part for part in _TITLE_SEPARATORS.split(title or "") if part.strip()]


def page_title(view: PageView) -> str | None:
    """The article title: the <h1> the <title> contains, else the <title>'s first part."""
    title = view.title_text or ""
    for h1 in view.h1_texts:
        if h1 and (h1 in title or (len(view.h1_texts) == 1 and not title)):
            return h1
    segments = title_segments(title)
    if segments:
        return segments[0].strip()
    og_title = first_meta(view, "og:title")
    return og_title or (view.h1_texts[0] if view.h1_texts else None)


def first_meta(view: PageView, *names: str) -> str | None:
    for name in names:
        values = view.metas.get(name)
        if values:
            return values[0]
    return None


# ---------------------------------------------------------------- dates

_META_DATE_SCORES = {
    "article:published_time": 0.95, "og:published_time": 0.9, "og:release_date": 0.9,
    "datepublished": 0.95, "pubdate": 0.9, "publishdate": 0.9, "publish_date": 0.9,
    "publishtime": 0.85, "publication_date": 0.9, "citation_publication_date": 0.85,
    "citation_date": 0.8, "dc.date.issued": 0.85, "dc.date": 0.75, "dcterms.created": 0.8,
    "parsely-pub-date": 0.85, "sailthru.date": 0.8, "weibo:article:create_at": 0.8,
    "article:modified_time": 0.35, "og:updated_time": 0.35, "datemodified": 0.35,
    "dateupdate": 0.35, "lastmodified": 0.2, "last-modified": 0.2,
}  # fmt: skip
_JSONLD_DATE_SCORES = {"datePublished": 0.95, "dateCreated": 0.8, "dateModified": 0.35}


def _candidate(match: DateMatch, where: str, score: float) -> dict[str, Any]:
    return {
        "raw": match.raw,
        "value": match.value.isoformat(),
        "where": where,
        "score": round(score, 3),
        "_match": match,
    }


def _meta_date_candidates(view: PageView, fetched_at: datetime) -> list[dict[str, Any]]:
    found = []
    for name, score in _META_DATE_SCORES.items():
        for value in view.metas.get(name, []):
            match = parse_machine_date(value, fetched_at)
            if match is not None:
                found.append(_candidate(match, f"meta:{name}", score))
    for obj in view.jsonld:
        for key, score in _JSONLD_DATE_SCORES.items():
            raw = obj.get(key)
            match = parse_machine_date(raw, fetched_at) if isinstance(raw, str) else None
            if match is not None:
                found.append(_candidate(match, f"jsonld:{key}", score))
    return found


def _time_element_candidates(view: PageView, fetched_at: datetime) -> list[dict[str, Any]]:
    found = []
    for element in view.tagged["time"]:
        value = element.get("datetime") or _string_content(element)
        match = parse_machine_date(value or "", fetched_at)
        if match is None:
            continue
        penalty = max((_zone_penalty(parent) for parent in element.iterancestors()), default=0.0)
        score = (0.85 if element.get("pubdate") is not None else 0.7) - penalty
        found.append(_candidate(match, "time-element", score))
    return found


def _text_date_score(view: PageView, line: Line, match: DateMatch) -> float:
    score = 0.45 + 0.1 * (1 - line.index / max(len(view.lines), 1))
    if _DATE_LABEL.search(line.text[: match.start][-12:]):
        score += 0.25
    if in_byline_zone(view, line.index):
        score += 0.25
    if match.precision == MINUTE:
        score += 0.05
    elif match.precision in (MONTH, YEAR):
        score -= 0.15
    if match.relative and "前" not in match.raw and match.precision in (DAY, MINUTE):
        score -= 0.2  # a month-day whose year was guessed
    return score - _text_date_penalty(view, line)


def _text_date_penalty(view: PageView, line: Line) -> float:
    penalty = line.penalty
    if _PREV_NEXT.search(line.text):
        penalty += 0.6
    if _COMMENTISH.search(line.text):
        penalty += 0.25
    if after_article(view, line.index):
        penalty += 0.3
    if inside_body(view, line.index) or len(line.text) > 200:
        penalty += 0.2
    return penalty


def _text_date_candidates(view: PageView, fetched_at: datetime) -> list[dict[str, Any]]:
    found = []
    for line in view.lines:
        if not may_hold_date(line.text):
            continue
        for match in find_dates(line.text, fetched_at):
            candidate = _candidate(match, f"text:{line.index}", _text_date_score(view, line, match))
            candidate["_line"] = line.index
            found.append(candidate)
    return found


def _url_date_candidates(url: str, fetched_at: datetime) -> list[dict[str, Any]]:
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "")
    spaced = re.sub(
        r"(?<!\d)((?:19|20)\d{2})[/_]?(0[1-9]|1[0-2])[/_]?(0[1-9]|[12]\d|3[01])(?!\d)",
        r" \1-\2-\3 ",
        path,
    )
    return [
        _candidate(match, "url", 0.3)
        for match in find_dates(spaced, fetched_at)
        if match.precision == DAY
    ]


def _agreement_bonus(best: dict[str, Any], candidates: list[dict[str, Any]]) -> float:
    day = best["_match"].value.date()
    sources = {
        c["where"].split(":")[0]
        for c in candidates
        if c["_match"].value.date() == day and c["score"] >= 0.2
    }
    return 0.05 * min(len(sources) - 1, 3)


def find_published(
    view: PageView, fetched_at: datetime
) -> tuple[DateFinding, dict[str, Any] | None]:
    """The published date with every candidate; also the winning candidate (for bylines)."""
    candidates = (
        _meta_date_candidates(view, fetched_at)
        + _time_element_candidates(view, fetched_at)
        + _text_date_candidates(view, fetched_at)
        + _url_date_candidates(view.url, fetched_at)
    )
    public = tuple({k: v for k, v in c.items() if not k.startswith("_")} for c in candidates)
    if not candidates:
        return DateFinding(value=None, raw=None, confidence=0.0, candidates=()), None
    # the first of the best scores (by position: list.index() made this quadratic)
    best = candidates[max(range(len(candidates)), key=lambda i: (candidates[i]["score"], -i))]
    if best["score"] < ACCEPT_DATE_SCORE:
        return DateFinding(value=None, raw=None, confidence=0.0, candidates=public), None
    confidence = min(1.0, best["score"] + _agreement_bonus(best, candidates))
    finding = DateFinding(
        value=best["_match"].value,
        raw=best["raw"],
        confidence=round(confidence, 3),
        candidates=public,
    )
    return finding, best


# ---------------------------------------------------------------- people: author, editor, source

_NAME = rf"(?:[{CJK}·]{{2,4}}(?![{CJK}])|[A-Za-z][A-Za-z0-9_.&-]{{1,24}})"
_NAMES = rf"{_NAME}(?:(?:\s*[、,，]\s*|\s+){_NAME})*"
_NAME_CHAR = r"[^\s:：|｜，,。;；()（）\[\]【】<>《》]"
_FREE_NAME = rf"{_NAME_CHAR}{{1,24}}(?:\s+{_NAME_CHAR}{{1,12}}){{0,5}}"
_AUTHOR_LABEL = re.compile(
    rf"(?:作\s*者|撰\s*文|撰稿人?|执笔人?|供稿|(?<![{CJK}])文)\s*[:：/]\s*(?P<name>{_FREE_NAME})"
)
# the name must end the phrase (记者 彭冲 山东冠县报道, 记者马俊峰/文), so prose such as
# 本刊记者经历了… does not yield a name
_REPORTER = re.compile(
    rf"(?<!小)(?:记者|通讯员)\s*[:：]?\s*(?P<name>{_NAMES})(?=\s|$|[/）)\]，,。|｜]|报道|摄|电)"
)
_POSTED_BY = re.compile(
    r"(?:本[贴帖文]由\s*(?P<a>\S{1,20}?)\s*于|由\s*(?P<b>\S{1,20}?)\s*(?:张贴|发表|发布)|(?:(?<=\d)\s*|^\s*)by\s+(?P<c>[\w.&-]{2,30}))",
    re.I,
)
_CREDIT_PARENS = re.compile(
    rf"[（(]\s*(?:[^（()）]{{0,12}}?(?:记者|通讯员|作者|文|撰稿)[:：/]?\s*)?(?P<name>{_NAMES})\s*[)）]\s*$"
)
_BRACKET_NAME = re.compile(rf"\[\s*(?P<name>{_NAMES})\s*\]")
_NAME_ONLY = re.compile(rf"^(?P<name>{_NAMES})$")
_EDITOR_LABEL = re.compile(rf"(?:责任编辑|责编|编辑|小编)\s*[:：]\s*(?P<name>{_FREE_NAME})")
_SOURCE_LABEL = re.compile(rf"(?<!注明)(?:来源|来自|出处|稿源)\s*[:：]\s*(?P<name>{_FREE_NAME})")
_SOURCE_LINK = re.compile(
    r"(?P<name>[^\s:：]{0,20}?)\s*(?:来源链接|原文链接|原文地址|转载自)\s*[:：]\s*(?P<url>https?://[^\s<>\"'，。]+)"
)
# words that end a name run: the next field of the byline
_NAME_STOP = re.compile(
    r"(?:发布|发表|时间|日期|来源|来自|出自|编辑|责任编辑|点击|阅读|浏览|字号|字体|出处|评论|分享|更新|关注|报道"
    r"|\d{4}[-/.年]|\d+\s*(?:个月|天|小时|分钟|秒|年)前).*$"
)
_NOT_NAMES = {
    "佚名",
    "未知",
    "网络",
    "本站",
    "互联网",
    "匿名",
    "转载",
    "原创",
    "不详",
    "admin",
    "管理员",
    "图",
    "完",
    "组图",
    "附图",
    "上",
    "下",
    "续",
    "转载文章",
    "本站原创",
}
# common single and double surnames: a bare 2-4 character line is only taken for a name
# when it starts with one (茉莉-style pen names are missed; 小字号 and 人物画像 are not taken)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯"
    "纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海"
    "阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊"
    "乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴"
    "昝智幸奉植衡富尧闭由格扎次达尼旦索拉风"
)
_DOUBLE_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "端木",
    "西门",
    "南宫",
)
_ORG_SUFFIX = re.compile(
    r"(?:网|网站|网络|报|日报|晚报|周刊|新闻|社|台|频道|杂志|中心|平台|科技|公司|集团|工作室|\.com|\.cn|\.net)$",
    re.I,
)


def clean_person(raw: str | None) -> str | None:
    """A name out of a byline fragment: labels, trailing dates and fields cut away."""
    if not raw:
        return None
    text = re.sub(
        r"^(?:作\s*者|文|撰文|记者|编辑|责任编辑|来源|by)\s*[:：/]?\s*", "", raw.strip(), flags=re.I
    )
    text = _NAME_STOP.sub("", text)
    text = re.sub(r"[\s\u00a0\u3000]+", " ", text).strip(" :：|｜/\\-—_,，。;；·[]【】()（）")
    if not text or len(text) > 30 or text.lower() in _NOT_NAMES:
        return None
    if not re.search(rf"[{CJK}A-Za-z]", text) or re.search(
        r"https?:|www\.|\d{5,}|_\d|[=\"'<>]", text
    ):
        return None
    return text


def has_surname(names: str) -> bool:
    """Every name in a run such as `常书香 马丹阳` starts with a known surname."""
    parts = [part for part in re.split(r"[\s、,，]+", names) if part]
    return bool(parts) and all(
        re.fullmatch(rf"[{CJK}]{{2,4}}", part)
        and (part[0] in _SURNAMES or part[:2] in _DOUBLE_SURNAMES)
        for part in parts
    )


def looks_like_person(name: str | None) -> bool:
    """A short name that is not an outlet (…网, …日报, …社)."""
    parts = re.split(r"[\s、,，]+", name or "")
    return (
        bool(name) and not _ORG_SUFFIX.search(name or "") and max(len(part) for part in parts) <= 12
    )


@dataclass
class _Found:
    value: str
    score: float
    where: str


MIN_PERSON_SCORE = 0.25


def _best(found: list[_Found]) -> str | None:
    found = [item for item in found if item.score >= MIN_PERSON_SCORE]
    if not found:
        return None
    return max(found, key=lambda item: (item.score, -found.index(item))).value


def _line_weight(view: PageView, line: Line) -> float:
    """How much a byline on this line is worth, by where the line sits."""
    if line.penalty >= 0.45 or _COMMENTISH.search(line.text) or _PREV_NEXT.search(line.text):
        return 0.0
    weight = 1.0 if in_byline_zone(view, line.index) else 0.8
    if view.related_from is not None and line.index >= view.related_from:
        weight -= 0.4
    elif after_article(view, line.index):
        weight -= 0.25  # credits often sit just below what an extractor keeps
    return weight - line.penalty


# (field, pattern, score, cue): a pattern can only match a line its cue is found in
_BYLINE_PATTERNS = (
    ("author", _AUTHOR_LABEL, 0.8, re.compile(r"[作撰文]|执笔|供稿")),
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
            for match in pattern.finditer(line.text):
                raw = next(group for group in match.groups() if group) if match.groups() else None
                name = clean_person(match.groupdict().get("name") or raw)
                if name and (pattern is not _REPORTER or has_surname(name)):
                    found[field_name].append(_Found(name, score * weight, f"text:{line.index}"))
    return found


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
            found.append(_Found(credit["name"], 0.5 * weight, f"credit:{line.index}"))
        bare = _NAME_ONLY.match(line.text) if near_title else None
        if bare and has_surname(bare["name"]):
            found.append(_Found(bare["name"], 0.5, f"name-line:{line.index}"))
        bracket = _BRACKET_NAME.search(line.text) if "[" in line.text else None
        if bracket and in_byline_zone(view, line.index) and has_surname(bracket["name"]):
            found.append(_Found(bracket["name"], 0.5, f"bracket:{line.index}"))
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
    return [_Found(name, 0.45, f"before-date:{line.index}")]


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
                found.append(_Found(name, 0.7, f"meta:{key}"))
    for obj in view.jsonld:
        for name in _jsonld_names(obj.get("author")):
            found.append(_Found(name, 0.75, "jsonld:author"))
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


def find_people(
    view: PageView, date_candidate: dict[str, Any] | None, site_name: str | None
) -> People:
    labelled = _labelled_people(view)
    source_name, source_url = _source_link(view)
    sources = labelled["source"] + [
        _Found(v, 0.5, "meta:source")
        for v in view.metas.get("source", []) + view.metas.get("contentsource", [])
    ]
    source = source_name or _best(sources)
    authors = (
        labelled["author"]
        + _credit_lines(view)
        + _byline_before_date(view, date_candidate)
        + _meta_people(view, site_name)
        + _blog_owner(view)
    )
    if source and has_surname(source):
        authors.append(_Found(source, 0.3, "source-as-author"))
    author = _best([found for found in authors if looks_like_person(found.value)])
    return People(
        author=author, editor=_best(labelled["editor"]), source=source, source_url=source_url
    )


_SOURCE_BEFORE_LINK = re.compile(r"(?:来源|稿源)\s*[:：]\s*\[?\s*$")


def _source_link(view: PageView) -> tuple[str | None, str | None]:
    """The syndication origin: `X来源链接:https://…`, or a link right after 来源:."""
    for line in view.lines:
        if "链接" not in line.text and "原文地址" not in line.text and "转载自" not in line.text:
            continue  # cheap test first: the pattern's leading name run is slow to scan
        match = _SOURCE_LINK.search(line.text)
        if match:
            return clean_person(match["name"]), match["url"]
    if not any("来源" in line.text or "稿源" in line.text for line in view.lines):
        return None, None
    for anchor in view.tagged["a"]:
        href = anchor.get("href") or ""
        if not href.startswith("http"):
            continue
        previous = anchor.getprevious()
        before = (previous.tail if previous is not None else anchor.getparent().text) or ""
        if "源" in before and _SOURCE_BEFORE_LINK.search(before):
            return clean_person(_string_content(anchor)), urljoin(view.url or "", href)
    return None, None


# ---------------------------------------------------------------- site: name, ICP, category, tags

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_ICP = re.compile(
    rf"(?P<p>[{_PROVINCES}])\s*ICP\s*(?P<kind>备|证)\s*(?P<n>\d{{5,12}})\s*号?(?:\s*-\s*(?P<s>\d{{1,3}}))?",
    re.I,
)
_POLICE = re.compile(rf"(?P<p>[{_PROVINCES}])\s*公网安备\s*(?P<n>\d{{8,20}})\s*号?")
_COPYRIGHT_NAME = re.compile(
    rf"(?P<before>[{CJK}A-Za-z0-9.]{{2,20}})\s*(?:©|&copy;|\(c\)|版权所有)"
    rf"|(?:©|Copyright|版权所有)\s*(?:©\s*)?(?:\d{{4}}\s*(?:[-–]\s*\d{{4}})?\s*)?(?P<after>[{CJK}][{CJK}A-Za-z0-9]{{1,19}})",
    re.I,
)
# the marks _COPYRIGHT_NAME needs, found far faster than the name runs it starts with
_COPYRIGHT_MARK = re.compile(r"©|&copy;|\(c\)|版权所有|copyright", re.I)
_BREADCRUMB_ATTR = re.compile(
    r"breadcrumb|crumb|position|location|weizhi|dqwz|daohang|curmbs|site-path|mbx", re.I
)
_BREADCRUMB_ATTR_LOWERED = re.compile(_BREADCRUMB_ATTR.pattern)
_CRUMB_LINE_START = re.compile(r"^(?:当前位置|您的位置|你的位置|所在位置|位置)\s*[:：]")
_CRUMB_LINE_END = re.compile(r"\S\s*>\s*>?\s*正文")
_BREADCRUMB_SPLIT = re.compile(r"\s*(?:>|&gt;|»|›|→|/|＞|〉|>>)\s*")
_CRUMB_SKIP = re.compile(
    r"^(?:当前位置|您的位置|你的位置|所在位置|位置)?\s*[:：]?\s*(?:首页|主页|网站首页|home|正文|正文内容|内容|详情|详细内容|文章|阅读文章)?$",
    re.I,
)


def find_icp(text: str) -> str | None:
    """An ICP record/licence number written the canonical way: 鄂ICP备14010628号-2."""
    if "ICP" not in text and "icp" not in text:
        return None  # a literal scan is far cheaper than the province class on a whole page
    match = _ICP.search(text)
    if not match:
        return None
    suffix = f"-{match['s']}" if match["s"] else ""
    return f"{match['p']}ICP{match['kind']}{match['n']}号{suffix}"


def find_police_record(text: str) -> str | None:
    match = _POLICE.search(text) if "公网安备" in text else None
    return f"{match['p']}公网安备{match['n']}号" if match else None


def _footer_site_name(view: PageView) -> str | None:
    for line in reversed(view.lines[-40:]):
        match = _COPYRIGHT_NAME.search(line.text) if _COPYRIGHT_MARK.search(line.text) else None
        if match:
            name = (match["before"] or match["after"] or "").strip()
            if name and not re.fullmatch(r"[\d\s.-]+|all|rights|reserved", name, re.I):
                return name
    return None


def find_site_name(view: PageView) -> str | None:
    """og:site_name, else the <title>'s suffix (X - 站名, X_站名), else the footer copyright."""
    named = first_meta(view, "og:site_name", "application-name", "sitename", "site_name")
    if named:
        return named
    footer = _footer_site_name(view)
    segments = title_segments(view.title_text)
    if len(segments) >= 2 and len(segments[-1]) <= 20:
        suffix = segments[-1].strip()
        if footer and footer in (view.title_text or ""):
            return footer
        return suffix
    return footer


def _crumb_texts(view: PageView) -> Iterator[str]:
    for element in view.crumbs:
        text = _squash(_string_content(element))
        if 0 < len(text) <= 200:
            yield text
    for line in view.lines:
        if ("位置" in line.text or "正文" in line.text) and (
            _CRUMB_LINE_START.match(line.text) or _CRUMB_LINE_END.search(line.text)
        ):
            yield line.text


def find_category(view: PageView) -> str | None:
    """The last breadcrumb step that is neither home, 正文, nor the title itself."""
    title = page_title(view) or ""
    for text in _crumb_texts(view):
        steps = [step.strip() for step in _BREADCRUMB_SPLIT.split(text)]
        steps = [
            re.sub(r"^(?:当前位置|您的位置|你的位置|所在位置|位置)\s*[:：]\s*", "", s)
            for s in steps
        ]
        kept = [s for s in steps if s and not _CRUMB_SKIP.match(s) and s != title and len(s) <= 20]
        if kept and len(steps) >= 2:
            return kept[-1]
    section = first_meta(view, "article:section", "columnname", "columntype")
    for obj in view.jsonld:
        if isinstance(obj.get("articleSection"), str):
            section = section or obj["articleSection"]
    return section


_TAG_NAME = re.compile(r"(?<![a-z])tags?(?![a-z])", re.I)
_TAG_NAME_LOWERED = re.compile(_TAG_NAME.pattern)


@functools.lru_cache(maxsize=4096)
def _names_tags(attrs: str) -> bool:
    """Whether class and id names mark a tag list (tag, tags, post-tags; not hashtag)."""
    if attrs.isascii():
        lowered = attrs.lower()
        return "tag" in lowered and _TAG_NAME_LOWERED.search(lowered) is not None
    return _TAG_NAME.search(attrs) is not None


def find_tags(view: PageView) -> tuple[str, ...]:
    """meta keywords, article:tag and links marked as tags; first-seen order, no repeats."""
    tags: list[str] = []
    for value in view.metas.get("keywords", []) + view.metas.get("news_keywords", []):
        tags.extend(re.split(r"[,，、;；|]|\s{2,}", value))
    tags.extend(view.metas.get("article:tag", []))
    for anchor in view.tagged["a"]:
        rel = (anchor.get("rel") or "").lower()
        parent = anchor.getparent()
        if rel == "tag" or _names_tags(f"{parent.get('class', '')} {parent.get('id', '')}"):
            tags.append(_string_content(anchor))
    cleaned = (_squash(tag) for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag and len(tag) <= 30))


def find_canonical(view: PageView) -> str | None:
    for link in view.tagged["link"]:
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            return _absolute(view.url, link.get("href"))
    og_url = first_meta(view, "og:url")
    return _absolute(view.url, og_url) if og_url else None


def _absolute(base: str, href: str) -> str:
    href = href.strip()
    if re.match(r"^www\.", href):
        href = "http://" + href
    return urljoin(base or "", href)


def find_language(view: PageView) -> str | None:
    """The declared language (primary subtag), else a guess from the characters: zh/ja/ko."""
    html_element = view.tree if view.tree.tag == "html" else view.tree.find(".//html")
    declared = (
        (html_element.get("lang") or html_element.get("xml:lang") or "")
        if html_element is not None
        else ""
    )
    declared = declared or first_meta(view, "content-language", "og:locale", "language") or ""
    if declared.strip():
        return declared.strip().replace("_", "-").split("-")[0].lower()
    sample = "".join(line.text for line in view.lines)[:20000]
    return language_of(sample)


def language_of(text: str) -> str | None:
    letters = kana = hangul = han = 0
    # test each distinct character once, not each of its occurrences
    for char, count in Counter(text).items():
        if not char.isalpha():
            continue
        letters += count
        if "\u3040" <= char <= "\u30ff":
            kana += count
        elif "\uac00" <= char <= "\ud7af":
            hangul += count
        elif "\u3400" <= char <= "\u9fff":
            han += count
    if not letters:
        return None
    if kana > 0.05 * letters:
        return "ja"
    if hangul > 0.2 * letters:
        return "ko"
    return "zh" if han > 0.2 * letters else None


# ---------------------------------------------------------------- the whole


def extract_metadata(
    html: str, url: str, fetched_at: datetime, main_text: str | None = None, tree: Any = None
) -> PageMetadata:
    """Everything the page says about itself; `main_text` helps find the byline next to it.
    `tree` is the lxml document of `html` when the caller has parsed it already."""
    view = build_view(html, url, main_text, tree)
    published, date_candidate = find_published(view, fetched_at)
    site_name = find_site_name(view)
    people = find_people(view, date_candidate, site_name)
    footer_text = " ".join(line.text for line in view.lines[-60:])
    return PageMetadata(
        title=page_title(view),
        published=published,
        author=people.author,
        editor=people.editor,
        source=people.source,
        source_url=people.source_url,
        site_name=site_name,
        icp=find_icp(footer_text) or find_icp(html),
        category=find_category(view),
        tags=find_tags(view),
        canonical_url=find_canonical(view),
        language=find_language(view),
        police_record=find_police_record(footer_text) or find_police_record(html),
    )
