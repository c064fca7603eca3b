"""Scraped text made inert for each report format's own syntax.

- Markdown: every ASCII punctuation mark that CommonMark or GFM gives a meaning (links, images,
  emphasis, code, HTML, tables, headings, lists) is backslash-escaped, line breaks become
  spaces, and URL schemes and `www.` get a zero-width space so GFM's autolinker cannot make a
  live link of a bare URL. Code fences around scraped text are longer than any backtick run in
  it, so it cannot close them.
- CSV: a cell that a spreadsheet would read as a formula (starting with =, +, -, @, tab or
  carriage return) gets a leading apostrophe (OWASP's advice against CSV injection).
- HTML: Jinja2 autoescape (corpus.report.html); nothing scraped is marked safe.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~^=\"':;&$%/?@,])")
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data|file|www)(?=[:.])")
_BACKTICKS = re.compile(r"`+")
ZERO_WIDTH = "\u200b"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def markdown_text(value: object) -> str:
    """Inline Markdown that shows the text as it is and makes nothing of it."""
    text = " ".join(str(value).split())
    text = _SCHEME.sub(lambda match: match.group(1) + ZERO_WIDTH, text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_fence(body: str, info: str = "") -> list[str]:
    """A fenced code block holding `body` verbatim, whatever backticks it contains."""
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", body, fence]


def csv_cell(value: object) -> object:
    """The value, with a leading apostrophe when a spreadsheet would run it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
