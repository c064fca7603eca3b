"""Request identity for the duplicate filter: one fetch per page, whatever tracking
parameters, fragment or trailing slash its links carry (cleaning.urls.url_identity)."""

from __future__ import annotations

import hashlib
from typing import Any

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

from cleaning.urls import url_identity


class IdentityFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS: method, URL identity and body."""

    def __init__(self, crawler: Any = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> IdentityFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        profile = getattr(getattr(self.crawler, "spider", None), "profile", None)
        extra = profile.tracking_parameters if profile is not None else ()
        digest = hashlib.sha1(request.method.encode())
        digest.update(url_identity(request.url, extra).encode())
        digest.update(request.body or b"")
        return digest.digest()


class RedirectAwareDupeFilter(RFPDupeFilter):
    """A redirect hop is always let through (its URL is still marked seen): the original URL
    then gets its own page row even when the target was fetched before. Loops cannot follow
    from this: crawler.guards.ScopeGuard stops a redirect back into its own chain, and
    REDIRECT_MAX_TIMES bounds the rest."""

    def request_seen(self, request: Request) -> bool:
        seen = super().request_seen(request)
        return False if request.meta.get("redirect_urls") else seen
