"""Pages made of several posts: forum threads and blog archives.

A forum or Q&A thread is a stream of repeated sibling blocks, one per post (the question and
its answers); extractors keep the first post and drop the answers, or keep the user cards
and buttons around each. `thread_text` rebuilds the thread from the posts' own text.

A blog archive page repeats whole posts in blocks named like `post-body`; it has no single
article, and the page leads with its newest post, which is the one a reader landing there
reads: `first_archive_post` returns it.
"""

from __future__ import annotations

import copy
import functools
import re
import weakref
from collections import defaultdict
from dataclasses import dataclass

from lxml.html import HtmlElement

from cleaning.extract.comments import parse_item
from cleaning.extract.density import block_text, prune
from cleaning.extract.scoring import shingle_overlap
from cleaning.metadata.view import named_elements
from cleaning.records import CommentRecord
from cleaning.textsearch import ascii_without, squash

_SENTENCE_MARK = re.compile(r"[。！？，；：,.!?;:]")
# tags that repeat as posts even without a class naming them
_ITEM_TAGS = frozenset(("li", "article", "tr", "table"))
_POST_BODY = re.compile(
    r"(^|[\s_-])(post|entry|article|blog)[-_]?(body|content|text)([\s_-]|$)", re.I
)
# every match of _POST_BODY holds one of each
_POST_STEMS = ("post", "entry", "article", "blog")
_BODY_STEMS = ("body", "content", "text")
# paragraphs and inline elements named like a post body are parts of one post, not posts
_PART_TAGS = frozenset(("p", "span", "li", "font", "a", "em", "strong"))


@dataclass(frozen=True)
class ThreadConfig:
    # posts' own text (outside links) must be at least this share of their text
    min_own_share: float = 0.6
    # a blog archive: at least two post bodies of this many characters
    min_archive_post: int = 200
    # ... and the chosen text lies in them: this share of its 8-character runs
    min_archive_overlap: float = 0.5


DEFAULT_THREAD = ThreadConfig()


def _chars(node: HtmlElement) -> int:
    return len(squash(node.text_content()))


def _own_chars(node: HtmlElement) -> tuple[int, int]:
    """Characters of the node's text, and of the part outside links."""
    total = _chars(node)
    linked = sum(_chars(anchor) for anchor in node.iter("a"))
    return total, total - linked


def _sibling_groups(parent: HtmlElement) -> list[list[HtmlElement]]:
    """The parent's children grouped by tag and class, groups of two or more only."""
    groups: dict[tuple[str, str], list[HtmlElement]] = defaultdict(list)
    for child in parent:
        if isinstance(child.tag, str):
            groups[(child.tag, (child.get("class") or "").strip())].append(child)
    return [
        members
        for (tag, names), members in groups.items()
        if len(members) >= 2 and (names or tag in _ITEM_TAGS)
    ]


def _own_text_of_posts(members: list[HtmlElement], config: ThreadConfig) -> int:
    """The posts' text outside links, or 0 when the group is a link list or holds no prose."""
    total = own = with_prose = 0
    for member in members:
        chars, own_chars = _own_chars(member)
        total, own = total + chars, own + own_chars
        with_prose += bool(_SENTENCE_MARK.search(member.text_content()))
    if not total or own / total < config.min_own_share or with_prose < 2:
        return 0
    return own


def post_stream(root: HtmlElement, config: ThreadConfig = DEFAULT_THREAD) -> list[HtmlElement]:
    """The group of repeated sibling blocks holding the most prose: a thread's posts."""
    best: list[HtmlElement] = []
    best_size = 0
    for parent in root.iter():
        if not isinstance(parent.tag, str):
            continue
        for members in _sibling_groups(parent):
            size = _own_text_of_posts(members, config)
            if size > best_size:
                best, best_size = members, size
    return best


# the posts found on a tree, while the tree lives: a forum page asks for them twice (the
# thread's text for the choice, its replies as comment rows); the pipeline never changes the
# tree it parsed (every extractor works on a copy)
_POSTS: weakref.WeakKeyDictionary[HtmlElement, tuple[ThreadConfig, list[CommentRecord]]] = (
    weakref.WeakKeyDictionary()
)


def thread_posts(tree: HtmlElement, config: ThreadConfig = DEFAULT_THREAD) -> list[CommentRecord]:
    """Every post of a thread in page order, each its text field with the author and time
    its card names (as for comments); [] when the page has no post stream."""
    known = _POSTS.get(tree)
    if known is not None and known[0] == config:
        return list(known[1])
    body = tree.find("body")
    root = copy.deepcopy(body if body is not None else tree)
    prune(root)
    records = (parse_item(post) for post in post_stream(root, config))
    posts = [record for record in records if record is not None]
    _POSTS[tree] = (config, posts)
    return list(posts)


def thread_text(tree: HtmlElement, config: ThreadConfig = DEFAULT_THREAD) -> str:
    """The text of every post of a thread, in page order, without the user cards around them;
    empty when the page has no post stream."""
    return "\n".join(post.text for post in thread_posts(tree, config))


@functools.lru_cache(maxsize=8192)
def _is_post_body(names: str) -> bool:
    """Whether a class names a post body (pages repeat the same few classes)."""
    if ascii_without(names, _POST_STEMS) or ascii_without(names, _BODY_STEMS):
        return False
    return _POST_BODY.search(names) is not None


def archive_posts(tree: HtmlElement, config: ThreadConfig = DEFAULT_THREAD) -> list[HtmlElement]:
    """The post bodies of a blog archive page (one class repeated, none inside another), or
    [] when fewer than two of them are whole posts."""
    groups: dict[tuple[str, str], list[HtmlElement]] = defaultdict(list)
    for node, tag, class_name, _ in named_elements(tree):
        names = class_name or ""
        if tag not in _PART_TAGS and _is_post_body(names):
            groups[(tag, names)].append(node)
    for members in groups.values():
        outer = [m for m in members if not any(a in members for a in m.iterancestors())]
        if sum(_chars(m) >= config.min_archive_post for m in outer) >= 2:
            return outer
    return []


def first_archive_post(
    tree: HtmlElement, chosen: str, config: ThreadConfig = DEFAULT_THREAD
) -> str | None:
    """The first post's text on a blog archive page when the chosen text lies in its posts;
    None on any other page."""
    posts = archive_posts(tree, config)
    if not posts:
        return None
    texts = [block_text(post) for post in posts]
    if shingle_overlap(chosen, "\n".join(texts), 8) < config.min_archive_overlap:
        return None
    return texts[0]
