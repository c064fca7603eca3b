"""Comments under an article (精彩评论, 评论列表, lawyers' answers) as CommentRecords.

A comment widget is an element whose class or id names it (comment, pinglun, answers, ...).
Its items are the most repeated element signature (tag and class) inside it; within an item,
class names point at the author, role, time and text, and a date pattern or an
"author-role" label fills what the classes do not say. An empty widget (暂无评论) has no
items with text, so it yields no records. `remove_comment_lines` keeps comment text out of
the article text whichever extractor let it through.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from datetime import datetime

from lxml.html import HtmlElement

from cleaning.extract.density import block_text
from cleaning.metadata.view import named_elements, squash_space
from cleaning.records import CommentRecord
from cleaning.textsearch import ascii_without, squash

_WIDGET = re.compile(
    r"(^|[\s_-])(comments?|comment-?list|commentlist|pinglun|answers?|answer-?list|replies|"
    r"reply-?list|huifu|discuss)([\s_-]|$)",
    re.I,
)
# every alternative of _WIDGET holds one of these
_WIDGET_STEMS = ("comment", "pinglun", "answer", "repl", "huifu", "discuss")
_FIELD = {
    "author": re.compile(r"name|author|user|nick|uname|pl-name", re.I),
    "role": re.compile(r"role|urole|level|rank|identity", re.I),
    "time": re.compile(r"time|date|utime|pl-time", re.I),
    "text": re.compile(r"text|content|txt|body|msg|detail|answer-text|pl-text", re.I),
}
_EMPTY_WIDGET = re.compile(r"暂无(评论|回复|回答)|快来抢沙发|还没有(评论|回复)")
_DATETIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_ROLE_SPLIT = re.compile(r"\s*[-－—|｜·]\s*")
MIN_COMMENT_CHARS = 2
_FORM_TAGS = frozenset(("form", "textarea", "input", "label", "button", "select", "a"))
# widget headings ("发表回复", "评论列表(0条)") are not comments
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
MAX_AUTHOR_CHARS = 40


@functools.lru_cache(maxsize=8192)
def _widget_names(class_name: str | None, element_id: str | None) -> bool:
    """Whether a class and id name a comment widget (pages repeat the same few names)."""
    names = f"{class_name or ''} {element_id or ''}"
    return not ascii_without(names, _WIDGET_STEMS) and _WIDGET.search(names) is not None


def find_widgets(root: HtmlElement) -> list[HtmlElement]:
    """Outermost elements named as comment widgets (a form for writing one is not a widget)."""
    widgets: list[HtmlElement] = []
    for node, tag, class_name, element_id in named_elements(root):
        if tag in ("form", "textarea", "body", "html"):
            continue
        if _widget_names(class_name, element_id) and not any(_is_inside(node, w) for w in widgets):
            widgets.append(node)
    return widgets


def _is_inside(node: HtmlElement, ancestor: HtmlElement) -> bool:
    return any(parent is ancestor for parent in node.iterancestors())


def _in_form(node: HtmlElement, widget: HtmlElement) -> bool:
    """Inside the form for writing a comment (labels, captcha) or a heading: not a comment."""
    for element in (node, *node.iterancestors()):
        if element is widget:
            return False
        if element.tag in _FORM_TAGS or element.tag in _HEADING_TAGS:
            return True
    return False


def _form_holders(widget: HtmlElement) -> set[HtmlElement]:
    """The reply boxes of a widget: its elements that wrap a form or textarea for writing a
    comment (what `node.find(".//form")` or `.//textarea` finds, for all nodes at once)."""
    return {a for field in widget.iter("form", "textarea") for a in field.iterancestors()}


def _signature(node: HtmlElement) -> tuple[str, str]:
    return node.tag, (node.get("class") or "").strip()


def find_items(widget: HtmlElement) -> list[HtmlElement]:
    """The repeated elements of a widget that hold one comment each."""
    counts: Counter[tuple[str, str]] = Counter()
    sizes: Counter[tuple[str, str]] = Counter()
    holders = _form_holders(widget)
    for node in widget.iterdescendants():
        if not isinstance(node.tag, str) or _in_form(node, widget) or node in holders:
            continue
        size = len(squash(node.text_content()))
        if size >= MIN_COMMENT_CHARS:
            counts[_signature(node)] += 1
            sizes[_signature(node)] += size
    if not counts:
        return []
    best = max(counts, key=lambda sig: (counts[sig], sizes[sig]))
    return [
        node
        for node in widget.iterdescendants()
        if _signature(node) == best and not _in_form(node, widget) and node not in holders
    ]


def _field_text(item: HtmlElement, field: str) -> str | None:
    """Text of the innermost element whose class names the field (`uname` inside `user`)."""
    matches = [
        node
        for node in item.iterdescendants()
        if isinstance(node.tag, str) and _FIELD[field].search(node.get("class") or "")
    ]
    for node in matches:
        if any(_is_inside(other, node) for other in matches):
            continue
        text = squash_space(node.text_content())
        if text:
            return text
    return None


def parse_datetime(raw: str | None) -> datetime | None:
    match = _DATETIME.search(raw or "")
    if not match:
        return None
    parts = [int(p) if p else 0 for p in match.groups()]
    try:
        return datetime(*parts)  # type: ignore[arg-type]
    except ValueError:
        return None


def _split_role(author: str | None, role: str | None) -> tuple[str | None, str | None]:
    """`柴如云-法务助理` names the author and the role in one label."""
    if author and not role:
        parts = _ROLE_SPLIT.split(author, maxsplit=1)
        if len(parts) == 2 and 1 <= len(parts[1]) <= 8:
            return parts[0], parts[1]
    return author, role


def parse_item(item: HtmlElement) -> CommentRecord | None:
    """One comment from an item element, or None when it holds no text."""
    text = _field_text(item, "text")
    author = _field_text(item, "author")
    posted_raw = _field_text(item, "time")
    full = block_text(item)
    if text is None:
        text = full
        for known in (author, posted_raw):
            text = text.replace(known, "") if known else text
        text = re.sub(r"^\s*头像\s*", "", text).strip()
    if len(squash(text)) < MIN_COMMENT_CHARS or _EMPTY_WIDGET.search(text):
        return None
    if posted_raw is None:
        match = _DATETIME.search(full)
        posted_raw = match.group(0) if match else None
    author, role = _split_role(author, _field_text(item, "role"))
    if author and len(author) > MAX_AUTHOR_CHARS:
        author = None
    return CommentRecord(
        text=text,
        author=author,
        role=role,
        posted_at=parse_datetime(posted_raw),
        posted_raw=posted_raw,
    )


def extract_comments(root: HtmlElement) -> tuple[CommentRecord, ...]:
    """Every comment in the page's comment widgets, in page order."""
    records: list[CommentRecord] = []
    for widget in find_widgets(root):
        for item in find_items(widget):
            record = parse_item(item)
            if record is not None:
                records.append(record)
    return tuple(records)


def remove_comment_lines(text: str, comments: tuple[CommentRecord, ...]) -> tuple[str, int]:
    """The text without lines that belong to a comment; and how many lines went."""
    if not comments:
        return text, 0
    keys = [squash(c.text) for c in comments]
    labels = {squash(c.author or "") for c in comments} - {""}
    kept: list[str] = []
    removed = 0
    for line in text.splitlines():
        key = squash(line)
        inside = len(key) >= 6 and any(key in comment for comment in keys)
        label = any(key.startswith(("头像" + name, name)) for name in labels) and len(key) <= 40
        if key and (inside or label):
            removed += 1
        else:
            kept.append(line)
    return "\n".join(kept), removed
