"""Vocabulary mining: frequent phrases near collection terms that no trigger covers.

Lexicons grow by review, not by guessing: this proposes word n-grams (jieba tokens) that occur
within a few words of a collection term (`lexicons/mining.yaml` anchors) in many sentences,
skipping every span a trigger already matches. A person reads the list and adds what is a
claim word to the lexicons. Pure: texts in, ranked phrases out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from cleaning.claims.fastscan import Scanner
from cleaning.claims.lexicon import (
    all_trigger_lexicons,
    alternation,
    gazetteer,
    modality_lexicon,
    read_yaml,
)
from cleaning.claims.segment import Token, segment
from cleaning.claims.sentences import Sentence, split_sentences
from cleaning.claims.triggers import citation_triggers
from cleaning.masking import find_masked_gaps

WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z]+$")


@dataclass(frozen=True)
class MiningConfig:
    window: int = 4  # tokens either side of a collection term
    min_words: int = 2  # shortest n-gram proposed (single words are mostly generic)
    max_words: int = 3  # longest n-gram proposed
    min_sentences: int = 3  # proposed only when seen in this many sentences
    top: int = 100


@dataclass(frozen=True)
class MinedPhrase:
    phrase: str
    sentences: int
    documents: int
    example: str


@dataclass
class _Counts:
    sentences: Counter[str] = field(default_factory=Counter)
    documents: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)


@cache
def _mining_words() -> tuple[re.Pattern[str], frozenset[str]]:
    data = read_yaml("mining")
    return alternation(data["anchors"]), frozenset(str(word) for word in data["stopwords"])


def covered_spans(sentence: Sentence) -> list[tuple[int, int]]:
    """Article offsets of everything a trigger, a modality word, a law or a lender matches."""
    patterns: list[Scanner] = [lexicon.any_pattern for lexicon in all_trigger_lexicons()]
    patterns += [pattern for _, pattern in modality_lexicon().patterns]
    spans = [
        (sentence.start + m.start(), sentence.start + m.end())
        for pattern in patterns
        for m in pattern.finditer(sentence.text)
    ]
    spans += [(t.start, t.end) for t in citation_triggers(sentence)]
    spans += [
        (sentence.start + m.start(), sentence.start + m.end())
        for m in gazetteer().pattern.finditer(sentence.text)
    ]
    return spans


def _usable(
    tokens: tuple[Token, ...], covered: list[tuple[int, int]], stop: frozenset[str]
) -> bool:
    anchors, _ = _mining_words()
    if tokens[0].text in stop or tokens[-1].text in stop:
        return False
    if any(anchors.search(token.text) for token in tokens):
        return False
    if not all(WORD.match(token.text) for token in tokens):
        return False
    start, end = tokens[0].start, tokens[-1].end
    if end - start < 2:
        return False
    return not any(start < right and left < end for left, right in covered)


def sentence_phrases(
    sentence: Sentence, config: MiningConfig, masked: list[tuple[int, int]] | None = None
) -> set[str]:
    """Uncovered n-grams within `config.window` tokens of a collection term in one sentence.
    `masked`: article offsets of keyword-filter gaps (cleaning.masking); an n-gram touching
    one is a fragment of a damaged word (贷用卡 for 信用卡), never a phrase to propose."""
    anchors, stop = _mining_words()
    if not anchors.search(sentence.text):
        return set()
    tokens = segment(sentence.text, sentence.start)
    anchor_at = [i for i, t in enumerate(tokens) if anchors.search(t.text)]
    covered = covered_spans(sentence) + (masked or [])
    found: set[str] = set()
    for index in anchor_at:
        low, high = max(0, index - config.window), min(len(tokens), index + config.window + 1)
        for start in range(low, high):
            for size in range(config.min_words, config.max_words + 1):
                gram = tokens[start : start + size]
                if len(gram) == size and start + size <= high and _usable(gram, covered, stop):
                    found.add("".join(token.text for token in gram))
    return found


def mine_phrases(texts: Iterable[str], config: MiningConfig | None = None) -> list[MinedPhrase]:
    """The most frequent uncovered phrases near collection terms, most sentences first."""
    config = config or MiningConfig()
    counts = _Counts()
    for text in texts:
        in_document: set[str] = set()
        masked = [(gap.start, gap.end) for gap in find_masked_gaps(text)]
        for sentence in split_sentences(text):
            for phrase in sentence_phrases(sentence, config, masked):
                counts.sentences[phrase] += 1
                counts.examples.setdefault(phrase, sentence.text)
                in_document.add(phrase)
        counts.documents.update(in_document)
    ranked = sorted(
        (p for p, n in counts.sentences.items() if n >= config.min_sentences),
        key=lambda p: (-counts.sentences[p], -counts.documents[p], p),
    )
    return [
        MinedPhrase(p, counts.sentences[p], counts.documents[p], counts.examples[p])
        for p in ranked[: config.top]
    ]
