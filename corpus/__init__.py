"""The corpus: storage and corpus-level work, and the CLI (`debtcorpus`).

`schema` declares every stored field once; `models` are its tables, `store` opens them,
`migrations/` evolve them; `ingest` turns a fetch and its clean result into rows; `dedup/`,
`export/`, `search/`, `report/`, `warc/` and `browse/` work on what is stored; `commands/`
is the CLI. May import `cleaning`; never Scrapy or `crawler` (a crawl runs as its own
process, `python -m crawler`, under the contract in `crawl_contract`), and `samplesite` only
inside the functions that serve it.
"""
