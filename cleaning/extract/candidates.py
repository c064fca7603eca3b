"""Main-text candidates from several extractors, and the choice between them per page.

Each extractor fails on different pages: trafilatura keeps sidebars on old table layouts,
readability drops short posts, the density method picks one block of a long page. The
candidate most extractors agree with (the medoid by token F1) is usually right; signals
about the page and the candidates (link share, text share, length) break the other cases.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import lxml.html
import trafilatura
from lxml.html import HtmlElement
from readability import Document
from readability.readability import REGEXES as READABILITY_PATTERNS

from cleaning.extract.density import block_text, density_extract
from cleaning.extract.readability_speed import QuickDocument
from cleaning.extract.scoring import joined_cjk_share, shingle_overlap, token_bag

log = logging.getLogger(__name__)

TRAFILATURA = "trafilatura"
READABILITY = "readability"
DENSITY = "density"
TRAFILATURA_REPLIES = "trafilatura-replies"
_CODE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# readability runs only where this share of the candidates' tokens are CJK characters
MIN_CJK_FOR_READABILITY = 0.3
_HIDDEN_STYLE = READABILITY_PATTERNS["displayNoneRe"]
_SENTENCE_MARK = re.compile(r"[。！？；，,.!?;]")


@dataclass(frozen=True)
class Candidate:
    name: str
    text: str

    @cached_property
    def bag(self) -> Counter[str]:
        """The text's tokens and their counts (computed once: candidates are compared often)."""
        return token_bag(self.text)

    @property
    def token_count(self) -> int:
        return self.bag.total()


@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    # how far the chosen text agrees with the others (mean token F1), 0..1
    agreement: float
    reason: str


def html_parser() -> lxml.html.HTMLParser:
    """lxml.html's parser with one element class for every tag, chosen in C: lxml.html's own
    lookup calls back into Python for each element the walks touch (8% of the pipeline's
    time), to give forms and inputs classes no step here uses. Trees copied from this one
    (trafilatura and readability work on copies) keep the fast lookup."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    parser.set_element_class_lookup(
        lxml.etree.ElementDefaultClassLookup(
            element=HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    return parser


def parse_document(html: str) -> HtmlElement | None:
    """An lxml document tree, or None for markup lxml cannot read."""
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=html_parser())
    except (ValueError, lxml.etree.ParserError):
        return None


def trafilatura_text(
    html: str | HtmlElement, url: str | None, with_comments: bool = False, fast: bool = False
) -> str:
    """trafilatura's main text, tuned for recall; `fast` skips its own fallback extractors
    (its bundled readability and jusText), which the other candidates stand in for. `html`
    may be the tree parsed already: trafilatura works on a copy of it instead of parsing
    the page again."""
    text = trafilatura.extract(
        html,
        url=url,
        favor_recall=True,
        include_comments=with_comments,
        include_tables=True,
        deduplicate=False,
        fast=fast,
    )
    return text or ""


class _TreeDocument(QuickDocument):
    """readability's Document over a copy of a tree already parsed: it parses its input again
    on every retry and prunes what it parsed, so each pass gets a fresh copy. (Three of its
    steps run faster to the same result: `readability_speed`.)

    Its own preparation runs lxml's Cleaner, which rewrites every link to drop `javascript:`
    ones and makes links absolute: a third of readability's time, for hrefs that no text
    depends on. Here only what changes the text goes: hidden elements, scripts, styles."""

    def _parse(self, input: HtmlElement) -> HtmlElement:
        tree = copy.deepcopy(input)
        for hidden in tree.xpath("//*[@hidden]"):
            hidden.drop_tree()
        for styled in tree.xpath("//*[@style]"):
            if _HIDDEN_STYLE.search(styled.get("style")):
                styled.drop_tree()
        lxml.etree.strip_elements(
            tree,
            "script",
            "style",
            "link",
            lxml.etree.Comment,
            lxml.etree.ProcessingInstruction,
            with_tail=False,
        )
        self.encoding = "utf-8"
        return tree


def readability_text(html: str, tree: HtmlElement | None = None) -> str:
    try:
        document = Document(html) if tree is None else _TreeDocument(tree)
        summary = document.summary(html_partial=True)
    except Exception as error:  # readability raises bare Exceptions on odd markup
        log.debug("readability failed: %s", error)
        return ""
    tree = parse_document(summary)
    if tree is None:
        return ""
    body = tree.find("body")
    return block_text(body if body is not None else tree)


def density_text(html: str, tree: HtmlElement | None = None) -> str:
    """The density method's text; from `tree` when the caller parsed the page already (the
    method reads the tree as its pruning would leave it, without changing or copying it)."""
    tree = parse_document(html) if tree is None else tree
    return density_extract(tree) if tree is not None else ""


def strip_code(html: str) -> str:
    """The page without scripts, styles and HTML comments: no extractor reads them, and
    every extractor would otherwise parse and clean them again."""
    return _COMMENT.sub("", _CODE.sub("", html))


def joined_share(first: Candidate, second: Candidate) -> float:
    """The CJK share of the two candidates' texts joined, from their token bags."""
    return joined_cjk_share(first.text, first.bag, second.text, second.bag)


