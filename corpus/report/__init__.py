"""The deduplication report (`debtcorpus report dedup`): data, escaping, renderers.

- `data`: what the report shows, read from the stored clusters and containment edges.
- `escape`: scraped text made inert for Markdown and CSV (HTML escapes with Jinja2).
- `render` (Markdown, CSV, charts), `html` (one self-contained file), `diff` (side by side).

Imports `corpus.dedup`, `corpus.models` and `corpus.store`; never `corpus.commands`.

May import corpus.dedup, the store and models, and cleaning.fingerprint; nothing imports
it but the `report` command.
"""
