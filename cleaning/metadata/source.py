"""Source: the outlet a page credits (来源：新华社), and the syndication origin with its link
(`X来源链接:https://…`, or a link right after 来源:)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from cleaning.metadata.people_names import clean_person
from cleaning.metadata.view import PageView, string_content

_SOURCE_LINK = re.compile(
    r"(?P<name>[^\s:：]{0,20}?)\s*(?:来源链接|原文链接|原文地址|转载自)\s*[:：]\s*(?P<url>https?://[^\s<>\"'，。]+)"
)

_SOURCE_BEFORE_LINK = re.compile(r"(?:来源|稿源)\s*[:：]\s*\[?\s*$")


def source_link(view: PageView) -> tuple[str | None, str | None]:
    """The syndication origin: `X来源链接:https://…`, or a link right after 来源:."""
    for line in view.lines:
        if "链接" not in line.text and "原文地址" not in line.text and "转载自" not in line.text:
            continue  # cheap test first: the pattern's leading name run is slow to scan
        match = _SOURCE_LINK.search(line.text)
        if match:
            return clean_person(match["name"]), match["url"]
    if not any("来源" in line.text or "稿源" in line.text for line in view.lines):
        return None, None
    for anchor in view.tagged["a"]:
        href = anchor.get("href") or ""
        if not href.startswith("http"):
            continue
        previous = anchor.getprevious()
        before = (previous.tail if previous is not None else anchor.getparent().text) or ""
        if "源" in before and _SOURCE_BEFORE_LINK.search(before):
            return clean_person(string_content(anchor)), urljoin(view.url or "", href)
    return None, None
