"""Main text, comments and metadata of one page, or the reason it is not an article.

Steps: parse once; judge the page type (forum threads keep their replies in the text); run
the extractor candidates and choose between them (`candidates`); take the comments out of
the comment widgets (`comments`) and their lines out of the text; remove residual Chinese
boilerplate with named rules (`boilerplate`); reject list pages and pages with too little
text; add metadata (`cleaning.metadata`) and keyword-filter gaps (`cleaning.masking`).
Pure and picklable: strings in, frozen records out, so it runs in worker processes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from lxml.html import HtmlElement

from cleaning.extract.boilerplate import remove_boilerplate
from cleaning.extract.candidates import (
    READABILITY,
    Candidate,
    Choice,
    Nesting,
    choose,
    parse_document,
    readability_text,
    run_candidates,
)
from cleaning.extract.comments import extract_comments, remove_comment_lines
from cleaning.extract.discord import prose_over_discord
from cleaning.extract.feeds import drop_feeds
from cleaning.extract.guards import Guards, agreed_prose, off_headline, on_headline
from cleaning.extract.headlines import StoryMap, off_story
from cleaning.extract.pagetype import (
    FORUM,
    entry_share,
    excerpt_of_entry,
    link_title_stats,
    link_titles,
    list_entries,
    page_type,
)
from cleaning.extract.scoring import shingle_overlap, tokens
from cleaning.extract.structured import declares_article, replaces_chosen, structured_article
from cleaning.extract.threads import first_archive_post, thread_posts, thread_text
from cleaning.masking import find_masked_gaps
from cleaning.metadata.page import extract_metadata
from cleaning.records import ArticleRecord, CommentRecord, shared_fields
from cleaning.textsearch import squash

EXTRACTOR_VERSION = "0.3.1"  # 0.3.1: issue 18 edges (docs/extraction.md)
STRUCTURED = "structured-data"
THREAD = "thread"
FIRST_POST = "first-post"
# verdicts that two extractors agreeing on running prose overrule
OVERRULED = ("list-page", "too-short")
_NOT_CJK = re.compile(r"[^\u3400-\u9fff]+")
_WORD = re.compile(r"[^\W\u3400-\u9fff]+")
# an excerpt cut off by the site: "..." or a single "…" at the end of a line ("……" is prose)
_CUT_OFF = re.compile(r"(?:\.{3}|(?<!…)…)\s*$")
# ... or two or more link titles make up this share of its lines
TEASER_LINK_SHARE = 0.25


def is_teaser(text: str, link_share: float) -> bool:
    """An excerpt on a tag or category page: most of the text is one line cut off with "...",
    or link titles make up a good share of the text."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    longest = max(lines, key=len)
    if _CUT_OFF.search(longest) and len(longest) * 2 >= sum(map(len, lines)):
        return True
    return link_share >= TEASER_LINK_SHARE


@dataclass(frozen=True)
class ExtractConfig:
    # trafilatura and the density method agreeing this much (token F1) settle the page
    # without readability (saves its run on most pages)
    enough_agreement: float = 0.9
    # when a candidate lies inside the chosen text, the rest was an edge (related links,
    # comments, menus): see `cleaning.extract.candidates.Nesting`
    nesting: Nesting = field(default_factory=Nesting)
    # below this many text units (CJK characters plus latin words) a page is "too-short"
    min_text_units: int = 50
    # forum threads are often short: a question and a few answers
    min_forum_units: int = 20
    # a page whose text is mostly link titles is a list, index or tag page
    list_min_titles: int = 5
    list_title_share: float = 0.3
    # ... and no stretch of prose between two titles longer than an excerpt
    list_max_prose: int = 300
    # ... or most of its text lies inside repeated entries that each lead with a title link
    list_entry_share: float = 0.5
    # a short text that is a cut-off excerpt ("...") or two link titles with their excerpts
    # is a teaser on a tag or category page with one or two entries, not an article
    teaser_max_units: int = 300
    # on forum pages the posts' text replaces the chosen text when it is this many times
    # larger (the chosen text was a stub) ...
    thread_stub_ratio: float = 5.0
    # ... or this many times larger and holding this share of the chosen text's 8-char runs
    thread_min_growth: float = 1.2
    thread_min_overlap: float = 0.9
    # no two of three candidates agree this much: the most prose-rich one is taken (`discord`)
    discord_agreement: float = 0.2
    # the headline and agreed-prose checks made after the choice (`guards`)
    guards: Guards = field(default_factory=Guards)


