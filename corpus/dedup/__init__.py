"""Deduplication: exact and near-duplicate clusters, containment edges, who copied whom.

- `run`: the stored, streaming run (`debtcorpus dedup`); `clusters_store` writes its results.
- `pairs`: candidates, measures, leader clustering and containment, in memory and batched.
- `direction`: the representative rule, its evidence, site names.
- `templates`: paragraphs repeated across unrelated articles.
- `rewrite`, `farmset`, `farmpages`, `evaluate`: the labelled farm set and its scores.

Imports `cleaning` (fingerprints, boilerplate rules), `corpus.models`, `corpus.store`,
`corpus.ingest` (the farm set goes through the real ingest) and `corpus.errors`; never
`samplesite`, `crawler` or `corpus.commands`.

May import the store, models and cleaning.fingerprint; never Scrapy or the crawler.
"""
