"""Recurring crawls: `schedules` (named schedules of one site profile, cron or interval, kept
in the `schedules` table) and `scheduler` (runs the due ones, each crawl in its own child
process, one scheduler per schedule at a time through a lease in the database).

May import corpus's storage and crawl modules and cleaning; nothing here imports Scrapy.
"""