def run_candidates(
    html: str,
    url: str | None,
    forum: bool = False,
    enough_agreement: float = 0.9,
    tree: HtmlElement | None = None,
) -> tuple[Candidate, ...]:
    """Every extractor's text for one page (empty text where an extractor found none).

    trafilatura (without its own fallback extractors: the other candidates are ours) and the
    density method run first; when they agree at `enough_agreement` or more (token F1),
    readability, the slowest, cannot change the choice much and is skipped. It is skipped on
    pages in latin script too: on the English benchmark, as a third opinion where the two
    disagree, it lowered the mean F1 (on the Chinese one it is worth +0.05). When readability
    finds nothing either, trafilatura runs again with its fallbacks as the tie-breaker.
    On forum and Q&A pages trafilatura also runs with its comment zones kept: there the
    replies are the content; readability runs there too only where the first two disagree
    (the thread's posts decide most forum pages after the choice).
    """
    html = strip_code(html) if tree is None else html
    page = html if tree is None else tree
    found = [
        Candidate(TRAFILATURA, trafilatura_text(page, url, fast=True)),
        Candidate(DENSITY, density_text(html, tree)),
    ]
    settled = agreement_scores(tuple(found)).get(TRAFILATURA, 0.0) >= enough_agreement
    if forum:
        found.append(Candidate(TRAFILATURA_REPLIES, trafilatura_text(page, url, True, True)))
        if settled:
            return tuple(found)
    elif settled or joined_share(found[0], found[1]) < MIN_CJK_FOR_READABILITY:
        return tuple(found)
    found.insert(1, Candidate(READABILITY, readability_text(html, tree)))
    if not found[1].text.strip():
        # two disagreeing texts and no third opinion: trafilatura with its own fallbacks
        found[0] = Candidate(TRAFILATURA, trafilatura_text(page, url))
    return tuple(found)


def shared_tokens(first: Counter[str], second: Counter[str]) -> int:
    """`sum((first & second).values())`, without building the intersection Counter: the
    common tokens by a set intersection, their smaller counts summed."""
    if len(second) < len(first):
        first, second = second, first
    return sum(min(count, second[token]) for token, count in first.items() if token in second)


@functools.lru_cache(maxsize=32)
def pair_f1(first: Candidate, second: Candidate) -> float:
    """Token F1 of two candidates' bags. The same pairs are scored again by the readability
    gate, the choice and the discord check of one page: each pair once. Symmetric to the
    bit (the factor 2 is exact), so the order of the pair does not matter."""
    overlap = shared_tokens(first.bag, second.bag)
    if not overlap:
        return 0.0
    precision = overlap / first.token_count
    recall = overlap / second.token_count
    return 2 * precision * recall / (precision + recall)


def _bags(candidates: tuple[Candidate, ...]) -> dict[str, Counter[str]]:
    return {c.name: c.bag for c in candidates if c.text.strip()}


def _scores(candidates: tuple[Candidate, ...]) -> dict[str, float]:
    """Each non-empty candidate's mean F1 with the other non-empty ones (by name: a later
    candidate of the same name stands for it)."""
    present = {c.name: c for c in candidates if c.text.strip()}
    scores: dict[str, float] = {}
    for name, candidate in present.items():
        others = [pair_f1(candidate, other) for key, other in present.items() if key != name]
        scores[name] = sum(others) / len(others) if others else 0.0
    return scores


