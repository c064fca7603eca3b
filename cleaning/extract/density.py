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
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from cleaning.metadata.view import NAMED_ELEMENTS, named_elements

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
# where _SPACES.sub(" ", line) changes the line: a run other than one plain space (most
# lines of English prose have none)
_SPACES_TO_FOLD = re.compile(r"[\t\u3000\xa0]| [ \t\u3000\xa0]")
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


# one search counts a text's punctuation marks (far faster than a loop over its characters)
_MARKS = re.compile("[" + re.escape("".join(sorted(PUNCTUATION))) + "]")


def _text_stats(text: str | None) -> tuple[int, int]:
    """Characters of the stripped text, and its punctuation marks (never whitespace, so the
    stripped text holds the same marks, and the indentation between tags none)."""
    if not text:
        return 0, 0
    stripped = text.strip()
    return (len(stripped), len(_MARKS.findall(stripped))) if stripped else (0, 0)


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


@dataclass(frozen=True)
class Pruning:
    """What `prune` would do to a tree, found without changing it (so the density method
    needs no copy of the page): the elements it removes, whose tails stay, joined to the
    text before them, and (`spans`) the spans it turns into paragraphs: leaves once those
    are gone. `parents`: the parents of removed elements (every other node reads as it is).
    The default, nothing removed and no span changed, reads a tree as it is."""

    gone: frozenset[HtmlElement] = frozenset()
    parents: frozenset[HtmlElement] = frozenset()
    spans: bool = False

    def paragraph(self, span: HtmlElement) -> bool:
        """Whether `prune` turns this span into a paragraph."""
        if not self.spans:
            return False
        return not len(span) or (span in self.parents and all(c in self.gone for c in span))

    def kept(
        self, node: HtmlElement
    ) -> tuple[str | None, list[HtmlElement], dict[HtmlElement, str | None]]:
        """The text of a node in `parents`, its children as `prune` would leave them and
        their tails (with the tails of the removed ones after them joined on)."""
        text = node.text
        children: list[HtmlElement] = []
        tails: dict[HtmlElement, str | None] = {}
        gone = self.gone
        for child in node:
            if child not in gone:
                children.append(child)
                tails[child] = child.tail
            elif child.tail:
                if children:
                    tails[children[-1]] = (tails[children[-1]] or "") + child.tail
                else:
                    text = (text or "") + child.tail
        return text, children, tails


def pruning(start: HtmlElement) -> Pruning:
    """`prune(start)`'s removals and paragraph spans on the tree as it is. The names are read
    from the page scan of the whole document (`named_elements`); those outside `start` are
    never walked."""
    gone = {node for node in start.iter(*NOISE_TAGS, etree.Comment) if node is not start}
    document = start.getroottree().getroot()
    for node, tag, class_name, element_id in named_elements(document):
        if (
            node is not start
            and tag not in ("body", "html")
            and _noise_names(class_name, element_id)
        ):
            gone.add(node)
    parents = frozenset(node.getparent() for node in gone)
    return Pruning(frozenset(gone), parents, spans=True)


class _Scorer:
    def __init__(self, pruned: Pruning) -> None:
        self.best: HtmlElement | None = None
        self.best_score = 0.0
        self.pruned = pruned

    def walk(self, node: HtmlElement, in_link: bool) -> NodeStats:
        tails = None
        if node in self.pruned.parents:
            text, children, tails = self.pruned.kept(node)
        else:
            text, children = node.text, node
        chars, marks = _text_stats(text)
        paragraphs = 1 if chars else 0
        link_chars = tags = link_tags = 0
        is_link = node.tag == "a"
        child_in_link = in_link or is_link
        pruned = self.pruned
        for child in children:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == "span" and pruned.paragraph(child):
                tag = "p"
            sub_chars, sub_links, sub_tags, sub_link_tags, sub_marks, sub_paragraphs = self.walk(
                child, child_in_link
            )
            tail_chars, tail_marks = _text_stats(child.tail if tails is None else tails[child])
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
    # the words of a split on [\s_-]+ (\s is what str.split() splits on; the regex split's
    # empty ends are no noise word)
    return not NOISE_WORDS.isdisjoint(names.replace("_", " ").replace("-", " ").split())


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


def block_text(node: HtmlElement, pruned: Pruning = Pruning()) -> str:
    """Text of a subtree with a line break around every block element; with `pruned`, of
    the subtree as `prune` would leave it."""
    parts: list[str] = []
    gone = pruned.gone

    def visit(element: HtmlElement) -> None:
        tag = element.tag
        block = tag in BLOCK_TAGS or (tag == "span" and pruned.paragraph(element))
        if block:
            parts.append("\n")
        if element.text:
            parts.append(element.text)
        for child in element:
            if isinstance(child.tag, str) and child not in gone:
                visit(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    visit(node)
    lines = (
        (_SPACES.sub(" ", line) if _SPACES_TO_FOLD.search(line) else line).strip()
        for line in "".join(parts).splitlines()
    )
    return "\n".join(line for line in lines if line)


def density_extract(root: HtmlElement) -> str:
    """The densest text block of a parsed page, or of its body alone, read as `prune` would
    leave it (the tree is not changed)."""
    body = root if root.tag == "body" else root.find("body")
    start = body if body is not None else root
    pruned = pruning(start)
    scorer = _Scorer(pruned)
    scorer.walk(start, in_link=False)
    return block_text(scorer.best, pruned) if scorer.best is not None else ""
