"""What the spider yields: the facts of one fetch. Defined once, in corpus.ingest."""

from corpus.ingest import FetchedPage

__all__ = ["FetchedPage"]
