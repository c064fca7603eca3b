"""Bag-of-tokens precision, recall and F1 between extracted text and gold text.

A token is one CJK character or one run of latin letters and digits; punctuation and
whitespace are ignored, so line breaks and spacing in the gold do not matter.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+")


@dataclass(frozen=True)
class TokenScore:
    precision: float
    recall: float
    f1: float


def tokens(text: str) -> list[str]:
    """CJK characters one by one, latin/digit runs whole (lower-cased)."""
    return [token.lower() for token in _TOKEN.findall(text)]


def token_f1(extracted: str, gold: str) -> TokenScore:
    """Bag-of-tokens overlap; an empty extraction of an empty gold counts as perfect."""
    found, expected = Counter(tokens(extracted)), Counter(tokens(gold))
    if not found and not expected:
        return TokenScore(1.0, 1.0, 1.0)
    overlap = sum((found & expected).values())
    precision = overlap / sum(found.values()) if found else 0.0
    recall = overlap / sum(expected.values()) if expected else 0.0
    if precision + recall == 0:
        return TokenScore(precision, recall, 0.0)
    return TokenScore(precision, recall, 2 * precision * recall / (precision + recall))
