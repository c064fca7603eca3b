"""Own sites in minutes: `debtcorpus site new URL` proposes a profile from a few sampled
pages, `debtcorpus site check NAME` shows how a profile's pages would be classified.

`fetch` fetches within one host as a crawl would (robots.txt, scope, redirects, a delay),
`discover` finds sitemaps and feeds, `patterns` turns URLs into URL patterns, `propose`
samples and writes the profile, `check` classifies a profile's pages. Nothing is stored.

May import cleaning (to classify sampled pages), corpus.profiles and corpus.health's
defaults; it fetches with urllib3 under the crawl's scope rules, never through Scrapy.
"""
