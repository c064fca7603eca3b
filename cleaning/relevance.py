"""How much a text is about debt collection: a score in [0, 1] from a term lexicon."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

# Terms per 1,000 characters at which a text counts as fully on topic.
_SATURATION_PER_1000 = 12.0
_TITLE_WEIGHT = 0.3


@cache
def topic_terms() -> tuple[str, ...]:
    """Debt-collection terms and lender names, longest first, from `lexicons/topic_terms.txt`."""
    raw = resources.files("cleaning").joinpath("lexicons/topic_terms.txt").read_text("utf-8")
    terms = {line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")}
    return tuple(sorted(terms, key=len, reverse=True))


@cache
def _topic_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(term) for term in topic_terms()))


def count_topic_terms(text: str) -> int:
    return len(_topic_pattern().findall(text))


def relevance_score(title: str | None, text: str) -> float:
    """Density of topic terms in the text, with a bonus when the title is on topic."""
    if not text:
        return 0.0
    density = count_topic_terms(text) * 1000 / len(text)
    body_score = min(1.0, density / _SATURATION_PER_1000)
    title_score = 1.0 if title and count_topic_terms(title) else 0.0
    return round((1 - _TITLE_WEIGHT) * body_score + _TITLE_WEIGHT * title_score, 3)
