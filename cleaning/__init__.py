"""Cleaning: pure functions, bytes in and frozen records out (`cleaning.records`).

`pipeline.clean_page` is the entry point: `decode` (bytes to text), `extract/` (main text,
comments, rejection), `metadata/` (dates, people, site; one module per concern), `claims/`,
then `script` and relevance; `fingerprint` and `masking` serve dedup and extraction. Settings
come in as frozen objects; errors derive from `errors.DebtcorpusError`. May import the
standard library and third-party parsers only: never `corpus`, `crawler` or a database.
"""
