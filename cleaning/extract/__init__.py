"""Main text: from a decoded page to its article text, comments and rejection reason.

`main_text.extract` is the entry point. It parses the page once, tells forum threads from
articles (`pagetype`), runs several extractors (`candidates`: trafilatura, our text-density
extractor in `density`, readability-lxml), chooses between them (token agreement, `scoring`),
refines the choice by page structure (`headlines`, `structured`, `threads`), lifts comments
out (`comments`), strips boilerplate lines (`boilerplate`) and calls `cleaning.metadata`.
`relevance` scores the final text against the topic lexicon.

Imports: the standard library, lxml, trafilatura, readability-lxml, `cleaning.records` and
`cleaning.metadata`; never the database, scrapy or `corpus`. The package namespace is empty
so that importing one module does not import them all.
"""