DEFAULT_CONFIG = ExtractConfig()


@dataclass(frozen=True)
class Rejection:
    reason: str


@functools.lru_cache(maxsize=16)  # the checks of one page ask for the same text's size
def text_units(text: str) -> int:
    """Length that is fair to all scripts: CJK characters plus words of other scripts (the
    CJK characters counted as what is left without the rest: 3x faster than a list of them)."""
    return len(_NOT_CJK.sub("", text)) + len(_WORD.findall(text))


def page_heading(tree: HtmlElement) -> str | None:
    """The page's own headline (first h1), else the first part of <title>."""
    for heading in tree.iter("h1"):
        text: str = heading.text_content().strip()
        if 4 <= len(text) <= 100:
            return text
    title: str | None = tree.findtext(".//title")
    return re.split(r"[_|｜\-–—]", title.strip())[0].strip() or None if title else None


@dataclass(frozen=True)
class MainText:
    text: str
    choice: Choice
    comments: tuple[CommentRecord, ...]
    removed: dict[str, int]
    candidates: tuple[Candidate, ...] = ()
    # texts of the page's links long enough to be titles (`pagetype.link_titles`)
    titles: frozenset[str] = frozenset()


def _replaced(choice: Choice, name: str, text: str) -> Choice:
    return Choice(Candidate(name, text), choice.agreement, f"{name} over {choice.candidate.name}")


def whole_thread(text: str, thread: str, config: ExtractConfig) -> bool:
    """The thread's posts are the page's content: they hold the chosen text and more, or
    the chosen text is a stub (a box of facts above the replies) beside them."""
    size, thread_size = len(tokens(text)), len(tokens(thread))
    if not thread_size:
        return False
    if thread_size >= config.thread_stub_ratio * size:
        return True
    return (
        thread_size >= config.thread_min_growth * size
        and shingle_overlap(text, thread, 8) >= config.thread_min_overlap
    )


def refine_choice(choice: Choice, tree: HtmlElement, kind: str, config: ExtractConfig) -> Choice:
    """Page structures no extractor reads: an article only in structured data, a blog archive
    of whole posts (its first post), a forum thread (all its posts)."""
    text = choice.candidate.text
    structured = structured_article(tree)
    if structured is not None and replaces_chosen(structured, text):
        return _replaced(choice, STRUCTURED, structured.text)
    if kind == FORUM:
        thread = thread_text(tree)
        return _replaced(choice, THREAD, thread) if whole_thread(text, thread, config) else choice
    first_post = first_archive_post(tree, text)
    return _replaced(choice, FIRST_POST, first_post) if first_post else choice


def with_heading(text: str, heading: str | None) -> str:
    """A thread's text led by its title: on Q&A pages the title is often the whole question."""
    if not heading or squash(heading) in squash(text[: len(heading) + 40]):
        return text
    return f"{heading}\n{text}"


def main_text(
    html: str, url: str, tree: HtmlElement, kind: str, config: ExtractConfig = DEFAULT_CONFIG
) -> MainText | None:
    """The chosen candidate with comments and boilerplate taken out."""
    candidates = run_candidates(html, url, kind == FORUM, config.enough_agreement, tree)
    stories = StoryMap(tree)
    others = off_story(stories, {c.name: c.text for c in candidates})
    if others and len(others) < len(candidates):
        candidates = tuple(c for c in candidates if c.name not in others)
    choice = choose(candidates, config.nesting)
    if choice is None:
        return None
    choice = prose_over_discord(choice, candidates, config.discord_agreement)
    heading = page_heading(tree)
    refined = refine_choice(choice, tree, kind, config)
    if refined is choice and kind != FORUM:
        if off_headline(choice.candidate.text, heading, config.guards):
            candidates = with_readability(candidates, html, tree)
        refined = on_headline(choice, candidates, heading, config.guards)
    return finish(refined, candidates, tree, kind, heading)


def with_readability(
    candidates: tuple[Candidate, ...], html: str, tree: HtmlElement
) -> tuple[Candidate, ...]:
    """The candidates with readability's text, run now if the agreement of the first two
    skipped it: they agreed on a text that misses the headline (both kept a disclaimer)."""
    if any(c.name == READABILITY for c in candidates):
        return candidates
    return (*candidates, Candidate(READABILITY, readability_text(html, tree)))


