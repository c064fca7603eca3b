"""Scrapy settings for debtcorpus crawls. `crawler.run` overrides a few per crawl."""

BOT_NAME = "debtcorpus"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Who is crawling: `debtcorpus crawl --contact` (or DEBTCORPUS_CONTACT) puts the user's e-mail
# or URL in the User-Agent (crawler.run); until then it says to set one.
USER_AGENT = "debtcorpus/0.1 (research crawler; contact: not set, see debtcorpus crawl --help)"

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

# Depth is enforced by crawler.scope (recorded as depth-limit), not by Scrapy's DepthMiddleware,
# which drops deeper links silently; it still counts each request's depth.
DEPTH_LIMIT = 0
DEPTH_PRIORITY = 0
# Breadth-first queues so list pages near the start are not starved by deep links.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

COOKIES_ENABLED = False
# Nothing listens on a port during a crawl: no telnet console, no remote-control server.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# One fetch per page, whatever tracking parameters or trailing slash its links carry.
REQUEST_FINGERPRINTER_CLASS = "crawler.identity.IdentityFingerprinter"
DUPEFILTER_CLASS = "crawler.identity.RedirectAwareDupeFilter"
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {"crawler.pipelines.CorpusPipeline": 300}
# Conditional requests from stored validators, and replaying stored pages on --resume.
# Placed after robots.txt (100) and before retries/redirects see the response. Per-host
# limits last, right before the download (crawler.politeness: Scrapy 2.19 does not hold
# CONCURRENT_REQUESTS_PER_DOMAIN, and workers of a distributed crawl share the limit).
# Scope first (crawler.guards.ScopeGuard replaces Scrapy's OffsiteMiddleware, which drops
# requests without a trace, and stops redirect loops), robots.txt as RFC 9309 says
# (crawler.robots), Retry-After before RetryMiddleware (550) retries at once.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.ScopedRobotsTxt": 100,
    "crawler.guards.ScopeGuard": 40,
    "crawler.guards.RetryAfter": 555,
    "crawler.guards.TruncatedBody": 595,
    "crawler.middlewares.CorpusMiddleware": 560,
    "crawler.politeness.HostLimit": 990,
}
# URL length is a recorded trap cap (crawler.scope); Scrapy's own limit drops links silently.
URLLENGTH_LIMIT = 0
# the longest Retry-After (seconds) a crawl waits for; longer answers are kept as errors
DEBTCORPUS_MAX_RETRY_AFTER = 600.0
# requests in flight per host at once (0: CONCURRENT_REQUESTS_PER_DOMAIN)
DEBTCORPUS_HOST_LIMIT = 0
DEBTCORPUS_CONDITIONAL_REQUESTS = True
DEBTCORPUS_RESUME_RUN = None

# Where pages go and how many worker processes clean them (decode, extract, claims).
DEBTCORPUS_DB = None
DEBTCORPUS_RUN_ID = None
DEBTCORPUS_CLEAN_WORKERS = 2
# Seconds one batch may spend in a cleaner (cleaning and storing it) before its worker is killed
# and replaced; its pages are run again one by one, and a page that stalls alone is stored as
# rejected (clean-timeout).
DEBTCORPUS_CLEAN_TIMEOUT = 120.0
# At most this many pages a cleaner cleans and stores in one transaction (corpus/pool_writes.py):
# the pages that came while every cleaner was busy.
DEBTCORPUS_WRITE_BATCH = 16
# the function a cleaner process runs on each page (import path)
DEBTCORPUS_CLEANER = "corpus.cleaner_pool.clean_safely"
# A page the store cannot take (disk full, database locked or restarting) is retried with
# backoff for up to this many seconds, then spooled for `crawl --resume` (run: incomplete).
DEBTCORPUS_STORE_RETRY_SECONDS = 60.0
# distributed crawls: the seen-set (crawler/seen.py): gcs, cuckoo, bloom or exact, sized for this
# many URLs at this false-positive rate
DEBTCORPUS_SEEN_SET = "gcs"
DEBTCORPUS_SEEN_URLS = 10_000_000
DEBTCORPUS_SEEN_ERROR_RATE = 1e-4
# how long a distributed crawl's Redis keys outlive its last worker (a finished crawl's go at once)
DEBTCORPUS_REDIS_KEEP_DAYS = 7.0
DEBTCORPUS_SPOOL_DIR = None

# The run's counts and live figures are written this often while it crawls (0: never).
EXTENSIONS = {"crawler.progress.LiveRun": 500, "crawler.stops.StopDeadline": 500}
DEBTCORPUS_PROGRESS_SECONDS = 5.0

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
