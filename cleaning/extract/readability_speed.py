"""readability-lxml's Document with three of its steps done faster, to the same result.

Under cProfile these steps were about 60% of readability's time on the Chinese benchmark:
- `transform_misused_divs_into_paragraphs` asks whether a div holds a block element by
  serialising all of its children and searching the markup for a block tag: every div
  serialises its whole subtree again (quadratic in the nesting depth). In that markup (XML
  serialisation) text and attribute values are escaped, so a `<` starts a tag, a comment or
  a processing instruction; the same search over the descendants' tags (and the markup of
  any comment or processing instruction) gives the same answer without the serialising.
- `remove_unlikely_candidates` runs two patterns over the class and id of every element;
  pages repeat the same few names, so each distinct pair is tested once, and only elements
  that have a class or an id are read (the others' names are too short to test).
- `score_paragraphs` weighs every candidate by its link density, summing the text length
  of each link inside it: a link inside a parent and its grandparent is measured twice.
  Nothing changes the tree while it scores, so each element's length is measured once.
- `clean`, which folds the whitespace of every text it measures or scores (a third of
  readability's time): each of its three steps runs only where it can change the text, the
  newline fold by string methods, the other two by their patterns compiled once.
  readability calls it by its module name, so the module's `clean` is replaced by this
  one, which returns the same string.
- `describe`, which names an element for readability's debug log: the messages are built
  before the logger is asked (about 4% of readability's time); with the debug log off,
  the name is not made.
Everything else is readability's own code; tests/test_readability_speed.py compares the two
on pages with nested divs, links and unlikely names.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

import readability.readability
from lxml.etree import XPath, tostring, tounicode
from lxml.html import fragment_fromstring
from readability import Document
from readability.readability import REGEXES, text_length

_BLOCK_MARKUP = REGEXES["divToPElementsRe"]
# the descendants with a class or an id, in document order, as `findall(".//*")` has them
_NAMED = XPath(".//*[@class or @id]")
_INLINE_TAGS = frozenset(
    ("a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u")
)


READABILITY_CLEAN = readability.readability.clean
_LONG_SPACE = re.compile(r"\s{255,}")
_TAB_SPACE = re.compile(r"\t|[ \t]{2,}")


def fold_newlines(text: str) -> str:
    """`re.sub(r"\\s*\\n\\s*", "\\n", text)` by string methods: each run of whitespace
    that holds a newline becomes one newline (the regex tries a match at every character)."""
    parts = text.split("\n")
    inner = [stripped for stripped in (part.strip() for part in parts[1:-1]) if stripped]
    return "\n".join([parts[0].rstrip(), *inner, parts[-1].lstrip()])


def has_long_space(text: str) -> bool:
    """Whether a run of 255 or more whitespace characters occurs: such a run covers one of
    every 255 positions (254, 509, ...), so only those are looked at (`str.isspace` and
    `strip` know the same whitespace as `\\s`). `\\s{255,}` tries a match at every
    whitespace character, reading on up to 255: half of `clean`'s time on Chinese pages,
    whose indented markup holds thousands of short runs."""
    for position in range(254, len(text), 255):
        if text[position].isspace():
            before, after = text[position - 254 : position], text[position : position + 255]
            if len(before) - len(before.rstrip()) + len(after) - len(after.lstrip()) >= 255:
                return True
    return False


def clean(text: str) -> str:
    """readability's `clean`, to the same string: a whitespace run of 255 or more cut to 255
    spaces, whitespace around newlines folded to one newline, tabs and runs of spaces to one
    space. Each step runs only where it can change the text."""
    if len(text) >= 255 and has_long_space(text):
        text = _LONG_SPACE.sub(" " * 255, text)
    if "\n" in text:
        text = fold_newlines(text)
    if "\t" in text or "  " in text:
        text = _TAB_SPACE.sub(" ", text)
    return text.strip()


readability.readability.clean = clean
READABILITY_DESCRIBE = readability.readability.describe


def describe(node: Any, depth: int = 1) -> str:
    """readability's name of an element for its debug log, made only when that log is on."""
    if readability.readability.log.isEnabledFor(logging.DEBUG):
        return str(READABILITY_DESCRIBE(node, depth))
    return ""


