"""The site a page belongs to: its name (og:site_name, the <title>'s suffix, the footer's
copyright line), its canonical URL and its language."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urljoin

from cleaning.metadata.view import CJK, PageView, first_meta, title_segments

_COPYRIGHT_NAME = re.compile(
    rf"(?P<before>[{CJK}A-Za-z0-9.]{{2,20}})\s*(?:©|&copy;|\(c\)|版权所有)"
    rf"|(?:©|Copyright|版权所有)\s*(?:©\s*)?(?:\d{{4}}\s*(?:[-–]\s*\d{{4}})?\s*)?(?P<after>[{CJK}][{CJK}A-Za-z0-9]{{1,19}})",
    re.I,
)
# the marks _COPYRIGHT_NAME needs, found far faster than the name runs it starts with
_COPYRIGHT_MARK = re.compile(r"©|&copy;|\(c\)|版权所有|copyright", re.I)


def _footer_site_name(view: PageView) -> str | None:
    for line in reversed(view.lines[-40:]):
        match = _COPYRIGHT_NAME.search(line.text) if _COPYRIGHT_MARK.search(line.text) else None
        if match:
            name = (match["before"] or match["after"] or "").strip()
            if name and not re.fullmatch(r"[\d\s.-]+|all|rights|reserved", name, re.I):
                return name
    return None


def find_site_name(view: PageView) -> str | None:
    """og:site_name, else the <title>'s suffix (X - 站名, X_站名), else the footer copyright."""
    named = first_meta(view, "og:site_name", "application-name", "sitename", "site_name")
    if named:
        return named
    footer = _footer_site_name(view)
    segments = title_segments(view.title_text)
    if len(segments) >= 2 and len(segments[-1]) <= 20:
        suffix = segments[-1].strip()
        if footer and footer in (view.title_text or ""):
            return footer
        return suffix
    return footer


def find_canonical(view: PageView) -> str | None:
    for link in view.tagged["link"]:
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            return _absolute(view.url, link.get("href"))
    og_url = first_meta(view, "og:url")
    return _absolute(view.url, og_url) if og_url else None


def _absolute(base: str, href: str) -> str:
    href = href.strip()
    if re.match(r"^www\.", href):
        href = "http://" + href
    return urljoin(base or "", href)


def find_language(view: PageView) -> str | None:
    """The declared language (primary subtag), else a guess from the characters: zh/ja/ko."""
    html_element = view.tree if view.tree.tag == "html" else view.tree.find(".//html")
    declared = (
        (html_element.get("lang") or html_element.get("xml:lang") or "")
        if html_element is not None
        else ""
    )
    declared = declared or first_meta(view, "content-language", "og:locale", "language") or ""
    if declared.strip():
        return declared.strip().replace("_", "-").split("-")[0].lower()
    sample = "".join(line.text for line in view.lines)[:20000]
    return language_of(sample)


def language_of(text: str) -> str | None:
    letters = kana = hangul = han = 0
    # test each distinct character once, not each of its occurrences
    for char, count in Counter(text).items():
        if not char.isalpha():
            continue
        letters += count
        if "\u3040" <= char <= "\u30ff":
            kana += count
        elif "\uac00" <= char <= "\ud7af":
            hangul += count
        elif "\u3400" <= char <= "\u9fff":
            han += count
    if not letters:
        return None
    if kana > 0.05 * letters:
        return "ja"
    if hangul > 0.2 * letters:
        return "ko"
    return "zh" if han > 0.2 * letters else None


# ---------------------------------------------------------------- the whole
