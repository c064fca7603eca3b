"""A text-density main-text extractor, computed bottom-up in one pass over the tree.

The score follows the CEPF/GNE idea used for Chinese news pages: a node is main text when it
has many characters per tag outside links (text density), few characters per punctuation mark
is *not* enough on its own, so the symbol density enters through a logarithm, and a node with
more paragraphs weighs more:

    score = (T - LT) / (G - LG) * log10(P + 2) * ln((T - LT) / (S + 1))

T characters, LT characters inside links, G descendant tags, LG descendant links, P paragraphs
and direct text nodes, S punctuation marks. GNE recomputes every sum per node (quadratic);
here each node's sums come from its children's, so the cost is one walk of the tree.
"""

from __future__ import annotations

import functools
import math
import re

from lxml import etree
from lxml.html import HtmlElement

NOISE_TAGS = (
    "script",
    "style",
    "noscript",
    "link",
    "video",
    "iframe",
    "source",
    "picture",
    "header",
    "footer",
    "nav",
    "aside",
    "select",
    "textarea",
    "button",
    "svg",
)
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "blockquote",
        "pre",
        "dd",
        "dt",
        "dl",
        "td",
        "th",
        "hr",
        "form",
        "figure",
        "figcaption",
        "center",
    ]
)
PUNCTUATION = frozenset("！，。？、；：“”‘’《》%（）,.?:;\"'!()")
HIGH_WEIGHT_CLASS = re.compile(r"content|article|post|text|main|detail|正文", re.I)
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
# Line breaks do not split text into blocks, so they do not dilute the density.
INLINE_TAGS = frozenset(("br",))
NOISE_WORDS = frozenset(
    [
        "share",
        "sharing",
        "contribution",
        "copyright",
        "copy-right",
        "disclaimer",
        "recommend",
        "related",
        "footer",
        "social",
        "submeta",
        "sidebar",
        "navigation",
        "nav",
        "breadcrumb",
        "ad",
        "ads",
        "advertisement",
        "newsletter",
        "signup",
        "subscribe",
        "interaction",
        "donate",
        "popup",
        "modal",
        "toolbar",
        "promo",
    ]
)
_WORD_SPLIT = re.compile(r"[\s_-]+")
# the elements that carry a class or an id: only those can be named as noise, comment
# widgets, post bodies or breadcrumbs (libxml2 finds them far faster than a Python loop)
NAMED_ELEMENTS = etree.XPath("descendant-or-self::*[@class or @id]")


# one search counts a text's punctuation marks (far faster than a loop over its characters)
_MARKS = re.compile("[" + re.escape("".join(sorted(PUNCTUATION))) + "]")


def _text_stats(text: str | None) -> tuple[int, int]:
    """Characters of the stripped text, and its punctuation marks (never whitespace, so the
    unstripped text holds the same marks)."""
    if not text:
        return 0, 0
    return len(text.strip()), len(_MARKS.findall(text))


@functools.lru_cache(maxsize=4096)
def _class_weight(class_name: str) -> int:
    return 2 if HIGH_WEIGHT_CLASS.search(class_name) else 1


def _node_score(
    node: HtmlElement,
    chars: int,
    link_chars: int,
    tags: int,
    link_tags: int,
    marks: int,
    paras: int,
) -> float:
    own_chars = chars - link_chars
    if own_chars <= 0:
        return 0.0
    tag_gap = tags - link_tags
    if tag_gap <= 0:
        # A leaf has no density; text with a few keyword links inside it is not a link list.
        if not link_chars or chars // link_chars <= 10:
            return 0.0
        tag_gap = tags
    weight = _class_weight(str(node.get("class") or ""))
    # Link lists with dates or counts between the links still have a low text share.
    text_share = own_chars / chars
    density = weight * own_chars / tag_gap * text_share**2
    symbol_density = max(own_chars / (marks + 1), 1.0001)
    return density * math.log10(paras + 2) * math.log(symbol_density)


# a node's sums: characters, characters inside links, descendant tags, descendant links,
# punctuation marks, paragraphs (plain tuples: the walk builds one per element)
NodeStats = tuple[int, int, int, int, int, int]


class _Scorer:
    def __init__(self) -> None:
        self.best: HtmlElement | None = None
        self.best_score = 0.0

    def walk(self, node: HtmlElement, in_link: bool) -> NodeStats:
        chars, marks = _text_stats(node.text)
        paragraphs = 1 if chars else 0
        link_chars = tags = link_tags = 0
        is_link = node.tag == "a"
        child_in_link = in_link or is_link
        for child in node:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            sub_chars, sub_links, sub_tags, sub_link_tags, sub_marks, sub_paragraphs = self.walk(
                child, child_in_link
            )
            tail_chars, tail_marks = _text_stats(child.tail)
            chars += sub_chars + tail_chars
            link_chars += sub_links
            marks += sub_marks + tail_marks
            tags += sub_tags + (tag not in INLINE_TAGS)
            link_tags += sub_link_tags + (tag == "a")
            paragraphs += sub_paragraphs + (1 if tail_chars else 0)
            paragraphs += tag == "p"
        if is_link and not in_link:
            link_chars = chars
        score = _node_score(node, chars, link_chars, tags, link_tags, marks, paragraphs)
        if score > self.best_score:
            self.best, self.best_score = node, score
        return chars, link_chars, tags, link_tags, marks, paragraphs


@functools.lru_cache(maxsize=8192)
def _noise_names(class_name: str | None, element_id: str | None) -> bool:
    """Whether a class and id name a noise block (pages repeat the same few names)."""
    names = f"{class_name or ''} {element_id or ''}".lower()
    return any(word in NOISE_WORDS for word in _WORD_SPLIT.split(names))


def _is_noise(node: HtmlElement) -> bool:
    return _noise_names(node.get("class"), node.get("id"))


def prune(root: HtmlElement) -> None:
    """Drop what is never main text: scripts, media, page chrome, and blocks whose class or id
    names them as noise (share bars, sidebars, ads); leaf spans become paragraphs."""
    etree.strip_elements(root, *NOISE_TAGS, etree.Comment, with_tail=False)
    for node in [n for n in NAMED_ELEMENTS(root) if _is_noise(n)]:
        if node is not root and node.tag not in ("body", "html"):
            node.drop_tree()
    for span in root.iter("span"):
        if len(span) == 0:
            span.tag = "p"  # a leaf span holding a paragraph counts as one


def block_text(node: HtmlElement) -> str:
    """Text of a subtree with a line break around every block element."""
    parts: list[str] = []

    def visit(element: HtmlElement) -> None:
        block = element.tag in BLOCK_TAGS
        if block:
            parts.append("\n")
        if element.text:
            parts.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                visit(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    visit(node)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def density_extract(root: HtmlElement) -> str:
    """The densest text block of a parsed page, or of its body alone (the tree is modified:
    pass a copy)."""
    body = root if root.tag == "body" else root.find("body")
    start = body if body is not None else root
    prune(start)
    scorer = _Scorer()
    scorer.walk(start, in_link=False)
    return block_text(scorer.best) if scorer.best is not None else ""
