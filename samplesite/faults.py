"""Fault pages under /faults/: the failures a crawler meets on real sites.

/faults/missing     404 page
/faults/flaky       500 on the first request of the process, the article after
/faults/slow        the article after a 3 s delay
/faults/redirect    301 -> 302 -> 301 chain ending at a real article
/faults/report.pdf  application/pdf bytes
/faults/empty       200 with an empty body
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from samplesite.pages import Page, make_page, not_found_page

SLOW_SECONDS = 3.0
FLAKY_PATH = "/faults/flaky"
SLOW_PATH = "/faults/slow"
REDIRECT_STEPS = ("/faults/redirect", "/faults/redirect/step-2", "/faults/redirect/step-3")

# A small, valid one-page PDF ("2024 催收行业报告" would need CID fonts; the text is ASCII).
PDF_BYTES = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R
/Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 58 >> stream
BT /F1 18 Tf 72 760 Td (Debt collection report 2024) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
trailer << /Root 1 0 R /Size 6 >>
%%EOF
"""


def _redirect(status: int, location: str) -> Page:
    return Page(status, "text/html; charset=utf-8", b"", None, None, (("Location", location),))


class Faults:
    """Answers /faults/ paths; `article_at` looks up the pages of the flaky and slow articles."""

    def __init__(self, article_at: Callable[[str], Page | None], redirect_target: str) -> None:
        self._article_at = article_at
        self._redirect_target = redirect_target
        self._flaky_lock = threading.Lock()
        self._flaky_failed = False

    def page(self, path: str) -> Page | None:
        """The response for a fault path, or None if `path` is not one."""
        if path == "/faults/missing":
            return not_found_page()
        if path == FLAKY_PATH:
            return self._flaky()
        if path == SLOW_PATH:
            time.sleep(SLOW_SECONDS)
            return self._article_at(SLOW_PATH)
        if path in REDIRECT_STEPS:
            return self._redirect_step(REDIRECT_STEPS.index(path))
        if path == "/faults/report.pdf":
            return make_page(200, "application/pdf", PDF_BYTES)
        if path == "/faults/empty":
            return Page(200, "text/html; charset=utf-8", b"")
        return None

    def rearm(self) -> None:
        """The flaky page fails its next request again."""
        with self._flaky_lock:
            self._flaky_failed = False

    def _flaky(self) -> Page | None:
        with self._flaky_lock:
            first = not self._flaky_failed
            self._flaky_failed = True
        if first:
            body = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
            return Page(500, "text/html; charset=utf-8", body)
        return self._article_at(FLAKY_PATH)

    def _redirect_step(self, index: int) -> Page:
        if index + 1 < len(REDIRECT_STEPS):
            return _redirect(301 if index == 0 else 302, REDIRECT_STEPS[index + 1])
        return _redirect(301, self._redirect_target)
