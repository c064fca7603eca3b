"""The page as metadata reads it: one walk over the tree gives the visible lines (each with a
zone penalty for comment lists, related posts, prev/next links and footers), the meta tags,
JSON-LD objects, breadcrumb elements and the elements of the tags metadata reads; landmarks
(title line, main-text start and end, related-posts heading) place every line relative to
the article, so that a byline or date next to the title beats those of related posts."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

CJK = r"\u3400-\u9fff"
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
# where _LINE_SPACE.sub(" ", text) changes the text: a run other than one plain space
_LINE_SPACE_TO_FOLD = re.compile(r"[\t\r\n\u00a0\u3000]| [ \t\r\n\u00a0\u3000]")
PREV_NEXT = re.compile(r"上一篇|下一篇|上一条|下一条|上篇|下篇|上一页|下一页")
COMMENTISH = re.compile(r"头像|\d+\s*楼|回复")
# a line of running text: a sentence mark inside it, or long
_PROSE = re.compile(r"[。！？；，].|[.!?;,]\s+\w+\s\w+")


_BREADCRUMB_ATTR = re.compile(
    r"breadcrumb|crumb|position|location|weizhi|dqwz|daohang|curmbs|site-path|mbx", re.I
)
_BREADCRUMB_ATTR_LOWERED = re.compile(_BREADCRUMB_ATTR.pattern)


@dataclass(slots=True)  # a page has hundreds: no __dict__ each
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


# every word the zone and breadcrumb patterns hold, to turn away most names with one scan
_NAME_WORDS = re.compile(
    r"comment|relat|recommend|tuijian|xiangguan|pinglun|reply|side|prev|next|pag|hot|rank"
    r"|guess|nav|menu|foot|copyright|bottom|banquan"
    r"|crumb|position|location|weizhi|dqwz|daohang|curmbs|site-path|mbx"
)
# the elements that carry a class or an id: only those can be named as noise, comment
# widgets, post bodies or breadcrumbs (libxml2 finds them far faster than a Python loop)
NAMED_ELEMENTS = etree.XPath("descendant-or-self::*[@class or @id]")
# on ASCII text, a re.I pattern matches where its plain twin matches the lowered text
_STRONG_ZONE_LOWERED = re.compile(_STRONG_ZONE.pattern)
_WEAK_ZONE_LOWERED = re.compile(_WEAK_ZONE.pattern)
# lxml.html's own text_content(); works on trees of either parser
string_content = etree.XPath("string()", smart_strings=False)
_HTML_PARSER = etree.HTMLParser()


def zone_penalty(element: Any) -> float:
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
    `line_root`), and in document order the elements named as breadcrumbs, the elements
    of each tag in _READ_TAGS, and every element with a class or an id (as
    `NAMED_ELEMENTS` finds them) with its tag, class and id (None where absent)."""

    lines: list[Line]
    crumbs: list[Any]
    tagged: dict[str, list[Any]]
    named: list[tuple[Any, str, str | None, str | None]] = field(default_factory=list)

    @functools.cached_property
    def jsonld(self) -> list[dict[str, Any]]:
        """The schema.org objects of the page's JSON-LD scripts (parsed once per scan: the
        extractor's structured-data checks and metadata read them)."""
        return _jsonld_in(self.tagged["script"])


class _Walk:
    """One pass over the document. Text joins into one line until a block element starts or
    ends; text under script, style and the like is skipped. A line's penalty is the highest
    of its texts' elements."""

    def __init__(self, line_root: Any) -> None:
        self.scan = _PageScan([], [], {tag: [] for tag in _READ_TAGS})
        self.line_root = line_root
        self.parts: list[str] = []
        self.line_penalty = 0.0

    def flush(self) -> None:
        """End the line (callers check first that it has text: most block edges have none)."""
        text = "".join(self.parts)
        if _LINE_SPACE_TO_FOLD.search(text):  # most lines hold only single spaces
            text = _LINE_SPACE.sub(" ", text)
        text = text.strip()
        if text:
            self.scan.lines.append(Line(len(self.scan.lines), text, self.line_penalty))
        self.parts.clear()
        self.line_penalty = 0.0

    def add(self, text: str, penalty: float) -> None:
        self.parts.append(text)
        if penalty > self.line_penalty:
            self.line_penalty = penalty

    def visit(self, element: Any, penalty: float, visible: bool) -> None:
        """`visible`: the element (and its tail) lies in the line root, outside dropped tags."""
        tag = element.tag
        if isinstance(tag, str):
            kind = _TAG_KINDS.get(tag)
            if kind is None:
                kind = _tag_kind(tag)
            # gathered inline (not a method call): the walk visits every element of the page
            same_tag = self.scan.tagged.get(tag)
            if same_tag is not None:
                same_tag.append(element)
            class_name, element_id = element.get("class"), element.get("id")
            if class_name is None and element_id is None:
                zone = _ZONE_TAGS.get(tag, 0.0)
            else:
                self.scan.named.append((element, tag, class_name, element_id))
                zone, is_crumb = _named_element(tag, class_name, element_id)
                if is_crumb:
                    self.scan.crumbs.append(element)
            if visible and kind != _DROP:
                own = zone if zone > penalty else penalty
                if kind == _BLOCK and self.parts:
                    self.flush()
                text = element.text
                # isspace() is False for "": together, the text holds more than whitespace
                if text and not text.isspace():
                    self.add(text, own)
                for child in element:
                    self.visit(child, own, True)
                if kind == _BLOCK and self.parts:
                    self.flush()
            else:
                for child in element:
                    self.visit(child, 0.0, child is self.line_root)
        if visible:
            tail = element.tail
            if tail and not tail.isspace():
                self.add(tail, penalty)