def finish(
    choice: Choice,
    candidates: tuple[Candidate, ...],
    tree: HtmlElement,
    kind: str,
    heading: str | None,
) -> MainText:
    """Comments and boilerplate out of the chosen text."""
    titles = frozenset(link_titles(tree))
    if kind == FORUM:
        # the replies stay in the text (they are the content) and are rows of their own too
        comments = thread_replies(tree, choice.candidate.text)
        cleaned = remove_boilerplate(choice.candidate.text)
        cleaned = replace(cleaned, text=with_heading(cleaned.text, heading))
        comment_lines = 0
    else:
        comments = extract_comments(tree)
        text, comment_lines = remove_comment_lines(choice.candidate.text, comments)
        cleaned = remove_boilerplate(text, heading)
        # the share of the text a feed may take is judged on the text before boilerplate
        # lines (a feedback line, a share bar) made it shorter
        without_feeds, feed_lines = drop_feeds(cleaned.text, titles, whole_chars=len(text))
        if feed_lines:
            removed_counts = {**cleaned.removed, "feed": feed_lines}
            cleaned = replace(cleaned, text=without_feeds, removed=removed_counts)
    removed = dict(cleaned.removed)
    if comment_lines:
        removed["comment-lines"] = comment_lines
    return MainText(cleaned.text, choice, comments, removed, candidates, titles)


def thread_replies(tree: HtmlElement, text: str) -> tuple[CommentRecord, ...]:
    """The posts after the first (the question) as comment rows, when the chosen text holds
    the thread: a post stream the text does not hold is some other repeated block."""
    posts = thread_posts(tree)
    if len(posts) < 2 or shingle_overlap("\n".join(p.text for p in posts), text, 8) < 0.5:
        return ()
    return tuple(posts[1:])


def overrule_rejection(
    found: MainText, html: str, url: str, tree: HtmlElement, kind: str, config: ExtractConfig
) -> MainText | None:
    """The agreed prose of trafilatura and readability, where a list or too-short verdict
    meets it (`guards.agreed_prose`); None where they do not agree on prose."""
    agreed = agreed_prose(html, url, tree, found.candidates, config.guards)
    # repeated entries that each lead with a headline link are a list however much prose
    # their excerpts hold (category and tag pages): that evidence stands
    if agreed is None or entry_share(agreed.text, list_entries(tree)) >= config.list_entry_share:
        return None
    choice = Choice(agreed, 1.0, "agreed prose over a rejection")
    return finish(choice, found.candidates, tree, kind, page_heading(tree))


def rejection_reason(
    found: MainText | None, tree: HtmlElement, kind: str, config: ExtractConfig
) -> str | None:
    if found is None or not found.text.strip():
        return "no-main-text"
    links = link_title_stats(found.text, set(found.titles))
    if (
        links.title_lines >= config.list_min_titles
        and links.share >= config.list_title_share
        and links.longest_prose <= config.list_max_prose
    ):
        return "list-page"
    if entry_share(found.text, list_entries(tree)) >= config.list_entry_share:
        return "list-page"
    share = links.share if links.title_lines >= 1 else 0.0
    if text_units(found.text) < config.teaser_max_units and (
        is_teaser(found.text, share)
        or excerpt_of_entry(tree, found.text)
        or (declares_article(tree) and off_headline(found.text, page_heading(tree), config.guards))
    ):
        return "list-page"
    minimum = config.min_forum_units if kind == FORUM else config.min_text_units
    return "too-short" if text_units(found.text) < minimum else None


def extract(
    html: str, url: str, fetched_at: datetime, config: ExtractConfig = DEFAULT_CONFIG
) -> ArticleRecord | Rejection:
    """The article on a page, or why the page is not one."""
    tree = parse_document(html)
    if tree is None:
        return Rejection("unparseable")
    kind = page_type(html, url)
    found = main_text(html, url, tree, kind, config)
    reason = rejection_reason(found, tree, kind, config)
    if reason in OVERRULED and found is not None:
        agreed = overrule_rejection(found, html, url, tree, kind, config)
        if agreed is not None and agreed.text.strip():
            found, reason = agreed, None
    if reason is not None or found is None:
        return Rejection(reason or "no-main-text")
    meta = extract_metadata(html, url, fetched_at, main_text=found.text, tree=tree)
    page_fields = shared_fields(meta, ArticleRecord)
    page_fields["published"] = meta.published if meta.published.value is not None else None
    return ArticleRecord(
        **page_fields,
        url=url,
        text=found.text,
        extractor=f"{found.choice.candidate.name}+{kind}",
        extractor_version=EXTRACTOR_VERSION,
        comments=found.comments,
        masked_gaps=find_masked_gaps(found.text),
        boilerplate_removed=found.removed,
    )
