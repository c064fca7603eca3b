"""The proposed profile as YAML with comments saying where each value came from; checked by
the same schema as every profile before it is written."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from corpus.errors import ConfigError
from corpus.health.config import HealthSettings
from corpus.profiles import DEFAULT_DEPTH, SiteProfile, profile_from_dict
from corpus.site_setup.propose import Proposal, summary


def default_name(url: str) -> str:
    """A profile name from a URL: host without www, then the first path segment."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").removeprefix("www.")
    first = next((segment for segment in parts.path.split("/") if segment), "")
    slug = re.sub(r"[^a-z0-9]+", "-", f"{host}-{first}".lower()).strip("-")
    return slug or "site"


def _value(key: str, value: object) -> str:
    """One `key: value` line; lists in flow style, as the bundled profiles write them."""
    if isinstance(value, list):
        flow = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000)
        return f"{key}: {flow.strip()}"
    return yaml.safe_dump({key: value}, allow_unicode=True, width=1000).strip()


def profile_yaml(proposal: Proposal) -> str:
    counts = ", ".join(f"{n} {label}" for label, n in sorted(summary(proposal).items()))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"# Proposed by `debtcorpus site new {proposal.start_url}` on {stamp} UTC.",
        f"# {len(proposal.sampled)} pages sampled: {counts}.",
        "# Check it with `debtcorpus site check FILE`, crawl with `debtcorpus crawl --site FILE`.",
        _value("name", proposal.name),
        _value("description", f"Proposed from {proposal.start_url}"),
        _value("start_urls", [proposal.start_url]),
        f"# sitemaps and feeds whose entries lie mostly under {proposal.directory}",
        _value("sitemaps", proposal.sitemaps),
        _value("feeds", proposal.feeds),
        "# links followed: everything under the start URL's directory on its host",
        _value("follow", proposal.follow),
        "# URL shapes whose every sampled page was an article: crawled first (the cleaner",
        "# still decides what is an article)",
        _value("article_patterns", list(proposal.patterns("article"))),
        *_list_comment(proposal),
        "# link depth from the start URL; sitemap and feed entries are depth 1",
        _value("depth", DEFAULT_DEPTH),
        *_health_comment(),
        "# sampled pages and what the cleaner made of them:",
        *(f"#   {v.label:<16} {v.url}  ({v.why})" for _, v in proposal.sampled),
    ]
    return "\n".join(lines) + "\n"


def _list_comment(proposal: Proposal) -> list[str]:
    lists = proposal.patterns("list-page")
    if not lists:
        return []
    head = "# list pages seen (followed for their links, never stored as articles):"
    return [head, *(f"#   {pattern}  ({n} sampled)" for pattern, n in lists.items())]


def _health_comment() -> list[str]:
    defaults = HealthSettings()
    lines = [
        "# crawl health checks (docs/crawling.md, Crawl health); uncomment to tune:",
        "# health:",
    ]
    for item in fields(HealthSettings):
        value = getattr(defaults, item.name)
        if value not in (None, ()):
            lines.append(f"#   {item.name}: {value}")
    lines.append("#   webhook: https://oapi.dingtalk.com/robot/send?access_token=...")
    return lines


def checked_profile(text: str, source: str) -> SiteProfile:
    return profile_from_dict(yaml.safe_load(text), source=source)


def write_profile(path: Path, text: str, overwrite: bool) -> SiteProfile:
    """Validate the profile, then write it (refusing to replace a file unless told)."""
    profile = checked_profile(text, str(path))
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} exists; give another --out or --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return profile
