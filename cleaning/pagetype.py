"""What kind of page this is, judged from the page itself: forum thread, list, or article.

Forum and Q&A threads keep their replies and answers in the main text; list, index and tag
pages are not articles. Neither decision looks at the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

ARTICLE = "article"
FORUM = "forum"

_FORUM_URL = re.compile(
    r"(^|[./])(bbs|forum|tieba|zhidao|wenda|club|discuss)[./]|/(thread|viewthread|viewtopic|"
    r"question|questions|ask|topic|faq)/|forum\.php|showtopic|read\.php\?tid",
    re.I,
)
_FORUM_SCHEMA = re.compile(
    r"schema\.org/(QAPage|DiscussionForumPosting)|\"@type\"\s*:\s*\"QAPage\""
)
_FLOOR = re.compile(r"(\d+\s*楼|楼主|沙发|板凳|只看楼主|只看该作者)")
MIN_FLOOR_MARKS = 4
_SPACE = re.compile(r"\s+")
MIN_LINK_TITLE = 8


def page_type(html: str, url: str | None) -> str:
    """`forum` for a thread or Q&A page (by URL, schema.org type or floor marks), else `article`."""
    if url and _FORUM_URL.search(url):
        return FORUM
    if _FORUM_SCHEMA.search(html):
        return FORUM
    return FORUM if len(_FLOOR.findall(html)) >= MIN_FLOOR_MARKS else ARTICLE


def link_titles(tree: HtmlElement) -> set[str]:
    """Texts of links long enough to be article titles (whitespace removed)."""
    titles = set()
    for anchor in tree.iter("a"):
        text = _SPACE.sub("", anchor.text_content())
        if len(text) >= MIN_LINK_TITLE:
            titles.add(text)
    return titles


@dataclass(frozen=True)
class LinkTitleStats:
    # lines of the text that are the text of a link, like the entries of a list page
    title_lines: int
    share: float
    # the most characters of text between two title lines (a list has only short excerpts)
    longest_prose: int


def link_title_stats(text: str, titles: set[str]) -> LinkTitleStats:
    """How much of the text is link titles, and how much prose stands between them."""
    lines = [_SPACE.sub("", line) for line in text.splitlines() if line.strip()]
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