def _scan_page(tree: Any, line_root: Any) -> _PageScan:
    walk = _Walk(line_root)
    walk.visit(tree, 0.0, tree is line_root)
    if walk.parts:
        walk.flush()
    return walk.scan


def _scan_deep_page(tree: Any, line_root: Any) -> _PageScan:
    """For a tree too deep to walk: all the visible text on one line."""
    text = _LINE_SPACE.sub(" ", string_content(line_root)).strip()
    named = [(e, e.tag, e.get("class"), e.get("id")) for e in NAMED_ELEMENTS(tree)]
    crumbs = [entry[0] for entry in named if _named_element(*entry[1:])[1]]
    tagged = {tag: list(tree.iter(tag)) for tag in _READ_TAGS}
    return _PageScan([Line(0, text, 0.0)] if text else [], crumbs, tagged, named)


def _scan(tree: Any) -> _PageScan:
    body = tree.find("body")
    line_root = body if body is not None else tree
    try:
        return _scan_page(tree, line_root)
    except RecursionError:
        return _scan_deep_page(tree, line_root)


# the scans of the last trees read: comment widgets and blog archive posts read a tree's named
# elements during extraction, metadata its lines afterwards (the pipeline never changes the
# tree it parsed; each extractor works on a copy). Only a few, held strongly: a scan holds the
# tree's elements (its root among them), so the weak keys used before never died and every
# scanned tree stayed in the cleaner (about 80 KB a page, hundreds of MB over a long crawl).
_recent_scan = functools.lru_cache(maxsize=4)(_scan)


def page_scan(tree: Any) -> _PageScan:
    """The one pass over the document (`_PageScan`), made once per tree among the last four
    (plain lxml elements, as `_parse_tree` makes them, are scanned on each call)."""
    return _recent_scan(tree) if isinstance(tree, HtmlElement) else _scan(tree)


def named_elements(tree: Any) -> list[tuple[Any, str, str | None, str | None]]:
    """Every element of the tree with a class or an id, in document order, with its tag,
    class and id: what `NAMED_ELEMENTS(tree)` finds, read once per tree."""
    return page_scan(tree).named


def _collect_metas(meta_elements: list[Any]) -> dict[str, list[str]]:
    metas: dict[str, list[str]] = {}
    for meta in meta_elements:
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        content = meta.get("content")
        if key and content and content.strip():
            metas.setdefault(key.strip().lower(), []).append(content.strip())
    return metas


def jsonld_objects(tree: Any) -> list[dict[str, Any]]:
    """Every schema.org object in the page's JSON-LD scripts, @graph members included (read
    once per tree with its scan; the list is shared: callers do not change it)."""
    return page_scan(tree).jsonld


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
    scan = page_scan(tree)
    # the first <title> below the root, as tree.find(".//title") finds it
    title_element = next((title for title in scan.tagged["title"] if title is not tree), None)
    title_text = squash_space(string_content(title_element)) if title_element is not None else None
    h1_texts = [squash_space(string_content(h1)) for h1 in scan.tagged["h1"]]
    view = PageView(
        tree=tree,
        url=url,
        lines=scan.lines,
        metas=_collect_metas(scan.tagged["meta"]),
        title_text=title_text or None,
        h1_texts=[text for text in h1_texts if text],
        jsonld=scan.jsonld,
        crumbs=scan.crumbs,
        tagged=scan.tagged,
    )
    _locate_landmarks(view, main_text)
    return view


def squash_space(text: str | None) -> str:
    """Whitespace runs as one space, none at the ends: `re.sub(r"\\s+", " ", text).strip()`
    (`\\s` is what str.split() splits on), several times faster on English lines."""
    return " ".join((text or "").split())


# ---------------------------------------------------------------- landmarks


def _title_index(view: PageView, title: str | None) -> int | None:
    if not title:
        return None
    target = squash_space(title)
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
        text_lines = [squash_space(part) for part in main_text.splitlines() if part.strip()]
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
