"""What the spider yields: the facts of one fetch, or of a URL it did not fetch. Defined once,
in corpus.ingest."""

from corpus.ingest import FetchedPage, SkippedUrl

__all__ = ["FetchedPage", "SkippedUrl"]
