"""What became of every URL a crawl touched: one outcome and, unless it is an article, one reason.

These are the only outcome and reason values the crawler, the store and the cleaner write;
`docs/crawling.md` lists them from `REASONS` (tests check the table matches). Reasons that
carry a detail keep it after a colon (`http-404`, `clean-error:ValueError`): `base_reason`
gives the listed part.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    ARTICLE = "article"  # fetched, cleaned, stored as an article
    REJECTED = "rejected"  # fetched and kept raw, but not an article (the reason says why)
    ERROR = "error"  # the fetch failed (the reason says how)
    NOT_MODIFIED = "not-modified"  # fetched again, same content as the stored copy
    NOT_FETCHED = "not-fetched"  # found but deliberately not fetched (the reason says why)


class Reason(StrEnum):
    # rejected: fetched, not an article
    EMPTY_BODY = "empty-body"
    NOT_HTML = "not-html"
    LIST_PAGE = "list-page"
    TOO_SHORT = "too-short"
    NO_MAIN_TEXT = "no-main-text"
    OFF_TOPIC = "off-topic"
    CLEAN_ERROR = "clean-error"
    CLEAN_TIMEOUT = "clean-timeout"
    # not-modified
    HTTP_304 = "http-304"
    SAME_CONTENT = "same-content"
    # error: the fetch failed
    HTTP_STATUS = "http"
    DNS = "dns"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    RESET = "reset"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    REDIRECT_LOOP = "redirect-loop"
    OFF_SITE_REDIRECT = "off-site-redirect"
    REDIRECT_NOT_FOLLOWED = "redirect-not-followed"
    TOO_LARGE = "too-large"
    DECOMPRESSION_BOMB = "decompression-bomb"
    FETCH_ERROR = "fetch-error"
    # not-fetched
    ROBOTS_FORBIDDEN = "robots-forbidden"
    OFF_SITE = "off-site"
    DEPTH_LIMIT = "depth-limit"
    NOT_FOLLOWED = "not-followed"
    MEDIA = "media-link"
    TRAP_LIMIT = "trap-limit"
    PAGE_LIMIT = "page-limit"

    def detailed(self, detail: object) -> str:
        """The stored form of a reason with its detail: `http-404`, `clean-error:KeyError`."""
        separator = "-" if self is Reason.HTTP_STATUS else ":"
        return f"{self.value}{separator}{detail}"


# (outcome, meaning) of every reason, in the order docs/crawling.md lists them.
REASONS: dict[Reason, tuple[Outcome, str]] = {
    Reason.EMPTY_BODY: (Outcome.REJECTED, "200 with an empty body"),
    Reason.NOT_HTML: (
        Outcome.REJECTED,
        "not an HTML page: by its Content-Type, or by its bytes (images, PDFs, archives and "
        "other binary content, whatever the Content-Type says); kept raw",
    ),
    Reason.LIST_PAGE: (Outcome.REJECTED, "a list, tag or archive page of links"),
    Reason.TOO_SHORT: (Outcome.REJECTED, "main text too short to be an article"),
    Reason.NO_MAIN_TEXT: (Outcome.REJECTED, "no extractor found main text"),
    Reason.OFF_TOPIC: (Outcome.REJECTED, "below the profile's `min_relevance`"),
    Reason.CLEAN_ERROR: (Outcome.REJECTED, "the cleaner raised (`clean-error:ExceptionName`)"),
    Reason.CLEAN_TIMEOUT: (
        Outcome.REJECTED,
        "the cleaner took longer than DEBTCORPUS_CLEAN_TIMEOUT; its worker was replaced",
    ),
    Reason.HTTP_304: (Outcome.NOT_MODIFIED, "304 to a conditional request"),
    Reason.SAME_CONTENT: (Outcome.NOT_MODIFIED, "200 with the body stored last time"),
    Reason.HTTP_STATUS: (Outcome.ERROR, "an HTTP error status after retries (`http-404`)"),
    Reason.DNS: (Outcome.ERROR, "the host name did not resolve"),
    Reason.TIMEOUT: (Outcome.ERROR, "no complete answer within DOWNLOAD_TIMEOUT"),
    Reason.REFUSED: (Outcome.ERROR, "the connection was refused"),
    Reason.RESET: (
        Outcome.ERROR,
        "the connection was reset or closed mid-response, or a compressed body ends before its "
        "stream does (`reset:truncated-gzip`)",
    ),
    Reason.TOO_MANY_REDIRECTS: (Outcome.ERROR, "more than REDIRECT_MAX_TIMES redirects"),
    Reason.REDIRECT_LOOP: (Outcome.ERROR, "a redirect back to a URL of its own chain"),
    Reason.OFF_SITE_REDIRECT: (Outcome.ERROR, "a redirect to a host outside the crawl's scope"),
    Reason.REDIRECT_NOT_FOLLOWED: (
        Outcome.ERROR,
        "a redirect to a URL the crawl does not fetch (robots.txt, a trap or page cap, or "
        "another profile's paths: `not-followed:PROFILE`); the target is in skipped_urls with "
        "its own reason",
    ),
    Reason.TOO_LARGE: (Outcome.ERROR, "the body is larger than DOWNLOAD_MAXSIZE"),
    Reason.DECOMPRESSION_BOMB: (
        Outcome.ERROR,
        "the compressed body decompresses past DOWNLOAD_MAXSIZE",
    ),
    Reason.FETCH_ERROR: (Outcome.ERROR, "any other failure below HTTP (`fetch-error:Name`)"),
    Reason.ROBOTS_FORBIDDEN: (Outcome.NOT_FETCHED, "robots.txt disallows it"),
    Reason.OFF_SITE: (Outcome.NOT_FETCHED, "a link to a host outside the crawl's scope"),
    Reason.DEPTH_LIMIT: (Outcome.NOT_FETCHED, "deeper than the profile's `depth`"),
    Reason.NOT_FOLLOWED: (
        Outcome.NOT_FETCHED,
        "a link the profile's `follow` / `deny` patterns leave out (or a sitemap or feed entry)",
    ),
    Reason.MEDIA: (
        Outcome.NOT_FETCHED,
        "a link to an image, audio, video, archive or other file the crawl never fetches "
        "(PDF and Word documents are fetched)",
    ),
    Reason.TRAP_LIMIT: (
        Outcome.NOT_FETCHED,
        "a crawler-trap cap: URL too long, a path segment repeated, or too many query "
        "variants of one path (`trap-limit:url-length`, `:repeated-segment`, `:query-variants`)",
    ),
    Reason.PAGE_LIMIT: (Outcome.NOT_FETCHED, "the profile's `max_pages` for one run was reached"),
}


def base_reason(stored: str) -> Reason | None:
    """The listed reason of a stored reason string (`http-404` -> HTTP_STATUS), or None."""
    head = stored.partition(":")[0]
    if head.startswith("http-") and head[5:].isdigit():
        return Reason.HTTP_STATUS
    try:
        return Reason(head)
    except ValueError:
        return None


def outcome_of(stored: str) -> Outcome | None:
    """The outcome a stored reason belongs to."""
    reason = base_reason(stored)
    return REASONS[reason][0] if reason is not None else None


def reasons_table() -> str:
    """The Markdown table of outcomes and reasons that docs/crawling.md holds."""
    lines = ["| outcome | reason | meaning |", "| --- | --- | --- |"]
    for reason, (outcome, meaning) in REASONS.items():
        shown = "http-NNN" if reason is Reason.HTTP_STATUS else reason.value
        lines.append(f"| `{outcome.value}` | `{shown}` | {meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(reasons_table())