readability.readability.describe = describe


@functools.lru_cache(maxsize=8192)
def _unlikely_names(names: str) -> bool:
    """readability's test of an element's "class id" string, before its tree tests."""
    return bool(
        REGEXES["unlikelyCandidatesRe"].search(names)
        and not REGEXES["okMaybeItsACandidateRe"].search(names)
    )


@functools.lru_cache(maxsize=1024)
def _block_tag(tag: str) -> bool:
    return _BLOCK_MARKUP.search(f"<{tag}") is not None


def holds_block(element: Any) -> bool:
    """Whether the markup of the element's children holds a block tag, as readability's
    search over `tostring` of each child finds it."""
    for node in element.iterdescendants():
        tag = node.tag
        if isinstance(tag, str):
            if _block_tag(tag):
                return True
        elif _BLOCK_MARKUP.search(str(tostring(node, encoding="utf-8", with_tail=False))):
            return True
    return False


class QuickDocument(Document):  # type: ignore[misc]  # readability is untyped
    """readability's Document, with the steps above done faster."""

    _lengths: dict[Any, int] | None = None

    def remove_unlikely_candidates(self) -> None:
        # only elements with a class or an id can pass: the others' names are one space
        for elem in _NAMED(self.html):
            s = "{} {}".format(elem.get("class", ""), elem.get("id", ""))
            if len(s) < 2:
                continue
            if (
                _unlikely_names(s)
                and elem.tag not in ["html", "body"]
                and not elem.xpath("ancestor-or-self::pre | ancestor-or-self::code")
                and not elem.xpath(
                    "descendant-or-self::main | descendant-or-self::article | "
                    "descendant-or-self::math"
                )
            ):
                elem.drop_tree()

    def transform_misused_divs_into_paragraphs(self) -> None:
        for elem in self.tags(self.html, "div"):
            # transform <div>s that do not contain other block elements into <p>s
            if not holds_block(elem):
                elem.tag = "p"

        # readability's own code from here on
        for elem in self.tags(self.html, "div"):
            children = list(elem)
            paragraph = None
            if elem.text and elem.text.strip():
                p = fragment_fromstring("<p/>")
                p.text = elem.text
                elem.text = None
                elem.insert(0, p)
                paragraph = p

            for child in children:
                if child.tag == "br":
                    paragraph = None
                    continue
                if child.tag not in _INLINE_TAGS or _BLOCK_MARKUP.search(
                    tounicode(child, method="html")
                ):
                    paragraph = None
                    continue
                if paragraph is None:
                    paragraph = fragment_fromstring("<p/>")
                    child.addprevious(paragraph)
                paragraph.append(child)

            for pos, child in reversed(list(enumerate(elem))):
                if child.tail and child.tail.strip():
                    p = fragment_fromstring("<p/>")
                    p.text = child.tail
                    child.tail = None
                    elem.insert(pos + 1, p)
                if child.tag == "br":
                    child.drop_tree()

    def score_paragraphs(self) -> dict[Any, dict[str, Any]]:
        self._lengths = {}
        try:
            candidates: dict[Any, dict[str, Any]] = super().score_paragraphs()
            return candidates
        finally:
            self._lengths = None

    def _text_length(self, element: Any) -> int:
        lengths = self._lengths
        if lengths is None:
            return int(text_length(element))
        length = lengths.get(element)
        if length is None:
            length = lengths[element] = text_length(element)
        return length

    def get_link_density(self, elem: Any) -> float:
        if self._lengths is None:
            return float(super().get_link_density(elem))
        link_length = 0
        for i in elem.findall(".//a"):
            link_length += self._text_length(i)
        total_length = self._text_length(elem)
        return float(link_length) / max(total_length, 1)
