"""robots.txt as RFC 9309 says, within the crawl's scope.

Scrapy's RobotsTxtMiddleware allows everything when robots.txt cannot be read. RFC 9309
(2.3.1.3-4) says otherwise: a robots.txt answering 5xx, or one that cannot be reached, means
*disallow everything*; a 4xx means there are no rules. A robots.txt redirected off the crawl's
scope is not followed (the crawl never leaves its scope) and counts as unreachable.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class ScopedRobotsTxt(RobotsTxtMiddleware):
    async def _parse_robots(self, response: Response, netloc: str, request: Any) -> None:
        if response.status >= 500:
            self._stats.inc_value("robotstxt/disallow_all/server_error")
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        """Unreachable robots.txt: disallow everything on that host."""
        self._stats.inc_value("robotstxt/disallow_all/unreachable")
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        deferred = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(deferred, Deferred):
            deferred.callback(parser)
