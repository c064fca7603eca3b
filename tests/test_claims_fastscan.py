"""The claim extractor's scanning shortcuts give exactly what the plain scans give: FastPattern's
search and finditer, one scan of a lexicon's literals for the subtypes worth scanning, and the
negation test before segmenting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pytest

from cleaning.claims.fastscan import FastPattern, Scanner, first_chars, scanner
from cleaning.claims.fields import NEGATION_HINTS
from cleaning.claims.lexicon import (
    all_trigger_lexicons,
    can_overlap,
    modality_lexicon,
    role_lexicon,
)
from cleaning.claims.sentences import split_sentences
from samplesite.content import load_articles


@cache
def sample_lines() -> tuple[str, ...]:
    """Every sentence and clause of the sample-site articles."""
    lines: list[str] = []
    for article in load_articles():
        for sentence in split_sentences(article.gold_text):
            lines += [sentence.text, *(clause.text for clause in sentence.clauses)]
    return tuple(lines)


def lexicon_scanners() -> Iterator[tuple[str, Scanner]]:
    for lexicon in all_trigger_lexicons():
        if lexicon.any_regex is not None:
            yield f"{lexicon.type} any_regex", lexicon.any_regex
        if lexicon.exclude is not None:
            yield f"{lexicon.type} exclude", lexicon.exclude
        for subtype, _, regexes in lexicon.parts:
            if regexes is not None:
                yield f"{lexicon.type}/{subtype}", regexes
    words = modality_lexicon()
    yield from ((f"modality {name}", pattern) for name, pattern in words.patterns)
    yield "discourse", words.discourse
    roles = role_lexicon()
    for name in ("condition", "definition", "enumeration", "question", "hearsay", "advice"):
        yield f"role {name}", getattr(roles, name)


def spans(matches: Iterator[re.Match[str]]) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in matches]


def test_some_lexicon_patterns_are_scanned_fast() -> None:
    assert any(isinstance(found, FastPattern) for _, found in lexicon_scanners())


@pytest.mark.parametrize("name", [name for name, _ in lexicon_scanners()])
def test_every_lexicon_scanner_finds_what_its_pattern_finds(name: str) -> None:
    found = dict(lexicon_scanners())[name]
    plain = found.plain if isinstance(found, FastPattern) else found
    for line in sample_lines():
        assert spans(found.finditer(line)) == spans(plain.finditer(line)), line
        hit, expected = found.search(line), plain.search(line)
        assert (hit and hit.span()) == (expected and expected.span()), line


@pytest.mark.parametrize(
    ("pattern", "texts"),
    [
        (r"(?<![A-Za-z0-9])M[1-7]|逾期[0-9]+天", ["AM1 M2 逾期3天", "XM3", "M1"]),
        (r"^(?!.*是)[^,，]{2,40}的[,，]$|如果|一旦", ["欠款逾期的,", "这是逾期的,如果", "一旦"]),
        (r"(?:给|跟)(?:我|你)?的?(?:家人|同事)(?:打|说)", ["他跟我的家人说", "给同事打", "给"]),
        (r"^(?:包括|比如)", ["包括上门", "不包括上门"]),
        (r"[0-9]+(?:个)?月(?:以上|后)", ["逾期3个月以上", "12月后", "月后"]),
    ],
)
def test_fast_patterns_match_as_re_does(pattern: str, texts: list[str]) -> None:
    plain, fast = re.compile(pattern), FastPattern(re.compile(pattern))
    for text in texts:
        for start in range(len(text) + 1):
            hit, expected = fast.search(text, start), plain.search(text, start)
            assert (hit and hit.span()) == (expected and expected.span()), (text, start)
        assert spans(fast.finditer(text)) == spans(plain.finditer(text)), text


def test_patterns_whose_first_characters_are_unknown_are_left_to_re() -> None:
    assert first_chars(re.compile(r"[^，,]{2}的"))[0] is None  # a negated class
    assert first_chars(re.compile(r"\d+天"))[0] is None  # a category
    assert first_chars(re.compile(r"(?:逾期)?"))[0] is None  # can match nothing
    assert scanner(re.compile(r"逾期|拖欠")) == re.compile(r"逾期|拖欠")  # re scans it fast


def test_terms_overlap_when_they_can_share_characters() -> None:
    assert can_overlap("上门", "门口") and can_overlap("催收", "上门催收")
    assert not can_overlap("上门", "电话")


def test_the_literal_scan_names_every_subtype_whose_literals_occur() -> None:
    for lexicon in all_trigger_lexicons():
        for line in sample_lines():
            occurring = {name for name, literals, _ in lexicon.parts if literals.search(line)}
            assert occurring <= lexicon.literal_subtypes(line), (lexicon.type, line)


def test_every_negator_holds_a_negation_character() -> None:
    # polarity_of segments a clause only when one of NEGATION_HINTS precedes the trigger
    negators = modality_lexicon().negators
    assert all(any(hint in word for hint in NEGATION_HINTS) for word in negators)


def test_an_articles_cached_clauses_are_let_go_when_the_next_article_starts() -> None:
    from cleaning.claims import extract_claims
    from cleaning.claims.fields import conditional_up_to
    from cleaning.claims.segment import segment

    long_text, short_text = max(sample_lines(), key=len), "逾期三天后催收员会打电话给紧急联系人。"
    extract_claims(" ".join(sample_lines()[:200]) + long_text)
    held = segment.cache_info().currsize + conditional_up_to.cache_info().currsize
    extract_claims(short_text)
    kept = segment.cache_info().currsize + conditional_up_to.cache_info().currsize
    assert held > 20 and kept < 10, (held, kept)
