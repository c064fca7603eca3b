"""How much a text is about debt collection: a score in [0, 1] from a term lexicon."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

# Terms per 1,000 characters at which a text counts as fully on topic.
_SATURATION_PER_1000 = 12.0
_TITLE_WEIGHT = 0.3


@cache
def topic_terms() -> dict[str, float]:
    """Debt-collection terms and lender names with their weights, from
    `lexicons/topic_terms.txt` (one term per line, an optional weight after a tab)."""
    raw = resources.files("cleaning").joinpath("lexicons/topic_terms.txt").read_text("utf-8")
    terms: dict[str, float] = {}
    for line in raw.splitlines():
        if line.strip() and not line.startswith("#"):
            term, _, weight = line.strip().partition("\t")
            terms[term] = float(weight or 1.0)
    return terms


@cache
def _topic_pattern() -> re.Pattern[str]:
    longest_first = sorted(topic_terms(), key=len, reverse=True)
    return re.compile("|".join(re.escape(term) for term in longest_first))


def count_topic_terms(text: str) -> int:
    """How many topic terms (of any weight) occur in a text, e.g. a link's anchor."""
    return len(_topic_pattern().findall(text))


def topic_weight(text: str) -> float:
    weights = topic_terms()
    return sum(weights[term] for term in _topic_pattern().findall(text))


def relevance_score(title: str | None, text: str) -> float:
    """Weighted density of topic terms in the text, plus a share for an on-topic title."""
    if not text:
        return 0.0
    density = topic_weight(text) * 1000 / len(text)
    body_score = min(1.0, density / _SATURATION_PER_1000)
    title_score = min(1.0, topic_weight(title)) if title else 0.0
    return round((1 - _TITLE_WEIGHT) * body_score + _TITLE_WEIGHT * title_score, 3)
