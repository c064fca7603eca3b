"""The script a text is written in: simplified (zh-Hans) or traditional (zh-Hant) characters.

A Han character that OpenCC changes on the way to simplified (t2s) is a traditional-only form;
one it changes on the way to traditional (s2t) is a simplified-only form. A text is zh-Hant
when it holds more traditional-only characters than simplified-only ones, else zh-Hans; a text
with no Han character is "other". Characters the two scripts share decide nothing, so there
is no threshold to tune.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Protocol

SIMPLIFIED = "zh-Hans"
TRADITIONAL = "zh-Hant"
OTHER = "other"
HAN = re.compile(r"[\u3400-\u9fff]")


class Converter(Protocol):
    def convert(self, text: str) -> str: ...


@lru_cache(maxsize=4)
def opencc_converter(config: str) -> Converter:
    """OpenCC's converter for a configuration (t2s, s2t, s2twp), built once."""
    import opencc

    converter: Converter = opencc.OpenCC(config)
    return converter


def text_script(text: str) -> str:
    """zh-Hans, zh-Hant or other (see the module docstring)."""
    counts = Counter(HAN.findall(text))
    if not counts:
        return OTHER
    traditional = _changed_count(counts, "t2s")
    simplified = _changed_count(counts, "s2t")
    return TRADITIONAL if traditional > simplified else SIMPLIFIED


# per OpenCC configuration, whether it changes each Han character met so far (a page's
# characters are mostly known after a few pages: the converter runs on the new ones only;
# the range holds 27k characters at most)
_CHANGES: dict[str, dict[str, bool]] = {}


def _changed_count(counts: Counter[str], config: str) -> int:
    """How many of the characters OpenCC's `config` changes, each converted on its own."""
    changes = _CHANGES.setdefault(config, {})
    new = [char for char in counts if char not in changes]
    if new:
        changes.update(_changes(new, config))
    return sum(count for char, count in counts.items() if changes[char])


def _changes(chars: list[str], config: str) -> dict[str, bool]:
    """Whether `config` changes each character, converted on its own."""
    converted = opencc_converter(config).convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        converted = [opencc_converter(config).convert(char) for char in chars]
    return {char: new != char for char, new in zip(chars, converted, strict=True)}
