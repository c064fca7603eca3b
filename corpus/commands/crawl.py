"""`debtcorpus crawl`: crawl sites by profile, or URLs ad hoc, into the corpus."""

from __future__ import annotations

import contextlib
import sys
from typing import Any, NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from corpus.claim_settings import claim_config_from_env
from corpus.cli import ThisProcess
from corpus.commands.health import check_after_crawl, checked_notifiers, health_options
from corpus.commands.options import (
    db_option,
    log_level_option,
    scrapy_settings_option,
    sites_dir_option,
)
from corpus.commands.stats import print_run
from corpus.crawl_contract import (
    EXIT_FOR_STATUS,
    UNREACHABLE,
    CrawlRequest,
    ExitCode,
    RunStatus,
)
from corpus.crawl_runs import (
    CrawlEnd,
    StartedCrawl,
    check_redis,
    end_crawl,
    ended_status,
    resumed_request,
    start_crawl,
)
from corpus.crawl_wait import hand_over, wait_for_crawl
from corpus.errors import ConfigError, DebtcorpusError
from corpus.models import CrawlRun
from corpus.profiles import crawl_profiles, stored_site
from corpus.store import Store, open_store_for_crawl

CONTACT_ENV_VAR = "DEBTCORPUS_CONTACT"


@click.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--site",
    "sites",
    multiple=True,
    help="Site profile: a NAME (--sites-dir/NAME.yaml, ./NAME.yaml or .yml, then the bundled "
    "corpus/sites/NAME.yaml) or a path to a YAML file. Repeatable.",
)
@click.option(
    "--base-url",
    help="Where a profile's relative URLs are served, "
    "e.g. http://127.0.0.1:8765 for the sample site.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    help="Link depth limit (ad-hoc default 2; profiles set their own).",
)
@click.option(
    "--allow-domain",
    "allow_domains",
    multiple=True,
    metavar="HOST",
    help="For an ad-hoc crawl, another host it may fetch besides the start URLs' hosts "
    "(x.cn also allows www.x.cn; *.x.cn allows subdomains). Repeatable.",
)
@click.option(
    "--contact",
    envvar=CONTACT_ENV_VAR,
    metavar="EMAIL|URL",
    help="Who runs the crawl, sent in the User-Agent so site owners can reach you. "
    f"Default: ${CONTACT_ENV_VAR}.",
)
@click.option("--workers", type=click.IntRange(min=1), help="Cleaner processes (default 2).")
@scrapy_settings_option("this crawl")
@log_level_option
@click.option(
    "--resume",
    "resume_run",
    type=int,
    metavar="RUN_ID",
    help="Carry on an incomplete, interrupted or killed run from where it stopped "
    "(its own options are reused).",
)
@click.option(
    "--redis",
    metavar="URL",
    help="Share the request queue in Redis (redis://host:6379/0) so that `debtcorpus worker` "
    "processes on any machine help; see docs/distributed.md.",
)
@health_options
@sites_dir_option
@db_option
def crawl(
    urls: tuple[str, ...],
    sites: tuple[str, ...],
    base_url: str | None,
    depth: int | None,
    allow_domains: tuple[str, ...],
    contact: str | None,
    workers: int | None,
    settings: tuple[str, ...],
    log_level: str,
    resume_run: int | None,
    redis: str | None,
    fail_on_health: bool,
    health_webhook: str | None,
    health_emails: tuple[str, ...],
    smtp: str | None,
    db: str | None,
) -> None:
    """Crawl URLS (following links within their hosts) or the sites named by --site.

    A crawl fetches only its sites' hosts; every URL it touches is stored with its outcome
    (article, rejected, error or not fetched) and the reason. Obeys robots.txt and throttles
    per host. Exit codes: 0 finished, 2 bad input, 3 incomplete (pages could not be stored),
    4 interrupted (Ctrl-C), 5 killed; 3-5 resume with --resume RUN_ID (docs/crawling.md);
    6 a health check failed (with --fail-on-health). A finished run is checked (dates,
    authors, text lengths, counts against earlier runs); failures go to --health-webhook
    and --health-email.
    """
    health = dict(fail_on_health=fail_on_health, health_webhook=health_webhook, smtp=smtp) | {
        "health_emails": list(health_emails)
    }
    try:
        checked_notifiers(health_webhook, health_emails, smtp)
        request = CrawlRequest(
            urls=urls,
            sites=tuple(stored_site(site) for site in sites),
            base_url=base_url,
            depth=depth,
            workers=workers,
            settings=(f"LOG_LEVEL={log_level}", *settings),
            redis=redis,
            allow_domains=allow_domains,
            contact=contact,
        )
        store, started = start_or_resume(db, request, resume_run)
    except DebtcorpusError as exc:
        raise BadInput(str(exc)) from exc
    run_and_end(store, {"db": db, "started": vars(started), "health": health}, started.argv)


