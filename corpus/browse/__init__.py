"""Browsing a corpus in Datasette: the metadata (descriptions from the one schema, facets,
canned queries) and a small plugin (search box on the Chinese index, readable cells). Imports
`corpus.models`, `corpus.export.schema` and `corpus.search`; only `corpus.commands.browse`
imports this package.
"""
