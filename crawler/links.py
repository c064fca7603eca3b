"""Which links a focused crawl fetches first: those about debt collection, then articles."""

from __future__ import annotations

import re
from urllib.parse import unquote

from cleaning.extract.relevance import count_topic_terms

# URL words that mark debt-collection pages on sites with pinyin slugs.
_PINYIN_TERMS = re.compile(
    r"cuishou|cuikuan|yuqi|shangmen|qisu|zhengxin|daikuan|xinyongka|huankuan|weilidai|jiebei",
    re.I,
)
_MAX_TERMS_COUNTED = 3
TOPIC_PRIORITY_STEP = 10
ARTICLE_PRIORITY = 5


def link_priority(url: str, anchor_text: str, article_patterns: tuple[re.Pattern[str], ...]) -> int:
    """A Scrapy request priority: higher for links whose text or URL is about the topic."""
    url_text = unquote(url)
    terms = count_topic_terms(anchor_text) + count_topic_terms(url_text)
    terms += len(_PINYIN_TERMS.findall(url_text))
    priority = TOPIC_PRIORITY_STEP * min(terms, _MAX_TERMS_COUNTED)
    if any(pattern.search(url) for pattern in article_patterns):
        priority += ARTICLE_PRIORITY
    return priority
