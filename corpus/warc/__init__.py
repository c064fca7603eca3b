"""Web archives in and out: WARC export of stored fetches, and corpora built from WARC/ARC files.

`reader` turns WARC and ARC files (gzip or not) into HTTP records, skipping and reporting
records it cannot read; `ingest` runs them through corpus.ingest and the cleaner pool as a
crawl of their own; `writer` and `export` write stored pages as WARC 1.1 with warcio.
May import `corpus.ingest`, `corpus.incremental`, `corpus.cleaner_pool`, `corpus.models`,
`corpus.store`, `corpus.run_records`, `corpus.export` and `corpus.errors`; never Scrapy and
never `corpus.commands`.
"""
