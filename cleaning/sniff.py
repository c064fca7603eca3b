"""Checks on a page's bytes and on the cleaner's text that no Content-Type can be trusted for.

- `binary_type`: images, PDFs, archives, media, fonts and executables by their magic bytes
  (the `filetype` library), so a PNG served as text/html is `not-html`, not mojibake.
- `strip_markup`: broken HTML (unclosed or stray tags, NUL bytes) can leave tags in the text an
  extractor returns; a lenient re-parse (BeautifulSoup's html.parser) keeps only the text.
"""

from __future__ import annotations

import re

import filetype
from bs4 import BeautifulSoup

# filetype reads at most this many leading bytes
_MAGIC_BYTES = 8192
# Tags of HTML's own vocabulary, opened or closed; "<" followed by other text (a < b, <<书名>>)
# is prose and stays.
_TAG = re.compile(
    r"</?(?:a|abbr|article|aside|b|body|br|center|code|dd|div|dl|dt|em|font|footer|form|h[1-6]|"
    r"head|header|hr|html|i|iframe|img|input|label|li|link|main|meta|nav|ol|option|p|pre|"
    r"script|section|select|small|span|strong|style|sub|sup|table|tbody|td|textarea|tfoot|th|"
    r"thead|title|tr|u|ul)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def binary_type(body: bytes) -> str | None:
    """The MIME type of binary content (image/png, application/pdf, ...), None for text."""
    kind = filetype.guess(body[:_MAGIC_BYTES])
    return kind.mime if kind is not None else None


def has_markup(text: str) -> bool:
    return _TAG.search(text) is not None


def strip_markup(text: str) -> str:
    """`text` with any HTML tags and control characters removed, its words kept."""
    if has_markup(text):
        text = BeautifulSoup(text, "html.parser").get_text()
        text = _TAG.sub("", text)  # tags that were escaped inside the broken markup
    return _CONTROL.sub("", text)
