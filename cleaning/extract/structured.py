"""An article's text from the page's structured data (schema.org JSON-LD), for pages whose
visible body does not carry the article.

Some sites render the article with scripts: the HTML holds a feed of other stories, and only
the JSON-LD `NewsArticle` holds the text (`articleBody`, else a `description` that is the
whole short news item). Every extractor then returns the feed. An article's own description
or body nearly always appears in the visible article (as its lede at least), so when the
chosen text shares almost nothing with it, and hardly mentions the headline's words, the
chosen text is some other story and the structured text is the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from cleaning.extract.scoring import shingle_overlap, tokens
from cleaning.metadata.view import jsonld_objects

_ARTICLE_TYPE = re.compile(r"Article|BlogPosting|Report")


@dataclass(frozen=True)
class StructuredArticle:
    headline: str
    text: str


@dataclass(frozen=True)
class StructuredConfig:
    # structured text shorter than this (tokens) is a teaser, not the article
    min_tokens: int = 100
    # the chosen text is another story when it holds less than this share of the structured
    # text's 8-character runs ...
    max_overlap: float = 0.1
    # ... and less than this share of the headline's character pairs
    max_headline_overlap: float = 0.5


DEFAULT_STRUCTURED = StructuredConfig()


def declares_article(tree: HtmlElement) -> bool:
    """The page's JSON-LD declares a NewsArticle, Article or BlogPosting."""
    return any(_ARTICLE_TYPE.search(str(item.get("@type") or "")) for item in jsonld_objects(tree))


def structured_article(tree: HtmlElement) -> StructuredArticle | None:
    """The first article-type JSON-LD object with a body or description."""
    for item in jsonld_objects(tree):
        if not _ARTICLE_TYPE.search(str(item.get("@type") or "")):
            continue
        text = item.get("articleBody") or item.get("description")
        if isinstance(text, str) and text.strip():
            return StructuredArticle(str(item.get("headline") or ""), text.strip())
    return None


def replaces_chosen(
    article: StructuredArticle, chosen: str, config: StructuredConfig = DEFAULT_STRUCTURED
) -> bool:
    """True when the structured text is the article and the chosen text is another story."""
    if len(tokens(article.text)) < config.min_tokens:
        return False
    if shingle_overlap(article.text, chosen, 8) >= config.max_overlap:
        return False
    return (
        not article.headline
        or shingle_overlap(article.headline, chosen, 2) < config.max_headline_overlap
    )
