# Ctrl-C reaches the crawl child too (one process group). Before Scrapy installs its own
# handlers (while it imports, or sets the crawl up) it ends the child with the interrupted
# exit code and no traceback: the `debtcorpus crawl` parent says how to resume.
# The code is corpus.crawl_contract.ExitCode.INTERRUPTED, not imported: an import is what
# Ctrl-C may stop.
INTERRUPTED = 4

try:
    from corpus.cleaner_pool import start_fork_server

    # the cleaners' fork server warms up (seconds) while Scrapy loads: the crawl's store
    # calls (corpus.store_calls), its profiles first, run in workers forked from it
    start_fork_server()
    from crawler.run import main

    status = main()
except KeyboardInterrupt:
    status = INTERRUPTED
raise SystemExit(status)
