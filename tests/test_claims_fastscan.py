"""The claim extractor's scanning shortcuts give exactly what the plain scans give: FastPattern's
search and finditer, one scan of a lexicon's literals for the subtypes worth scanning, and the
negation test before segmenting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from cleaning.claims.fastscan import FastPattern, Scanner, first_chars, required_chars, scanner
from cleaning.claims.fields import NEGATION_HINTS
from cleaning.claims.lexicon import (
    all_trigger_lexicons,
    can_overlap,
    modality_lexicon,
    role_lexicon,
)
from cleaning.claims.sentences import split_sentences
from samplesite.content import load_articles
from tests.conftest import BENCHMARKS


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


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("逾期问(?![题答])", "逾"),
        ("(?<=[的些])问(?=[是也]|随之)", "问"),  # lookarounds require nothing of the match
        ("^(文章|信息)?来源\\s*[:：]", "来"),  # the optional group gives nothing
        ("^(作者|文|撰文)\\s*[:：]", "作文撰"),  # each alternative requires one
        ("ICP\\s*(备|证)|ICP(备案|证)", "备证"),  # the fewest ASCII characters
        ("a+b", "a"),
        ("[^x]y?", None),
        ("\\d{1,8}\\s*", None),
        ("(?i:abc)", None),
        ("[\u4e00-\u9fff]", None),  # too wide to test character by character
    ],
)
def test_required_chars_are_read_off_the_pattern(pattern: str, expected: str | None) -> None:
    found = required_chars(re.compile(pattern))
    assert found == (None if expected is None else frozenset(expected))
    assert required_chars(re.compile(pattern, re.I)) is None


def test_every_match_of_a_rule_or_damaged_form_holds_a_required_char() -> None:
    """On the sample-site lines and every line of the benchmark gold texts (where present)."""
    from cleaning.extract.boilerplate import load_rules
    from cleaning.masking import missing_patterns

    patterns = [p for rule in load_rules() for p in rule.patterns]
    patterns += [getattr(p, "plain", p) for p in missing_patterns()]
    lines = list(sample_lines())
    for gold in sorted(Path(BENCHMARKS).glob("extraction-*/gold/*.txt")):
        lines += gold.read_text(encoding="utf-8").splitlines()
    matched = 0
    for pattern in patterns:
        chars = required_chars(pattern)
        for line in lines:
            if pattern.search(line):
                matched += 1
                assert chars is None or any(c in line for c in chars), (pattern.pattern, line)
    assert matched >= 50
