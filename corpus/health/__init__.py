"""Crawl health (as spidermon does for Scrapy): checks run after each crawl, stored with the
run, shown by `runs show`, and sent to a webhook and/or by e-mail when one fails.

`config` holds the profile's `health:` section, `checks` measures a run against it and
against the site's previous runs, `notify` sends the failures, `run` ties them together.

May import the store, models, profiles and the crawl contract; never Scrapy.
"""
