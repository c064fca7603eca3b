"""Check a run that has ended: every site it crawled, stored in crawl_runs.health, failures
sent to the notifiers. `debtcorpus crawl` and the scheduler call `check_run`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from corpus.crawl_contract import CrawlRequest, RunStatus
from corpus.errors import ConfigError
from corpus.health.checks import CheckResult, check_site
from corpus.health.config import HealthSettings, Notifiers
from corpus.health.notify import notify
from corpus.models import CrawlRun, Page
from corpus.profiles import crawl_profiles
from corpus.store import Store


@dataclass(frozen=True)
class HealthReport:
    run_id: int
    checks: tuple[CheckResult, ...]
    notified: dict[str, str]

    @property
    def failed(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.ok]

    @property
    def ok(self) -> bool:
        return not self.failed


def run_settings(run: CrawlRun) -> dict[str, HealthSettings]:
    """The health settings of each profile the run crawled, by site name; {} when its
    profiles can no longer be loaded (their sites are then checked with the defaults)."""
    request = CrawlRequest.from_settings(run.settings)
    try:
        profiles = crawl_profiles(
            request.urls, request.sites, request.base_url, request.depth, request.allow_domains
        )
    except ConfigError:
        return {}
    return {profile.name: profile.health for profile in profiles}


def check_run(store: Store, run_id: int, notifiers: Notifiers | None = None) -> HealthReport | None:
    """Check a finished run, store the results with it and send failures; None (and nothing
    stored) for a run that did not finish, whose counts say nothing about the site."""
    notifiers = notifiers or Notifiers()
    with store.session() as session:
        run = session.get_one(CrawlRun, run_id)
        if run.status != RunStatus.FINISHED:
            return None
        settings = run_settings(run)
        sites = session.scalars(
            select(Page.site).where(Page.crawl_run_id == run_id).distinct().order_by(Page.site)
        ).all()
        checks: list[CheckResult] = []
        figures: dict[str, Any] = {}
        for site in (str(s) for s in sites if s is not None):
            site_settings = settings.get(site, HealthSettings())
            now, results = check_site(session, run_id, site, site_settings)
            checks += results
            figures[site] = asdict(now)
            notifiers = notifiers.with_profile(site_settings)
        label = run.site or ",".join(figures)
    report = HealthReport(run_id, tuple(checks), {})
    if not report.ok:
        subject, message = summary(run_id, label, report.failed)
        details = {"run_id": run_id, "site": label, "failed": [c.as_dict() for c in report.failed]}
        report = HealthReport(run_id, report.checks, notify(notifiers, subject, message, details))
    store_report(store, report, figures)
    return report


def summary(run_id: int, label: str, failed: list[CheckResult]) -> tuple[str, str]:
    subject = f"debtcorpus: crawl run {run_id} ({label}) failed {len(failed)} health check(s)"
    lines = [f"- {check.site} {check.check}: {check.message}" for check in failed]
    return subject, "\n".join([subject, *lines])


def store_report(store: Store, report: HealthReport, figures: dict[str, Any]) -> None:
    with store.session() as session:
        run = session.get_one(CrawlRun, report.run_id)
        run.health = {
            "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "ok": report.ok,
            "checks": [check.as_dict() for check in report.checks],
            "figures": figures,
            "notified": report.notified,
        }