def agreement_scores(candidates: tuple[Candidate, ...]) -> dict[str, float]:
    """Each non-empty candidate's mean token F1 with the other non-empty candidates."""
    return _scores(candidates)


def containment(inner: Counter[str], outer: Counter[str]) -> float:
    """The share of `inner`'s tokens that `outer` has too."""
    size = sum(inner.values())
    return shared_tokens(inner, outer) / size if size else 0.0


def nested_core(
    chosen: str, bags: dict[str, Counter[str]], min_containment: float, min_share: float
) -> str:
    """A smaller candidate lying inside the chosen one, when there is one.

    Extractors that disagree mostly disagree at the edges: one keeps the article and the
    related links, share bars or comment lists around it, another only the article. When a
    candidate's text lies almost wholly inside the chosen text and still holds most of it,
    the extra part of the chosen text is such an edge, so the smaller text is taken
    (the smallest of several). Much smaller candidates are left alone: there the extractor
    more likely dropped part of the article.
    """
    size = sum(bags[chosen].values())
    nested = [
        name
        for name, bag in bags.items()
        if name != chosen
        and min_share * size <= sum(bag.values()) < 0.97 * size
        and containment(bag, bags[chosen]) >= min_containment
    ]
    return min(nested, key=lambda name: sum(bags[name].values())) if nested else chosen


@dataclass(frozen=True)
class Nesting:
    # a candidate this much inside the chosen text (token containment) ...
    min_containment: float = 0.95
    # ... and at least this share of its length replaces it
    min_share: float = 0.7
    # smaller ones down to this share replace it when their prose share is this much higher
    prose_min_share: float = 0.25
    prose_gain: float = 0.1
    # ... and hold this share of their 8-character runs in the chosen text: a bag of tokens
    # is also "inside" when it retells the text (a photo caption summing up the story)
    prose_min_runs: float = 0.8


def prose_share(text: str) -> float:
    """The share of the text's characters in lines of running text (20 characters or more
    with a sentence mark), against menus, link lists, captions and table cells."""
    total = prose = 0
    for line in text.splitlines():
        size = len(line.strip())
        total += size
        if size >= 20 and _SENTENCE_MARK.search(line):
            prose += size
    return prose / total if total else 0.0


def prose_core(
    chosen: str, candidates: tuple[Candidate, ...], bags: dict[str, Counter[str]], nesting: Nesting
) -> str:
    """A smaller nested candidate (down to `nesting.prose_min_share` of the length) whose text
    is clearly more running prose than the chosen one: the chosen text kept a layout's menus
    and link tables around the article."""
    size = sum(bags[chosen].values())
    texts = {c.name: c.text for c in candidates}
    chosen_prose = prose_share(texts[chosen])
    nested = [
        name
        for name, bag in bags.items()
        if name != chosen
        and nesting.prose_min_share * size <= sum(bag.values()) < nesting.min_share * size
        and containment(bag, bags[chosen]) >= nesting.min_containment
        and prose_share(texts[name]) >= chosen_prose + nesting.prose_gain
        and shingle_overlap(texts[name], texts[chosen], 8) >= nesting.prose_min_runs
    ]
    return min(nested, key=lambda name: sum(bags[name].values())) if nested else chosen


def choose(candidates: tuple[Candidate, ...], nesting: Nesting | None = None) -> Choice | None:
    """The candidate the others agree with most (ties go to the earlier, trafilatura first),
    narrowed to a candidate nested inside it (`nested_core`, `prose_core`)."""
    nesting = nesting or Nesting()
    bags = _bags(candidates)
    scores = _scores(candidates)
    if not scores:
        return None
    order = {c.name: index for index, c in enumerate(candidates)}
    medoid = max(scores, key=lambda name: (round(scores[name], 6), -order[name]))
    best = nested_core(medoid, bags, nesting.min_containment, nesting.min_share)
    if best == medoid:
        best = prose_core(medoid, candidates, bags, nesting)
    chosen = next(c for c in candidates if c.name == best)
    return Choice(chosen, scores[best], "medoid" if best == medoid else f"inside {medoid}")
