"""Masked keywords: gaps that keyword filters leave, found with positions, never repaired."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaning.masking import find_masked_gaps, missing_patterns
from tests.conftest import BENCHMARKS, SEEDS

GOLD = BENCHMARKS / "extraction-zh" / "gold"


def gap_texts(text: str, kind: str | None = None) -> list[str]:
    return [text[g.start : g.end] for g in find_masked_gaps(text) if kind in (None, g.kind)]


@pytest.mark.parametrize(
    "sentence",
    [
        "微粒贷的催收工作通常是通过 进行的。",  # 电话 removed
        "催收人员会通过 联系逾期用户,提醒其尽快还款。",
        "在 催收中,催收人员会耐心解释逾期的后果。",
        "有些用户可能会选择不接听 或拒绝还款。",
        "微粒贷作为一款广受欢迎的 产品其便捷性和灵活性深受使用者青睐。",  # 信贷
        "寻找解决问题的 。在家访过程中,催收人员需要采取合适的沟通方式。",  # 方法
        "微粒贷逾期多久会打 催收,微粒贷逾期后会有什么后果",  # a title: 打 needs an object
        "分期乐公司是否可以一天多个 催款。",
    ],
)
def test_blank_between_chinese_characters_in_a_sentence_is_a_gap(sentence: str) -> None:
    gaps = find_masked_gaps(sentence)
    assert [g.kind for g in gaps] == ["space"]
    assert sentence[gaps[0].start : gaps[0].end].strip() == ""
    assert sentence[gaps[0].start - 1] != " " and gaps[0].context in sentence


@pytest.mark.parametrize(
    ("sentence", "damaged"),
    [
        ("随星借的逾期问也引起了广大用户的关注。", "逾期问"),
        ("友众信业是一家专业的贷机构,为个人和企业提供贷用卡等金融服务。", "贷用卡"),
        ("在当前金融技快速发展的背景下,各类金融服务机构层出不穷。", "金融技"),
        ("很多人疑惑,微众信科究竟是不是一家收公司?", "收公司"),
        ("逾期是指借人未能在约定的时间内按照合同要求还。", "借人"),
        ("在借人向友众信业借后,需要按照约定的时间还,如果逾期未还", "还"),
        ("认为这是“”或“”的代名词。", "“”"),
    ],
)
def test_known_damaged_forms_are_missing_gaps(sentence: str, damaged: str) -> None:
    assert damaged in gap_texts(sentence, "missing")


@pytest.mark.parametrize(
    "sentence",
    [
        "随星借的逾期问题也引起了广大用户的关注。",
        "在当前金融技术快速发展的背景下,各类机构层出不穷。",
        "友众信业为个人和企业提供信贷、信用卡等金融服务。",
        "他从来不借人钱,也不向人借钱。",
        "逾期是指借款人未能在约定的时间内按照合同要求还款。",
        "一家回收公司和一家催收公司。",
        "借了钱就要还。",
        "湘菜粤菜 兵分两路 (图)",  # a headline's deliberate blank
        "四年前中500万现穷困潦倒 一夜暴富后如何经营",
        "来源：巴彦淖尔日报 编辑：苏亮",
        "新华网黑龙江频道 记者 伊琳 李清芬",
        "（常书香 马丹阳 ）",
        "2025 03/ 20 18:19:18",
        "2002年10月9日 杨恭如在铜锣湾开记者会。",
        "第一章 中国式现代化的发展历程",
        "艺术史研究\t傅\u3000谨\t英语",
    ],
)
def test_normal_text_has_no_gaps(sentence: str) -> None:
    assert find_masked_gaps(sentence) == ()


def test_positions_point_into_the_unchanged_text() -> None:
    text = (SEEDS / "000_fb470261d9106be1.txt").read_text(encoding="utf-8")
    gaps = find_masked_gaps(text)
    assert len([g for g in gaps if g.kind == "space"]) >= 6
    assert all(text[g.start - 3 : g.end + 3] in g.context for g in gaps)
    assert gaps == tuple(sorted(gaps, key=lambda g: (g.start, g.end)))


def test_every_seed_shows_masking() -> None:
    counts = {
        path.name: len(find_masked_gaps(path.read_text(encoding="utf-8")))
        for path in sorted(SEEDS.glob("*.txt"))
    }
    assert len(counts) == 4 and all(count >= 1 for count in counts.values()), counts
    assert counts["003_1f9ce332e90a5d0d.txt"] >= 20  # the heavily filtered related-post list


def test_lexicon_compiles_and_every_entry_has_a_note() -> None:
    lines = [
        line
        for line in (Path(__file__).parent.parent / "cleaning/lexicons/masked_missing.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(missing_patterns()) == len(lines) >= 10
    assert all(len(line.split("\t")) == 3 for line in lines)


def test_unmasked_gold_texts_yield_few_gaps() -> None:
    """Precision on normal Chinese: the benchmark gold texts are not keyword-filtered."""
    if not GOLD.is_dir():
        pytest.fail(f"benchmark gold texts not found at {GOLD}; see ../shared/benchmarks/README.md")
    texts = [path.read_text(encoding="utf-8") for path in sorted(GOLD.glob("*.txt"))]
    gaps = [find_masked_gaps(text) for text in texts]
    total_chars = sum(len(text) for text in texts)
    per_10k_chars = 10_000 * sum(len(found) for found in gaps) / total_chars
    pages_with_gaps = sum(1 for found in gaps if found)
    # measured 2026-11: 13 gaps in 340,834 characters (0.38 per 10k), on 6 of 99 pages
    assert len(texts) >= 90
    assert per_10k_chars <= 0.6, per_10k_chars
    assert pages_with_gaps <= 8, pages_with_gaps
