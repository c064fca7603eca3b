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
from functools import cache
from typing import Protocol

SIMPLIFIED = "zh-Hans"
TRADITIONAL = "zh-Hant"
OTHER = "other"
HAN = re.compile(r"[\u3400-\u9fff]")


class Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def opencc_converter(config: str) -> Converter:
    """OpenCC's converter for a configuration (t2s, s2t, s2twp), built once (a handful of
    configurations: unbounded, so per-text cache clearing does not rebuild it)."""
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


# the Han blocks whose characters OpenCC's t2s may change (CJK Extension A and the URO)
_HAN_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))


@cache
def _traditional_only() -> re.Pattern[str]:
    """One character class of every Han character t2s changes on its own (~2.7k characters):
    a text without one of them has nothing to fold, and one regex search says so."""
    chars = [chr(code) for low, high in _HAN_BLOCKS for code in range(low, high + 1)]
    changed = [char for char, new in _changes(chars, "t2s").items() if new]
    return re.compile("[" + "".join(changed) + "]")


def fold_traditional(text: str) -> str:
    """`text` in simplified characters (OpenCC t2s) when it holds a traditional-only character
    and the conversion keeps every character in place (same length, so offsets into the text
    stay valid); else `text` itself."""
    if not _traditional_only().search(text):
        return text
    folded = opencc_converter("t2s").convert(text)
    return folded if len(folded) == len(text) else text
