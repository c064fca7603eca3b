"""Bytes to text: BOM, valid UTF-8, HTTP header, meta declaration, GB18030 fallback.

A declaration is only believed when the bytes decode cleanly under it, so a page
whose header or meta tag names the wrong charset still decodes to the right text.
Valid UTF-8 with non-ASCII bytes wins over a declaration: GBK text is practically
never valid UTF-8, while UTF-8 pages that declare gb2312 are common.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from cleaning.records import DecodedPage

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(
    rb"<(?:meta[^>]+charset|\?xml[^>]+encoding|text[^>]+encoding)\s*=\s*[\"']?\s*([\w.:-]+)", re.I
)
# Chinese single-byte-compatible charsets are all subsets of GB18030.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
_META_WINDOW = 4096
# C0 controls other than tab, newline, form feed and carriage return: never text, and lxml
# refuses a document holding NUL.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None if Python does not know it."""
    if not name:
        return None
    lowered = name.strip().lower()
    lowered = _SUPERSETS.get(lowered, lowered)
    try:
        return codecs.lookup(lowered).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return normalise_charset(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:_META_WINDOW])
    return normalise_charset(match.group(1).decode("ascii", "ignore")) if match else None


# A few undecodable bytes (a truncated page, one stray byte) do not disprove a charset;
# a wrong charset leaves far more than this.
_MAX_BAD_SHARE = 0.002
# stray bytes tolerated in a short UTF-8 page, whatever its length
_MAX_STRAY_BYTES = 8


def _strict(body: bytes, encoding: str | None) -> str | None:
    """The text if `encoding` fits the bytes, allowing a handful of damaged bytes."""
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except LookupError:
        return None
    except UnicodeDecodeError:
        text = body.decode(encoding, "replace")
        return text if text.count("\ufffd") <= _MAX_BAD_SHARE * len(text) else None


def _from_bom(body: bytes) -> DecodedPage | None:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return DecodedPage(body[len(bom) :].decode(encoding, "replace"), encoding, "bom")
    return None


def _from_utf8(body: bytes) -> DecodedPage | None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return DecodedPage(text, "utf-8", "utf8")


def _from_damaged_utf8(body: bytes) -> DecodedPage | None:
    """UTF-8 with a few stray bytes (a 0xFF in an otherwise UTF-8 page) when nothing declared
    a charset that fits: GBK read as UTF-8 breaks on nearly every character, far above the
    tolerated share."""
    text = body.decode("utf-8", "replace")
    damaged = text.count("\ufffd")
    if damaged > max(_MAX_STRAY_BYTES, _MAX_BAD_SHARE * len(text)):
        return None
    return DecodedPage(body.decode("utf-8", "ignore"), "utf-8", "utf8")


def _from_declarations(body: bytes, content_type: str | None) -> DecodedPage | None:
    for method, encoding in (
        ("header", header_charset(content_type)),
        ("meta", meta_charset(body)),
    ):
        text = _strict(body, encoding)
        if text is not None and encoding:
            return DecodedPage(text, encoding, method)
    return None


def _by_detection(body: bytes) -> DecodedPage:
    text = _strict(body, "gb18030")
    if text is not None:
        return DecodedPage(text, "gb18030", "fallback")
    best = from_bytes(body).best()
    if best is not None:
        return DecodedPage(str(best), best.encoding, "detected")
    return DecodedPage(body.decode("gb18030", "replace"), "gb18030", "fallback")


def decode_html(body: bytes, content_type: str | None = None) -> DecodedPage:
    """Decode a fetched page's bytes to text, choosing the charset the bytes support;
    control characters (NUL and the like) are dropped."""
    if body.isascii():
        decoded = DecodedPage(body.decode("ascii"), "ascii", "ascii")
    else:
        decoded = (
            _from_bom(body)
            or _from_utf8(body)
            or _from_declarations(body, content_type)
            or _from_damaged_utf8(body)
            or _by_detection(body)
        )
    if _CONTROLS.search(decoded.text) is None:
        return decoded
    return DecodedPage(_CONTROLS.sub("", decoded.text), decoded.encoding, decoded.method)
