"""Two checks against the failures unseen sites showed (issue 18), made after the choice.

- `on_headline`: when the candidates disagree, the chosen one may be a feed of other stories
  or a site disclaimer while another holds the story under the page's headline. A news
  body repeats its headline's words; a feed or disclaimer rarely does. The chosen text
  gives way to the candidate that covers most of the headline's character pairs when it
  covers almost none of them itself. Page structures (structured data, threads, archive
  posts) have the last word: the check runs only where none of them replaced the choice.
  On a page whose JSON-LD declares an article, a short final text that covers almost none
  of the headline is other stories' teasers around a script-rendered article
  (`off_headline`: a `list-page`).
- `agreed_prose`: a `list-page` or `too-short` verdict is overruled when trafilatura and
  readability, run independently, agree on a text of running prose: two extractors built
  on different ideas seldom agree on a list.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lxml.html import HtmlElement

from cleaning.extract.candidates import (
    READABILITY,
    TRAFILATURA,
    Candidate,
    Choice,
    agreement_scores,
    readability_text,
    trafilatura_text,
)
from cleaning.extract.scoring import cjk_share, shingle_overlap

_PROSE_MARKS = "。！？；，.!?;,"


@dataclass(frozen=True)
class Guards:
    # the chosen text covers under this share of the headline's character pairs (almost
    # none: a body that tells its story in other words still covers a fifth or more) ...
    off_headline: float = 0.1
    # ... and another candidate covers at least this share: that one is the story
    on_headline: float = 0.4
    # ... unless it holds this share of the chosen text's 4-character runs and is at most
    # this many times longer (the chosen text plus a heading line)
    max_shared: float = 0.5
    max_growth: float = 1.5
    # headlines shorter than this (characters, spaces out) say too little to judge by
    min_headline: int = 6
    # trafilatura and readability agreeing this much (token F1) on ...
    agreement: float = 0.8
    # ... this many characters in lines of running prose overrule a list/too-short verdict
    min_prose_chars: int = 200


@functools.lru_cache(maxsize=16)  # the chosen text is judged by several checks of a page
def headline_cover(heading: str, text: str) -> float:
    """The share of the headline's character pairs the text's body repeats; a line that holds
    the whole headline (the headline line itself, `标签:X` on a tag page) does not count."""
    squashed = "".join(heading.split())
    body = "\n".join(line for line in text.splitlines() if squashed not in "".join(line.split()))
    return shingle_overlap(heading, body, 2)


def judges_by_headline(heading: str | None, guards: Guards) -> bool:
    # pairs of latin letters occur in any English text: the test only works on CJK headlines
    return (
        bool(heading)
        and len(heading or "") >= guards.min_headline
        and cjk_share(heading or "") >= 0.5
    )


def off_headline(text: str, heading: str | None, guards: Guards) -> bool:
    """A short text that covers almost none of the page's headline: teasers of other
    stories on a page whose own article is not in the HTML."""
    return (
        judges_by_headline(heading, guards)
        and headline_cover(heading or "", text) < guards.off_headline
    )


def on_headline(
    choice: Choice, candidates: tuple[Candidate, ...], heading: str | None, guards: Guards
) -> Choice:
    """The candidate that tells the headline's story, when the chosen one does not."""
    if not heading or not judges_by_headline(heading, guards):
        return choice
    if headline_cover(heading, choice.candidate.text) >= guards.off_headline:
        return choice
    covers = {c.name: headline_cover(heading, c.text) for c in candidates if c.text.strip()}
    best = max(covers, key=lambda name: covers[name], default=None)
    if best is None or covers[best] < guards.on_headline:
        return choice
    chosen = next(c for c in candidates if c.name == best)
    # a candidate that holds the chosen text and little more is that text plus its heading
    # line (a tag page's single excerpt under `标签:X`): no other story to switch to
    held = shingle_overlap(choice.candidate.text, chosen.text, 4) >= guards.max_shared
    if held and len(chosen.text) <= guards.max_growth * len(choice.candidate.text):
        return choice
    return Choice(chosen, choice.agreement, f"{best} on the headline")


def prose_chars(text: str) -> int:
    """Characters in lines of 20+ characters that hold a sentence mark."""
    return sum(
        len(line)
        for line in (part.strip() for part in text.splitlines())
        if len(line) >= 20 and any(mark in line for mark in _PROSE_MARKS)
    )


def agreed_prose(
    html: str, url: str, tree: HtmlElement, candidates: tuple[Candidate, ...], guards: Guards
) -> Candidate | None:
    """trafilatura's text when readability agrees with it on running prose, else None."""
    texts = {c.name: c.text for c in candidates}
    if READABILITY not in texts:
        texts[READABILITY] = readability_text(html, tree)
    if not texts.get(TRAFILATURA):
        texts[TRAFILATURA] = trafilatura_text(tree, url or None, fast=True)
    pair = (Candidate(TRAFILATURA, texts[TRAFILATURA]), Candidate(READABILITY, texts[READABILITY]))
    if agreement_scores(pair).get(TRAFILATURA, 0.0) < guards.agreement:
        return None
    if prose_chars(pair[0].text) < guards.min_prose_chars:
        return None
    return pair[0]
