# Ctrl-C reaches the crawl child too (one process group). Before Scrapy installs its own
# handlers (while it imports, or sets the crawl up) it ends the child with the interrupted
# exit code and no traceback: the `debtcorpus crawl` parent says how to resume.
# The code is corpus.crawl_contract.ExitCode.INTERRUPTED, not imported: an import is what
# Ctrl-C may stop.
import sys

INTERRUPTED = 4

try:
    from corpus.crawl_contract import crawl_parser

    crawl_parser().parse_args(sys.argv[1:])  # bad arguments: exit 2 before anything starts
    from corpus.store_calls import start_store_calls

    # the crawl's store process and the cleaners' fork server warm up while Scrapy loads
    start_store_calls()
    from crawler.run import main

    status = main()
except KeyboardInterrupt:
    status = INTERRUPTED
raise SystemExit(status)
