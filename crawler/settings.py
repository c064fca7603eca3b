"""Scrapy settings for debtcorpus crawls. `crawler.run` overrides a few per crawl."""

BOT_NAME = "debtcorpus"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
USER_AGENT = "debtcorpus/0.1 (+research crawler; see README)"

# Politeness: obey robots.txt and let AutoThrottle adapt the rate to each server's latency.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024

# Transient errors are retried; the last answer is stored with its status, never dropped.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
HTTPERROR_ALLOW_ALL = True
REDIRECT_MAX_TIMES = 10

# Depth limit for ad-hoc crawls; profiles may set their own.
DEPTH_LIMIT = 2
DEPTH_PRIORITY = 0
# Breadth-first queues so list pages near the start are not starved by deep links.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {"crawler.pipelines.CorpusPipeline": 300}
# Conditional requests from stored validators, and replaying stored pages on --resume.
# Placed after robots.txt (100) and before retries/redirects see the response. Per-host
# limits last, right before the download (crawler.politeness: Scrapy 2.19 does not hold
# CONCURRENT_REQUESTS_PER_DOMAIN, and workers of a distributed crawl share the limit).
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.CorpusMiddleware": 560,
    "crawler.politeness.HostLimit": 990,
}
# requests in flight per host at once (0: CONCURRENT_REQUESTS_PER_DOMAIN)
DEBTCORPUS_HOST_LIMIT = 0
DEBTCORPUS_CONDITIONAL_REQUESTS = True
DEBTCORPUS_RESUME_RUN = None

# Where pages go and how many worker processes clean them (decode, extract, claims).
DEBTCORPUS_DB = None
DEBTCORPUS_RUN_ID = None
DEBTCORPUS_CLEAN_WORKERS = 2
# Seconds one page may spend in the cleaner before it is stored as rejected (timeout).
DEBTCORPUS_CLEAN_TIMEOUT = 120.0

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
