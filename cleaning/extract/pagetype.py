"""What kind of page this is, judged from the page itself: forum thread, list, or article.

Forum and Q&A threads keep their replies and answers in the main text; list, index and tag
pages are not articles. Neither decision looks at the topic.
"""

from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass
from itertools import islice

from lxml.html import HtmlElement

from cleaning.metadata.view import page_scan
from cleaning.textsearch import holds, squash

ARTICLE = "article"
FORUM = "forum"

_FORUM_URL = re.compile(
    r"(^|[./])(bbs|forum|tieba|zhidao|wenda|club|discuss)[./]|/(thread|viewthread|viewtopic|"
    r"question|questions|ask|topic|faq)/|/(comments|reviews)(?:[/?#]|$)|forum\.php|showtopic|"
    r"read\.php\?tid",
    re.I,
)
_FORUM_SCHEMA = re.compile(
    r"schema\.org/(QAPage|DiscussionForumPosting)|\"@type\"\s*:\s*\"QAPage\""
)
_FLOOR = re.compile(r"(\d+\s*楼|楼主|沙发|板凳|只看楼主|只看该作者)")
_FLOOR_CHARS = ("楼", "沙发", "板凳")
# the marks of _FLOOR without a 楼 in them: no two share a character
_FLOOR_WORDS = ("沙发", "板凳", "只看该作者")
MIN_FLOOR_MARKS = 4
MIN_LINK_TITLE = 8
MIN_LIST_ITEMS = 2
ITEM_LEVELS = 4
_HEADLINE_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_TITLE_CLASS = re.compile(r"title|tit\b|headline", re.I)


def page_type(html: str, url: str | None) -> str:
    """`forum` for a thread or Q&A page (by URL, schema.org type or floor marks), else `article`."""
    if url and _FORUM_URL.search(url):
        return FORUM
    if (holds(html, "QAPage") or holds(html, "DiscussionForumPosting")) and _FORUM_SCHEMA.search(
        html
    ):
        return FORUM
    # a cheap substring test first: most pages have no floor marks at all
    if not any(holds(html, mark) for mark in _FLOOR_CHARS):
        return ARTICLE
    return FORUM if floor_marks(html) >= MIN_FLOOR_MARKS else ARTICLE


def floor_marks(html: str, limit: int = MIN_FLOOR_MARKS) -> int:
    """How many matches `_FLOOR.finditer(html)` yields, counted up to `limit` (a thread's
    page holds hundreds), by string searches instead of the pattern's scan of the whole page
    at every character (2-4 ms a page). Every match holds one 楼, led by digits and spaces or
    followed by 主 (楼主, 只看楼主), or is one of _FLOOR_WORDS; no two matches overlap."""
    marks = sum(html.count(word) for word in _FLOOR_WORDS)
    position = html.find("楼")
    while position >= 0 and marks < limit:
        if html.startswith("主", position + 1) or _after_number(html, position):
            marks += 1
        position = html.find("楼", position + 1)
    return min(marks, limit)


def _after_number(html: str, position: int) -> bool:
    """A decimal digit, then only whitespace up to `position` (as `\\d+\\s*` reads them)."""
    before = position - 1
    while before >= 0 and html[before].isspace():
        before -= 1
    return before >= 0 and html[before].isdecimal()


# the links of a tree with their texts (whitespace removed), while the tree lives: link
# titles and list entries both read them; the pipeline never changes the tree it parsed
_LINK_TEXTS: weakref.WeakKeyDictionary[HtmlElement, list[tuple[HtmlElement, str]]] = (
    weakref.WeakKeyDictionary()
)


def link_texts(tree: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """Every link of the tree in page order, with its text, whitespace removed (the links
    as the page scan gathered them: `tree.iter("a")`)."""
    known = _LINK_TEXTS.get(tree)
    if known is None:
        known = [(anchor, squash(anchor.text_content())) for anchor in page_scan(tree).tagged["a"]]
        _LINK_TEXTS[tree] = known
    return known


def link_titles(tree: HtmlElement) -> set[str]:
    """Texts of links long enough to be article titles (whitespace removed)."""
    return {text for _, text in link_texts(tree) if len(text) >= MIN_LINK_TITLE}


def _repeated_item(anchor: HtmlElement) -> HtmlElement | None:
    """The nearest ancestor (up to a few levels) that repeats among its siblings: a list entry."""
    node = anchor
    for _ in range(ITEM_LEVELS):
        parent = node.getparent()
        if parent is None:
            return None
        twins = [s for s in parent if s.tag == node.tag and s.get("class") == node.get("class")]
        if len(twins) >= MIN_LIST_ITEMS and node.tag != "a":
            return node
        node = parent
    return None


def excerpt_of_entry(tree: HtmlElement, text: str) -> bool:
    """The text lies inside a list entry led by a headline link (h2-h4) to another page:
    the excerpt of a tag or category page with a single entry."""
    body = squash(text)
    for anchor, _ in link_texts(tree):
        heading = anchor.getparent()
        if heading is None or heading.tag not in ("h2", "h3", "h4") or not anchor.get("href"):
            continue
        for entry in islice(heading.iterancestors(), ITEM_LEVELS):
            if entry.tag in ("li", "article") and body in squash(entry.text_content()):
                return True
    return False


@functools.lru_cache(maxsize=4096)
def _title_class(class_name: str) -> bool:
    return _TITLE_CLASS.search(class_name) is not None


def _is_headline(anchor: HtmlElement) -> bool:
    """A link set as a headline: inside a heading, or named as a title by its class."""
    for node in (anchor, *islice(anchor.iterancestors(), 2)):
        if node.tag in _HEADLINE_TAGS or _title_class(node.get("class") or ""):
            return True
    return False


def list_entries(tree: HtmlElement) -> list[str]:
    """Texts (whitespace removed) of list entries: repeated blocks led by a title link."""
    entries: dict[HtmlElement, str] = {}
    for anchor, title in link_texts(tree):
        if len(title) < MIN_LINK_TITLE or not _is_headline(anchor):
            continue
        item = _repeated_item(anchor)
        if item is None or item.tag == "p":
            continue
        text = squash(item.text_content())
        # an entry leads with its title; a paragraph with a link in it does not
        if text.lstrip("0123456789.-·•").startswith(title):
            entries[item] = text
    return list(entries.values())


def entry_share(text: str, entries: list[str]) -> float:
    """The share of the text's lines that lie inside list entries."""
    lines = [squash(line).strip("-•·*.…") for line in text.splitlines()]
    lines = [line for line in lines if len(line) >= MIN_LINK_TITLE]
    if not lines or len(entries) < MIN_LIST_ITEMS:
        return 0.0
    joined = "\n".join(entries)
    return sum(1 for line in lines if line in joined) / len(lines)


@dataclass(frozen=True)
class LinkTitleStats:
    # lines of the text that are the text of a link, like the entries of a list page
    title_lines: int
    share: float
    # the most characters of text between two title lines (a list has only short excerpts)
    longest_prose: int


def link_title_stats(text: str, titles: set[str]) -> LinkTitleStats:
    """How much of the text is link titles, and how much prose stands between them."""
    lines = [squash(line) for line in text.splitlines() if line.strip()]
    if not lines:
        return LinkTitleStats(0, 0.0, 0)
    hits, run, longest = 0, 0, 0
    for line in lines:
        if line in titles or line.rstrip(".…") in titles:
            hits, run = hits + 1, 0
        else:
            run += len(line)
            longest = max(longest, run)
    return LinkTitleStats(hits, hits / len(lines), longest)
