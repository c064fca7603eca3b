"""A cleaner for tests of the cleaner pool: a page whose URL says "stuck" never finishes."""

from __future__ import annotations

import time

from cleaning.records import CleanResult
from corpus.cleaner_pool import clean_safely
from corpus.ingest import FetchedPage


def clean_or_hang(fetched: FetchedPage) -> CleanResult | None:
    if "stuck" in fetched.url:
        time.sleep(3600)
    return clean_safely(fetched)
