"""Crawl health on the command line: the `crawl` options that say where failures go, the
lines a crawl prints at its end, and the `runs show` section."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from corpus.crawl_contract import ExitCode
from corpus.errors import ConfigError
from corpus.health.config import (
    EMAIL_ENV,
    SMTP_ENV,
    WEBHOOK_ENV,
    Notifiers,
    notifiers_from,
    smtp_address,
)
from corpus.health.run import HealthReport, check_run
from corpus.profiles import check_http_urls
from corpus.store import Store

F = TypeVar("F", bound=Callable[..., Any])


def health_options(command: F) -> F:
    """--fail-on-health, --health-webhook, --health-email, --smtp."""
    options = [
        click.option(
            "--fail-on-health",
            is_flag=True,
            help=f"Exit {int(ExitCode.UNHEALTHY)} when the run finished but a health check "
            "failed (docs/crawling.md, Crawl health).",
        ),
        click.option(
            "--health-webhook",
            metavar="URL",
            help=f"POST failed health checks to this URL as JSON (WeCom, DingTalk, Feishu, "
            f"Slack). Default: ${WEBHOOK_ENV}.",
        ),
        click.option(
            "--health-email",
            "health_emails",
            multiple=True,
            metavar="ADDRESS",
            help=f"E-mail failed health checks to this address (needs --smtp). Repeatable. "
            f"Default: ${EMAIL_ENV} (comma-separated).",
        ),
        click.option(
            "--smtp",
            metavar="HOST:PORT",
            help=f"SMTP server for --health-email. Default: ${SMTP_ENV}.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def checked_notifiers(webhook: str | None, emails: tuple[str, ...], smtp: str | None) -> Notifiers:
    """The notifiers from flags and environment, refused (ConfigError) when malformed."""
    notifiers = notifiers_from(webhook, emails, smtp)
    check_http_urls(notifiers.webhooks, "--health-webhook ")
    if notifiers.smtp is not None:
        try:
            smtp_address(notifiers.smtp)
        except ValueError as exc:
            raise ConfigError(f"--smtp: {exc}") from exc
    bad = [address for address in notifiers.emails if "@" not in address]
    if bad:
        raise ConfigError(f"--health-email: {bad[0]!r} is not an e-mail address")
    return notifiers


def check_after_crawl(
    store: Store, run_id: int, notifiers: Notifiers, fail_on_health: bool, code: int
) -> int:
    """Check a crawl that has ended, print the outcome; the exit code to end with."""
    try:
        report = check_run(store, run_id, notifiers)
    except SQLAlchemyError as exc:
        reason = exc.__class__.__name__
        click.echo(f"health: not checked, the corpus could not be read ({reason})", err=True)
        return code
    if report is None:
        return code
    for line in report_lines(report):
        click.echo(line, err=not report.ok)
    if fail_on_health and not report.ok and code == ExitCode.FINISHED:
        return int(ExitCode.UNHEALTHY)
    return code


def report_lines(report: HealthReport) -> list[str]:
    if not report.checks:
        return ["health: nothing to check yet (too few articles, no earlier run of the site)"]
    if report.ok:
        return [f"health: all {len(report.checks)} checks passed"]
    lines = [f"health: {len(report.failed)} of {len(report.checks)} checks failed"]
    lines += [f"  {check.site} {check.check}: {check.message}" for check in report.failed]
    lines += [f"  notified {target}: {outcome}" for target, outcome in report.notified.items()]
    return lines


def health_lines(health: dict[str, Any] | None) -> list[str]:
    """The `runs show` section: every check with its verdict, and who was told."""
    if not health:
        return ["health:             not checked (the run did not finish, or predates checks)"]
    verdict = "ok" if health.get("ok") else "FAILED"
    lines = [f"health:             {verdict} (checked {health.get('checked_at', '?')} UTC)"]
    for check in health.get("checks", []):
        mark = "ok  " if check["ok"] else "FAIL"
        lines.append(f"  {mark} {check['site']} {check['check']}: {check['message']}")
    for target, outcome in (health.get("notified") or {}).items():
        lines.append(f"  notified {target}: {outcome}")
    return lines
