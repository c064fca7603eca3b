"""Web archives in and out: WARC export of stored fetches, and corpora built from WARC/ARC files.

`reader` turns WARC and ARC files (gzip or not) into HTTP records, reporting the records it
cannot read; `ingest` runs them through the cleaner pool and corpus.ingest as a crawl run of
their own, with `storage` for what it asks the database; `writer` writes WARC 1.1 records
with warcio, `export` picks the stored pages and `card` writes the export's README and
manifest. May import `cleaning`, `corpus.ingest`, `corpus.incremental`, `corpus.cleaner_pool`,
`corpus.models`, `corpus.store`, `corpus.run_records`, `corpus.export` and `corpus.errors`;
never Scrapy and never `corpus.commands`.
"""
