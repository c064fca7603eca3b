"""robots.txt as RFC 9309 says, within the crawl's scope.

Scrapy's RobotsTxtMiddleware allows everything when robots.txt cannot be read. RFC 9309
(2.3.1.3-4) says otherwise: a robots.txt answering 5xx, or one that cannot be reached, means
*disallow everything*; a 4xx means there are no rules. A robots.txt redirected off the crawl's
scope is not followed (the crawl never leaves its scope) and counts as unreachable.

A host whose robots.txt could not be fetched at all (connection refused, DNS, timeout) is not
fetched either, but its URLs are recorded as unreachable with that reason (`refused`, `dns`,
...), not as robots-forbidden: the site was down, not closed to crawlers. The crawl's stats
say which hosts (`UNREACHABLE_HOST/<host:port>`), so the run can say so (crawler.run).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.failures import failure_reason
from crawler.guards import Skip

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
# stats key prefix: a host whose robots.txt could not be reached, valued with the reason
UNREACHABLE_HOST = "debtcorpus/unreachable"


def _no_traceback(record: logging.LogRecord) -> bool:
    """Scrapy logs a robots.txt that could not be fetched with its traceback: one line is
    enough (the URLs of that host are recorded with the reason)."""
    record.exc_info, record.exc_text = None, None
    return True


logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_no_traceback)


class ScopedRobotsTxt(RobotsTxtMiddleware):
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._unreachable: dict[str, str] = {}  # host:port -> why robots.txt failed

    async def _parse_robots(self, response: Response, netloc: str, request: Any) -> None:
        if response.status >= 500:
            self._stats.inc_value("robotstxt/disallow_all/server_error")
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def process_request_2(self, rp: Any, request: Any) -> None:
        reason = self._unreachable.get(urlparse_cached(request).netloc)
        if reason is not None:
            raise Skip(reason)
        super().process_request_2(rp, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        """Unreachable robots.txt: disallow everything on that host."""
        self._stats.inc_value("robotstxt/disallow_all/unreachable")
        if not isinstance(exc, IgnoreRequest):
            self._unreachable[netloc] = failure_reason(Failure(exc))
            self._stats.set_value(f"{UNREACHABLE_HOST}/{netloc}", self._unreachable[netloc])
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        deferred = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(deferred, Deferred):
            deferred.callback(parser)
