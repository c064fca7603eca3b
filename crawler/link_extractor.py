"""Scrapy's link extractor, with the URL of each link remembered across pages.

The links of a site repeat on every page (navigation, tags, footers, related articles), and
Scrapy's extractor resolves each one again on every page: stripped, joined to the page's base,
made safe (w3lib), joined again to the page's URL. That was about a fifth of the Scrapy
process's CPU. A link that is absolute (`http://...`) or relative to the site's root (`/...`)
resolves the same way on every page of the same origin, so its URL is kept (for a while:
the memo is emptied when full) keyed on the origin and the page's encoding; other links
(`../x`, `x.html`, `?page=2`) are resolved per page as before. The links found are the same
(the memo takes the extractor's `process_value` to be a pure function, as the default is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy.link import Link
from scrapy.linkextractors import _is_valid_url
from scrapy.linkextractors.lxmlhtml import (
    LxmlLinkExtractor,
    LxmlParserLinkExtractor,
    _collect_string_content,
)
from scrapy.utils.misc import rel_has_nofollow
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from scrapy import Selector

# links remembered at most (then forgotten all at once): about 480 bytes each (key and URL,
# measured), so at most 5 MB; 50,000 could reach 24 MB on a large crawl (each new article's links)
MEMO_SIZE = 10_000


def _origin_independent(value: str) -> bool:
    """Whether urljoin(base, value) depends on the base's scheme and host only."""
    if value.startswith("/"):
        return True
    scheme, sep, rest = value.partition("://")
    return bool(sep) and scheme in ("http", "https") and not rest.startswith("/")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


class _MemoParserLinkExtractor(LxmlParserLinkExtractor):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.memo: dict[tuple[Any, ...], str | None] = {}

    def _resolve(self, value: str, response_url: str, encoding: str, base_url: str) -> str | None:
        """What Scrapy's _extract_links makes of one attribute value (None: skipped)."""
        try:
            if self.strip:
                value = strip_html5_whitespace(value)
            value = urljoin(base_url, value)
        except ValueError:
            return None
        url = self.process_attr(value)
        if url is None:
            return None
        try:
            url = safe_url_string(url, encoding=encoding)
        except ValueError:
            return None
        return urljoin(response_url, url)

    def _url(self, value: str, response_url: str, encoding: str, base_url: str) -> str | None:
        stripped = strip_html5_whitespace(value) if self.strip else value
        if not _origin_independent(stripped):
            return self._resolve(value, response_url, encoding, base_url)
        key = (_origin(base_url), _origin(response_url), encoding, value)
        if key not in self.memo:
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = self._resolve(value, response_url, encoding, base_url)
        return self.memo[key]

    def _extract_links(
        self, selector: Selector, response_url: str, response_encoding: str, base_url: str
    ) -> list[Link]:
        links: list[Link] = []
        for el, _, attr_val in self._iter_links(selector.root):
            url = self._url(attr_val, response_url, response_encoding, base_url)
            if url is None:
                continue
            text = _collect_string_content(el) or ""
            links.append(Link(url, text, nofollow=rel_has_nofollow(el.get("rel"))))
        return self._deduplicate_if_needed(links)


class MemoLinkExtractor(LxmlLinkExtractor):
    """LxmlLinkExtractor (same arguments, same links) that remembers resolved URLs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        parser = self.link_extractor
        memo = _MemoParserLinkExtractor(
            unique=parser.unique, strip=parser.strip, canonicalized=True
        )
        memo.scan_tag, memo.scan_attr = parser.scan_tag, parser.scan_attr
        memo.process_attr = parser.process_attr
        self.link_extractor = memo
        # with no rule but the scheme's, a link's URL need not be parsed to be allowed
        self.scheme_only = not (
            self.allow_res
            or self.deny_res
            or self.allow_domains
            or self.deny_domains
            or self.deny_extensions
            or self.restrict_text
        )

    def _link_allowed(self, link: Link) -> bool:
        if self.scheme_only:
            return _is_valid_url(link.url)
        return super()._link_allowed(link)
