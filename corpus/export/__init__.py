"""Exporting the corpus: dataset tables (JSONL, CSV, Parquet) with a card and manifest.

`dataset` is the entry point (`ExportRequest`, `export_dataset`); `filters`, `rows`, `schema`,
`summary`, `writers` and `card` are its parts. May import `corpus.models`, `corpus.store`,
`corpus.errors` and `corpus.progress`; never Scrapy, never `corpus.commands`.
"""
