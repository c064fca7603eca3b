"""What the spider yields: the facts of one fetch, or of a URL it did not fetch. Defined once,
in corpus.fetches."""

from corpus.fetches import FetchedPage, SkippedUrl

__all__ = ["FetchedPage", "SkippedUrl"]
