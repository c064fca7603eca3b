"""How the cleaner classifies one fetched page, and why, in a line a person can read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cleaning.extract.main_text import text_units
from cleaning.outcomes import REASONS, Outcome, base_reason
from cleaning.pipeline import clean_page
from corpus.site_setup.fetch import Fetched


@dataclass(frozen=True)
class Verdict:
    url: str
    outcome: str  # article | rejected | error | not-fetched
    reason: str | None  # the stored reason (list-page, http-404, robots-forbidden ...)
    why: str

    @property
    def label(self) -> str:
        return self.reason or self.outcome


def classify(page: Fetched) -> Verdict:
    """What a crawl would store for the page: an article or the reason it is not one."""
    if page.error:
        listed = base_reason(page.error)
        outcome = REASONS[listed][0] if listed is not None else Outcome.ERROR
        return Verdict(page.url, str(outcome), str(page.error), _meaning(page.error))
    result = clean_page(page.body, page.final_url, page.content_type, datetime.now(UTC))
    article = result.article
    if article is None:
        rejected = str(result.reject_reason)
        return Verdict(page.url, str(Outcome.REJECTED), rejected, _meaning(rejected))
    date = (
        article.published.value.date().isoformat()
        if article.published and article.published.value
        else "none"
    )
    why = (
        f"{article.extractor}: {text_units(article.text)} characters, title {article.title!r}, "
        f"date {date}, author {article.author or 'none'}, relevance {article.relevance:.2f}"
    )
    return Verdict(page.url, str(Outcome.ARTICLE), None, why)


def _meaning(reason: str) -> str:
    listed = base_reason(reason)
    return REASONS[listed][1] if listed is not None else reason
