"""`debtcorpus site new URL`: propose a profile for a site; `site check NAME`: how a
profile's pages would be classified. Both fetch only the site's host, obey robots.txt and
store nothing but the profile file `site new` writes (docs/sites.md)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from corpus.crawl_profile import hosts_of
from corpus.errors import ConfigError
from corpus.profiles import check_http_urls, check_scope, load_profile
from corpus.site_setup.check import check_profile
from corpus.site_setup.fetch import ScopedFetcher
from corpus.site_setup.propose import propose, summary
from corpus.site_setup.write import default_name, profile_yaml, write_profile

SITES_ENV = "DEBTCORPUS_SITES"

delay_option = click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds between two requests to the site.",
)


@click.group()
def site() -> None:
    """Make a site profile in minutes (`site new`) and see what it would crawl (`site check`)."""


def _why(fetcher: ScopedFetcher, error: str) -> str:
    """What a failed first fetch of `site new` means, and that nothing was written."""
    if error in fetcher.down.values():
        return " (the host did not answer: check the URL and that the site is up); nothing written"
    problems = "; ".join(f"{o}/robots.txt: {p}" for o, p in fetcher.robots_problems.items())
    if not problems:
        return "; nothing written"
    return (
        f" (robots.txt could not be read, so nothing may be fetched: {problems}); nothing written"
    )


@site.command("new")
@click.argument("url")
@click.option("--name", help="Profile name (default: from the host and first path segment).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write the profile (default: ${SITES_ENV}/NAME.yaml, else ./NAME.yaml).",
)
@click.option(
    "--pages",
    type=click.IntRange(min=2),
    default=12,
    show_default=True,
    help="How many pages to sample.",
)
@delay_option
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def new(
    url: str, name: str | None, out: Path | None, pages: int, delay: float, force: bool
) -> None:
    """Propose a profile for the site at URL: read robots.txt, find sitemaps and feeds,
    sample pages under URL's directory, classify them, write a commented profile YAML.

    Only URL's host is fetched; robots.txt is obeyed."""
    check_http_urls([url])
    name = name or default_name(url)
    out = out or Path(os.environ.get(SITES_ENV) or ".") / f"{name}.yaml"
    if out.exists() and not force:
        raise ConfigError(f"{out} exists; give another --out or --force to replace it")
    fetcher = ScopedFetcher(hosts_of([url]), delay_s=delay)
    proposal = propose(fetcher, url, name, pages)
    start = proposal.discovery.start
    if start.error:
        raise ConfigError(f"could not read {url}: {start.error}{_why(fetcher, start.error)}")
    profile = write_profile(out, profile_yaml(proposal), overwrite=force)
    counts = ", ".join(f"{n} {label}" for label, n in sorted(summary(proposal).items()))
    requests = len(fetcher.requested)
    click.echo(f"sampled {len(proposal.sampled)} pages ({counts}) in {requests} requests")
    click.echo(f"article patterns: {', '.join(profile.article_patterns) or 'none found'}")
    click.echo(f"sitemaps: {', '.join(profile.sitemaps) or 'none'}")
    click.echo(f"feeds: {', '.join(profile.feeds) or 'none'}")
    click.echo(f"wrote {out}; next: debtcorpus site check {out}")


@site.command("check")
@click.argument("name")
@click.option("--base-url", help="Where a profile's relative URLs are served.")
@click.option(
    "--pages",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="How many pages to fetch besides the start URLs.",
)
@delay_option
def check(name: str, base_url: str | None, pages: int, delay: float) -> None:
    """Fetch a handful of the pages profile NAME (or a YAML path) would crawl and print how
    each would be classified and why. Stores nothing."""
    profile = load_profile(name).resolved(base_url)
    check_scope(profile)
    fetcher = ScopedFetcher(profile.allowed_domains, delay_s=delay)
    results = check_profile(profile, fetcher, pages)
    for result in results:
        verdict = result.verdict
        mark = "A" if result.article_pattern else "-"
        click.echo(f"{verdict.label:<16} {mark} {verdict.url}")
        click.echo(f"{'':<19}{verdict.why}")
        if result.surprise:
            click.echo(f"{'':<19}note: {result.surprise}")
    articles = sum(r.verdict.outcome == "article" for r in results)
    surprises = sum(r.surprise is not None for r in results)
    click.echo(
        f"{len(results)} pages: {articles} articles; {surprises} not as the article patterns "
        "expect (A: the URL matches an article pattern); nothing stored"
    )
