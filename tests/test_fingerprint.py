"""Fingerprints: normal form, exact keys, shingles, MinHash estimates, LSH keys."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from cleaning.fingerprint import (
    FingerprintConfig,
    band_keys,
    content_chars,
    estimated_similarity,
    exact_key,
    jaccard,
    normalise,
    set_jaccard,
    shingle_hashes,
    shingle_set,
    signature,
    signatures,
)
from corpus.dedup.synthetic import generate_article

CONFIG = FingerprintConfig()


def test_normal_form_unifies_width_punctuation_and_whitespace() -> None:
    assert normalise("微粒贷，逾期ＡＢＣ１２３。\n\n  催收") == "微粒贷,逾期abc123.\n催收"
    assert exact_key("逾期 怎么办？\n催收。") == exact_key("逾期怎么办?  催收.")
    assert exact_key("逾期怎么办") != exact_key("逾期怎么了")


def test_shingles_skip_whitespace_and_punctuation() -> None:
    # a keyword-filter gap ("通过 进行") must not split shingles
    assert content_chars("通过 进行，的。") == "通过进行的"
    two = dataclasses.replace(CONFIG, ngram=2)
    assert shingle_set("通过 进行", two) == {"通过", "过进", "进行"}
    assert shingle_set("短", dataclasses.replace(CONFIG, ngram=5)) == {"短"}
    assert shingle_hashes("通过 进行", dataclasses.replace(CONFIG, ngram=2)).size == 3


def test_hashed_jaccard_equals_string_jaccard() -> None:
    first = generate_article(1, "借呗")
    second = first.replace("借呗", "花呗").replace("通常", "一般")
    exact = set_jaccard(shingle_set(first, CONFIG), shingle_set(second, CONFIG))
    assert jaccard(shingle_hashes(first, CONFIG), shingle_hashes(second, CONFIG)) == pytest.approx(
        exact
    )


@pytest.mark.parametrize("scheme", ["oph", "kperm"])
def test_minhash_estimates_jaccard_without_bias(scheme: str) -> None:
    config = dataclasses.replace(CONFIG, scheme=scheme, ngram=3, num_perm=128, bands=32)
    rng = random.Random(3)
    chars = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]
    errors = []
    for _ in range(40):
        text = "".join(rng.choice(chars) for _ in range(1500))
        cut = rng.randrange(100, 900)
        edited = text[:cut] + "".join(rng.choice(chars) for _ in range(300)) + text[cut + 300 :]
        truth = jaccard(shingle_hashes(text, config), shingle_hashes(edited, config))
        errors.append(
            estimated_similarity(signature(text, config), signature(edited, config)) - truth
        )
    assert abs(float(np.mean(errors))) < 0.02
    assert float(np.std(errors)) < 0.07


def test_batch_signatures_match_single_ones_and_empty_texts() -> None:
    texts = [generate_article(seed, "借呗") for seed in range(5)] + ["", "短文"]
    batch = signatures(texts, CONFIG)
    assert batch.shape == (7, CONFIG.num_perm)
    for index, text in enumerate(texts):
        assert np.array_equal(batch[index], signature(text, CONFIG))
    # a short text fills its empty slots by densification: no slot is left empty
    assert (batch[6] != np.uint32(0xFFFFFFFF)).all()


def test_band_keys_agree_for_equal_bands_only() -> None:
    text = generate_article(9, "借呗")
    keys = band_keys(signatures([text, text, generate_article(10, "借呗")], CONFIG), CONFIG)
    assert keys.shape == (3, CONFIG.bands)
    assert (keys[0] == keys[1]).all()
    assert (keys[0] == keys[2]).mean() < 0.5


def test_config_is_validated_and_says_what_signatures_depend_on() -> None:
    with pytest.raises(ValueError, match="multiple"):
        FingerprintConfig(num_perm=100, bands=33)
    assert CONFIG.signature_key() == dataclasses.replace(CONFIG, threshold=0.9).signature_key()
    assert CONFIG.signature_key() != dataclasses.replace(CONFIG, ngram=4).signature_key()
    assert CONFIG.candidate_probability(CONFIG.threshold) > 0.9
    with pytest.raises(ValueError, match="cover"):
        FingerprintConfig(cover=0)


def test_traditional_and_simplified_match_by_default() -> None:
    assert exact_key("催收電話與還款") == exact_key("催收电话与还款")
    plain = dataclasses.replace(CONFIG, to_simplified=False)
    assert exact_key("催收電話與還款", plain) != exact_key("催收电话与还款", plain)
    assert "t2s" in CONFIG.normalisation and "t2s" not in plain.normalisation


def test_the_pages_own_boilerplate_lines_do_not_count() -> None:
    body = "微粒贷逾期以后，催收人员会先打电话提醒还款。"
    footers = (
        "关于我们 | 联系我们 | 免责声明 | 网站地图",
        "首页 · 法律咨询 · 债务重组 · 联系方式",
        "声明：本文内容来源于网络，版权归原作者所有，如有侵权请联系我们删除。",
        "Copyright © 2024 某某网 版权所有 京ICP备1001号",
    )
    for footer in footers:
        assert exact_key(f"{body}\n{footer}") == exact_key(body), footer
    kept = dataclasses.replace(CONFIG, drop_boilerplate=False)
    assert exact_key(f"{body}\n{footers[0]}", kept) != exact_key(body, kept)
    # a sentence that merely mentions the words stays
    prose = "关于我们如何与催收人员沟通，律师给出了三点建议，第一是保留录音。"
    assert normalise(prose) != ""


def test_boilerplate_lines_are_exactly_the_extractor_rules_and_menus() -> None:
    """The fast combined patterns decide as the rules one by one would, on real lines."""
    from cleaning.extract.boilerplate import load_rules
    from cleaning.fingerprint import _is_menu, is_boilerplate_line
    from tests.dedup_corpus import real_texts

    rules = load_rules()
    lines = [line.strip() for text in real_texts(400) for line in text.splitlines()]
    lines += ["声明：本文仅供参考", "转载请注明出处", "京ICP备12345678号", "首页 > 新闻 > 正文"]
    decided = [is_boilerplate_line(line) for line in lines if line]
    expected = [
        _is_menu(line) or any(rule.matches(line) for rule in rules) for line in lines if line
    ]
    assert decided == expected and sum(expected) >= 4
