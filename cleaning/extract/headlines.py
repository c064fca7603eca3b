"""Which story a text belongs to, on pages that show several under their own headlines.

News feeds append the next stories below the article, each under its own h1; an extractor
that picks the longest story picks the wrong one. The page's own headline is the h1 that its
<title> starts with; a line of text belongs to the story whose headline comes last before it
in page order.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from os.path import commonprefix

from lxml.html import HtmlElement

from cleaning.textsearch import squash

MIN_HEADLINE_CHARS = 8
# a line is found in the page by this many leading characters (shorter lines are skipped)
LOCATOR_CHARS = 12


def _squash(text: str | None) -> str:
    return squash(text or "")


class StoryMap:
    """The page's text in order with the places where story headlines (h1) begin."""

    def __init__(self, tree: HtmlElement) -> None:
        body = tree.find("body")
        root = body if body is not None else tree
        self.headlines = [
            h for h in root.iter("h1") if len(_squash(h.text_content())) >= MIN_HEADLINE_CHARS
        ]
        self.own = self._own_headline(_squash(tree.findtext(".//title")))
        self._root = root

    def _own_headline(self, title: str) -> HtmlElement | None:
        """The headline the <title> starts with (the longest common start, 6 characters+)."""
        best, best_length = None, 5
        for headline in self.headlines:
            # character by character, which is what we want here
            length = len(commonprefix([title, _squash(headline.text_content())]))  # noqa: RUF071
            if length > best_length:
                best, best_length = headline, length
        return best

    @cached_property
    def _placed(self) -> tuple[str, list[int]]:
        """The page's text squashed, and where each headline starts in it (computed on the
        first question: most pages have one headline and are never asked)."""
        pieces: list[str] = []
        starts: list[int] = []
        size = 0
        for node in self._root.iter():
            if node in self.headlines:
                starts.append(size)
            for piece in (node.text, node.tail) if isinstance(node.tag, str) else (node.tail,):
                squashed = _squash(piece)
                pieces.append(squashed)
                size += len(squashed)
        return "".join(pieces), starts

    @property
    def has_other_stories(self) -> bool:
        return self.own is not None and len(self.headlines) >= 2

    def headline_of(self, line: str) -> HtmlElement | None:
        """The last headline before the line in page order; None when the line is short, not
        found in one piece, or above every headline."""
        key = _squash(line)[:LOCATOR_CHARS]
        if len(key) < MIN_HEADLINE_CHARS:
            return None
        text, starts = self._placed
        at = text.find(key)
        index = bisect_right(starts, at) - 1 if at >= 0 else -1
        return self.headlines[index] if index >= 0 else None

    def first_headline(self, text: str) -> HtmlElement | None:
        """The headline above the text's first line that can be placed."""
        for line in text.splitlines():
            if len(_squash(line)) >= MIN_HEADLINE_CHARS:
                return self.headline_of(line)
        return None

    def runs_on(self, text: str) -> bool:
        """The text holds another story's headline as a line of its own."""
        others = {_squash(h.text_content()) for h in self.headlines if h is not self.own}
        return any(_squash(line) in others for line in text.splitlines())


def off_story(stories: StoryMap, texts: dict[str, str]) -> set[str]:
    """Names of the texts to set aside on a page with a headline of its own and at least one
    other story: those that start under another story's headline, and when some text starts
    under the page's own headline, every text that does not."""
    if not stories.has_other_stories:
        return set()
    above = {name: stories.first_headline(text) for name, text in texts.items()}
    others = {name for name, h in above.items() if h is not None and h is not stories.own}
    own = [name for name, h in above.items() if h is stories.own]
    if others and own:
        whole = [name for name in own if not stories.runs_on(texts[name])] or own
        return set(texts) - set(whole)
    return others
