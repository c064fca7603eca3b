"""The page's tags: meta keywords, article:tag and links marked as tags."""

from __future__ import annotations

import functools
import re

from cleaning.metadata.view import PageView, squash_space, string_content

_TAG_NAME = re.compile(r"(?<![a-z])tags?(?![a-z])", re.I)
_TAG_NAME_LOWERED = re.compile(_TAG_NAME.pattern)


@functools.lru_cache(maxsize=4096)
def _names_tags(attrs: str) -> bool:
    """Whether class and id names mark a tag list (tag, tags, post-tags; not hashtag)."""
    if attrs.isascii():
        lowered = attrs.lower()
        return "tag" in lowered and _TAG_NAME_LOWERED.search(lowered) is not None
    return _TAG_NAME.search(attrs) is not None


def find_tags(view: PageView) -> tuple[str, ...]:
    """meta keywords, article:tag and links marked as tags; first-seen order, no repeats."""
    tags: list[str] = []
    for value in view.metas.get("keywords", []) + view.metas.get("news_keywords", []):
        tags.extend(re.split(r"[,，、;；|]|\s{2,}", value))
    tags.extend(view.metas.get("article:tag", []))
    for anchor in view.tagged["a"]:
        rel = (anchor.get("rel") or "").lower()
        parent = anchor.getparent()
        if rel == "tag" or _names_tags(f"{parent.get('class', '')} {parent.get('id', '')}"):
            tags.append(string_content(anchor))
    cleaned = (squash_space(tag) for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag and len(tag) <= 30))