def run_and_end(store: Store, state: dict[str, Any], argv: list[str]) -> NoReturn:
    """Run the crawl process and end the command: a process of its own becomes a small waiting
    process (`hand_over`); under a test's CliRunner it waits here."""
    if ThisProcess.owned:
        if not store.url.startswith("sqlite"):
            # SQLite's connections are closed by the exec, like main's parent's at its end,
            # without the checkpoint a close makes (on a nearly full disk it takes the room
            # the crawl's first writes need)
            store.dispose()
        hand_over({**state, "argv": argv})  # no return: corpus.crawl_wait ends it
    end_command(state, wait_for_crawl(argv))


def end_command(state: dict[str, Any], returncode: int) -> NoReturn:
    """After the crawl process has ended (in this process, or in the one `hand_over` made of
    it): close the run, print it, check its health; exits with the crawl's exit code."""
    db, health = state["db"], state["health"]
    notifiers = checked_notifiers(
        health["health_webhook"], tuple(health["health_emails"]), health["smtp"]
    )
    store = Store(db)
    try:
        end = end_crawl(store, StartedCrawl(**state["started"]), returncode)
        code = report_end(store, end, db)
        sys.exit(check_after_crawl(store, end.run_id, notifiers, health["fail_on_health"], code))
    except DebtcorpusError as exc:
        error: click.ClickException = BadInput(str(exc))
    except click.ClickException as exc:
        error = exc
    if click.get_current_context(silent=True) is None:  # corpus.crawl_wait: no click here
        error.show()
        sys.exit(error.exit_code)
    raise error


class BadInput(click.ClickException):
    """A crawl that cannot start: exit code 2 (corpus.crawl_contract.ExitCode.BAD_INPUT)."""

    exit_code = ExitCode.BAD_INPUT


def start_or_resume(
    db: str | None, request: CrawlRequest, resume_run: int | None
) -> tuple[Store, StartedCrawl]:
    """Check the corpus can be written, then open the crawl's run (or carry on run
    `resume_run`, with its own options); its crawl process will show it while it runs."""
    claim_config_from_env()  # a bad DEBTCORPUS_CLAIM_RULES fails here, not on every page
    if resume_run is None:
        refuse_bad_request(request)
    store = open_store_for_crawl(db)
    if resume_run is not None:
        return store, start_crawl(store, resumed_request(store, resume_run), resume_run, True)
    return store, start_crawl(store, request, live=True)


def refuse_bad_request(request: CrawlRequest) -> None:
    """Bad input (no target, a bad profile, a missing --base-url) is refused before the corpus
    is opened, so that a refused crawl creates no corpus file."""
    if not request.urls and not request.sites:
        raise ConfigError("nothing to crawl: give start URLs or --site PROFILE")
    crawl_profiles(
        request.urls, request.sites, request.base_url, request.depth, request.allow_domains
    )
    if request.redis:
        check_redis(request.redis)


def report_end(store: Store, end: CrawlEnd, db: str | None) -> int:
    """Print the run and, unless it finished, one line saying what happened and how to resume;
    returns the exit code for its status."""
    status, run_id = ended_status(store, end), end.run_id
    with contextlib.suppress(
        SQLAlchemyError
    ):  # the store may be down; the line below says what to do
        print_run(store, run_id)
    unreachable = _unreachable(store, run_id)
    if unreachable:
        click.echo(
            f"crawl run {run_id} failed: the site could not be reached at {unreachable}, so "
            "nothing was crawled; check that its server is up and that the URL or --base-url "
            "(host, port) is right, then crawl again",
            err=True,
        )
    elif status != RunStatus.FINISHED:
        where = f" --db {db}" if db else ""
        click.echo(
            f"crawl run {run_id} is {status}: {_what_happened(status)}; "
            f"resume it with: debtcorpus crawl --resume {run_id}{where}",
            err=True,
        )
    return int(EXIT_FOR_STATUS[status])


def _unreachable(store: Store, run_id: int) -> str:
    """'host (reason), ...' of the sites the run could not reach; '' when it reached them."""
    try:
        with store.session() as session:
            run = session.get(CrawlRun, run_id)
            sites = (run.stats or {}).get(UNREACHABLE, {}) if run is not None else {}
    except SQLAlchemyError:
        return ""
    hosts = {host: reason for found in sites.values() for host, reason in found.items()}
    return ", ".join(f"{host} ({_MEANING.get(reason, reason)})" for host, reason in hosts.items())


_MEANING = {
    "refused": "connection refused",
    "dns": "the host name did not resolve",
    "timeout": "no answer in time",
    "reset": "the connection was reset",
}


def _what_happened(status: RunStatus) -> str:
    return {
        RunStatus.INCOMPLETE: "some fetched pages could not be stored (they are kept for resume)",
        RunStatus.INTERRUPTED: "it was stopped before the end",
        RunStatus.KILLED: "its process was killed",
        RunStatus.FAILED: "its process failed (see the log above)",
    }.get(status, str(status))
