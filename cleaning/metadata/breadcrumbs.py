"""The page's category: the last useful step of its breadcrumb trail (当前位置：首页 > 财经 >
正文), else the section its meta tags or JSON-LD declare."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cleaning.metadata.view import PageView, first_meta, page_title, squash_space, string_content

_CRUMB_LINE_START = re.compile(r"^(?:当前位置|您的位置|你的位置|所在位置|位置)\s*[:：]")
_CRUMB_LINE_END = re.compile(r"\S\s*>\s*>?\s*正文")
_BREADCRUMB_SPLIT = re.compile(r"\s*(?:>|&gt;|»|›|→|/|＞|〉|>>)\s*")
_CRUMB_SKIP = re.compile(
    r"^(?:当前位置|您的位置|你的位置|所在位置|位置)?\s*[:：]?\s*(?:首页|主页|网站首页|home|正文|正文内容|内容|详情|详细内容|文章|阅读文章)?$",
    re.I,
)


def _crumb_texts(view: PageView) -> Iterator[str]:
    for element in view.crumbs:
        text = squash_space(string_content(element))
        if 0 < len(text) <= 200:
            yield text
    for line in view.lines:
        if ("位置" in line.text or "正文" in line.text) and (
            _CRUMB_LINE_START.match(line.text) or _CRUMB_LINE_END.search(line.text)
        ):
            yield line.text


def find_category(view: PageView) -> str | None:
    """The last breadcrumb step that is neither home, 正文, nor the title itself."""
    title = page_title(view) or ""
    for text in _crumb_texts(view):
        steps = [step.strip() for step in _BREADCRUMB_SPLIT.split(text)]
        steps = [
            re.sub(r"^(?:当前位置|您的位置|你的位置|所在位置|位置)\s*[:：]\s*", "", s)
            for s in steps
        ]
        kept = [s for s in steps if s and not _CRUMB_SKIP.match(s) and s != title and len(s) <= 20]
        if kept and len(steps) >= 2:
            return kept[-1]
    section = first_meta(view, "article:section", "columnname", "columntype")
    for obj in view.jsonld:
        if isinstance(obj.get("articleSection"), str):
            section = section or obj["articleSection"]
    return section
