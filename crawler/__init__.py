"""The crawler: the only package that imports Scrapy.

The spider, the scope, politeness and retry middlewares, conditional requests and resume, and
the pipeline that cleans each fetch in the cleaner pool and stores it through `corpus.ingest`.
Runs as its own process (`python -m crawler`, argv and exit codes in `corpus.crawl_contract`).
May import `corpus` and `cleaning`.
"""
