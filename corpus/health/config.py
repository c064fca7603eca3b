"""The `health:` section of a site profile: what a crawl of the site must show, and where
failures are sent. Every key has a default, so a profile without the section is checked too.

The share defaults are the lowest shares seen on 21 healthy real sites, less a margin
(bench/health_defaults.py, BENCHMARKS.md); the count defaults are loose starting points.
Tune them per site in its profile.
"""

from __future__ import annotations

import os
from dataclasses import replace

from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass

WEBHOOK_ENV = "DEBTCORPUS_HEALTH_WEBHOOK"
EMAIL_ENV = "DEBTCORPUS_HEALTH_EMAIL"
SMTP_ENV = "DEBTCORPUS_SMTP"
SMTP_FROM_ENV = "DEBTCORPUS_SMTP_FROM"
DEFAULT_SMTP_FROM = "debtcorpus@localhost"


@dataclass(frozen=True, config=ConfigDict(extra="forbid", strict=False))
class HealthSettings:
    # share of a run's articles with a publication date / an author (0 turns a check off)
    min_date_share: float = Field(default=0.85, ge=0.0, le=1.0)
    min_author_share: float = Field(default=0.0, ge=0.0, le=1.0)
    # share of a run's articles whose text has at least `min_text_chars` characters
    min_text_chars: int = Field(default=200, ge=0)
    min_text_share: float = Field(default=0.7, ge=0.0, le=1.0)
    # the shares are judged only on runs with at least this many articles
    min_articles: int = Field(default=5, ge=1)
    # against the mean of the site's last `previous_runs` finished runs: articles may drop by
    # at most this share; errors may grow by at most this share (and at least `min_errors`)
    previous_runs: int = Field(default=3, ge=1)
    max_article_drop: float = Field(default=0.5, ge=0.0, le=1.0)
    max_error_rise: float = Field(default=1.0, ge=0.0)
    min_errors: int = Field(default=5, ge=0)
    # a reject reason's share of the fetched pages may grow by at most this much (0.2: 20 points)
    max_reject_rise: float = Field(default=0.2, ge=0.0, le=1.0)
    # where failures go: a webhook URL (generic JSON POST), e-mail addresses, an SMTP host:port
    webhook: str | None = None
    email: tuple[str, ...] = ()
    smtp: str | None = None

    @field_validator("webhook")
    @classmethod
    def _webhook(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url

    @field_validator("smtp")
    @classmethod
    def _smtp(cls, address: str | None) -> str | None:
        if address is not None:
            smtp_address(address)
        return address


def smtp_address(address: str) -> tuple[str, int]:
    """HOST:PORT (port 25 when left out) as a host and a port; ValueError otherwise."""
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "25")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{address!r} is not an SMTP server as HOST:PORT")
    return host, int(port)


@dataclass(frozen=True)
class Notifiers:
    """Where a run's failed checks are sent, on top of what its profiles say."""

    webhooks: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    smtp: str | None = None
    sender: str = DEFAULT_SMTP_FROM

    def with_profile(self, settings: HealthSettings) -> Notifiers:
        webhooks = (*self.webhooks, *([settings.webhook] if settings.webhook else []))
        return replace(
            self,
            webhooks=tuple(dict.fromkeys(webhooks)),
            emails=tuple(dict.fromkeys((*self.emails, *settings.email))),
            smtp=self.smtp or settings.smtp,
        )


def notifiers_from(
    webhook: str | None = None, emails: tuple[str, ...] = (), smtp: str | None = None
) -> Notifiers:
    """Notifiers from CLI flags, falling back to $DEBTCORPUS_HEALTH_WEBHOOK,
    $DEBTCORPUS_HEALTH_EMAIL (comma-separated), $DEBTCORPUS_SMTP and $DEBTCORPUS_SMTP_FROM."""
    webhook = webhook or os.environ.get(WEBHOOK_ENV) or None
    if not emails and os.environ.get(EMAIL_ENV):
        emails = tuple(e.strip() for e in os.environ[EMAIL_ENV].split(",") if e.strip())
    smtp = smtp or os.environ.get(SMTP_ENV) or None
    sender = os.environ.get(SMTP_FROM_ENV) or DEFAULT_SMTP_FROM
    return Notifiers((webhook,) if webhook else (), emails, smtp, sender)
