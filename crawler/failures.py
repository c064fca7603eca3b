"""The stored reason of a request that failed or was never sent (cleaning.outcomes.Reason)."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error
from twisted.internet.defer import TimeoutError as DeferTimeoutError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from cleaning.outcomes import Reason
from crawler.guards import Skip

_BY_TYPE: tuple[tuple[tuple[type[BaseException], ...], Reason], ...] = (
    ((error.DNSLookupError, CannotResolveHostError), Reason.DNS),
    (
        (error.TimeoutError, error.TCPTimedOutError, DeferTimeoutError, DownloadTimeoutError),
        Reason.TIMEOUT,
    ),
    ((error.ConnectionRefusedError, DownloadConnectionRefusedError), Reason.REFUSED),
    (
        (
            error.ConnectionLost,
            error.ConnectionDone,
            ResponseFailed,
            ResponseNeverReceived,
            ResponseDataLossError,
            DownloadFailedError,
        ),
        Reason.RESET,
    ),
    ((DownloadCancelledError,), Reason.TOO_LARGE),
)
# IgnoreRequest messages of Scrapy's own middlewares (robots.txt, redirects, decompression).
_BY_MESSAGE: tuple[tuple[str, Reason], ...] = (
    ("Forbidden by robots.txt", Reason.ROBOTS_FORBIDDEN),
    ("max redirections reached", Reason.TOO_MANY_REDIRECTS),
    ("during decompression", Reason.DECOMPRESSION_BOMB),
)


def failure_reason(failure: Failure) -> str:
    exception = failure.value
    if isinstance(exception, Skip):
        return exception.reason
    if isinstance(exception, IgnoreRequest):
        message = str(exception)
        for fragment, reason in _BY_MESSAGE:
            if fragment in message:
                return reason
    for types, reason in _BY_TYPE:
        if isinstance(exception, types):
            return reason
    return Reason.FETCH_ERROR.detailed(type(exception).__name__)
