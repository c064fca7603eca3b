"""Generated topic text for tests and the scale benchmark (not for scoring: see farmset).

Texts come from a seeded grammar of sentences about debt collection, so two unrelated articles
share the topic's vocabulary (as real ones do) but not their sentences. `edit_copy` edits a text
the way content farms do (an intro, a dropped paragraph, synonyms, a source line, keyword-filter
gaps, full-width digits).
"""

from __future__ import annotations

import random

import numpy as np
from numpy.typing import NDArray

LENDERS = (
    "微粒贷", "借呗", "花呗", "京东金条", "360借条", "美团借钱", "招联金融", "度小满",
    "平安普惠", "分期乐", "网商贷", "安逸花", "微众信科", "中银消费金融",
)  # fmt: skip
SUBJECTS = ("催收人员", "第三方催收机构", "平台客服", "外包公司", "法务专员", "贷后团队")
ACTIONS = ("打电话", "发短信", "上门拜访", "联系紧急联系人", "发送律师函", "起诉到法院")
OUTCOMES = ("影响征信", "产生罚息", "被列入失信名单", "被冻结账户", "承担违约金", "被强制执行")
ADVICE = (
    "主动与平台协商还款", "保留通话录音", "向银保监会投诉", "申请延期还款",
    "核实对方身份", "咨询专业律师", "制定分期还款计划", "不要轻信陌生链接",
)  # fmt: skip
SENTENCES = (
    "{lender}逾期{days}天后,{subject}通常会{action}提醒还款。",
    "很多用户担心{lender}逾期会{outcome},其实只要{advice}就能缓解问题。",
    "根据相关规定,{subject}不得在晚上十点以后{action}。",
    "如果{lender}的欠款超过{amount}元,平台可能会{action}。",
    "借款人在接到{subject}的通知后,应当{advice},避免{outcome}。",
    "{lender}作为知名的借贷产品,对逾期用户的处理流程比较规范。",
    "逾期{days}天以内一般不会{outcome},但会持续收到{subject}的提醒。",
    "有网友反映{subject}{action}时态度恶劣,这种情况可以{advice}。",
    "法律规定催收不得使用暴力或威胁手段,{subject}也不能随意{action}。",
    "对于欠款{amount}元左右的用户,{lender}一般会先{action}再考虑其他方式。",
    "如果确实无力偿还,建议{advice},同时说明自己的实际困难。",
    "{subject}上门之前通常会先{action},并核实借款人的居住地址。",
    "长期拖欠{lender}的款项,最终可能{outcome},对生活造成很大影响。",
    "面对{subject}的催收,借款人既要{advice},也要维护自己的合法权益。",
    "{lender}的逾期利息按日计算,逾期{days}天的费用并不低。",
    "部分平台会把逾期{days}天以上的账户交给{subject}处理。",
)
INTROS = (
    "小编今天给大家整理了一篇关于逾期催收的实用文章,希望对大家有所帮助。",
    "最近不少读者留言询问网贷逾期的问题,下面我们就来详细说一说。",
    "导语:借钱容易还钱难,逾期之后到底会面临什么?本文为您解答。",
)
OUTROS = (
    "以上就是本期的全部内容,更多法律问题欢迎咨询在线律师。",
    "法务时刻来源链接:https://www.jiwenlaw.com",
    "本文来自网络投稿,不代表本站立场,如若转载请注明出处。",
)
SYNONYMS = (
    ("通常", "一般"),
    ("借款人", "欠款人"),
    ("建议", "推荐"),
    ("用户", "客户"),
    ("提醒", "催促"),
)
MASKED_WORDS = ("电话", "催收", "款")
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _sentence(rng: random.Random, lender: str) -> str:
    template = rng.choice(SENTENCES)
    return template.format(
        lender=lender,
        days=rng.choice((3, 7, 15, 30, 60, 90, 180)),
        subject=rng.choice(SUBJECTS),
        action=rng.choice(ACTIONS),
        outcome=rng.choice(OUTCOMES),
        advice=rng.choice(ADVICE),
        amount=rng.choice((500, 2000, 5000, 10000, 30000)),
    )


def generate_article(seed: int, lender: str, paragraphs: int = 9) -> str:
    """About 1500 characters of topic text; the same seed and lender give the same text."""
    rng = random.Random(seed)
    blocks = []
    for _ in range(paragraphs):
        blocks.append("".join(_sentence(rng, lender) for _ in range(rng.randint(4, 6))))
    return "\n".join(blocks)


def edit_copy(text: str, rng: random.Random, heavy: bool = False) -> str:
    """A content farm's copy: intro, a dropped paragraph, synonyms, gaps, a source line.
    A heavy copy also has a paragraph rewritten."""
    paragraphs = text.split("\n")
    del paragraphs[rng.randrange(1, len(paragraphs))]
    if heavy:
        paragraphs[rng.randrange(len(paragraphs))] = generate_article(rng.randrange(10**9), "它", 1)
    body = "\n".join([rng.choice(INTROS), *paragraphs, rng.choice(OUTROS)])
    for old, new in rng.sample(SYNONYMS, 3):
        body = body.replace(old, new)
    masked = rng.choice(MASKED_WORDS)
    body = body.replace(masked, " ", 3)
    return body.translate(FULL_WIDTH_DIGITS) if rng.random() < 0.5 else body


def exact_copy(text: str) -> str:
    """The same text with other whitespace and punctuation width."""
    return "\n\n".join(text.split("\n")).replace(",", ",").replace("。", "。 ")


PUNCTUATION = np.array(list(",,,,。。、;:!?"))
COPY_SHARE = 0.2


def vocabulary() -> tuple[NDArray[np.str_], NDArray[np.float64]]:
    """jieba's dictionary words and their cumulative frequency (realistic Chinese n-grams)."""
    import jieba

    words, weights = [], []
    with jieba.get_dict_file() as handle:
        for line in handle:
            parts = line.decode("utf-8").split()
            if len(parts) >= 2:
                words.append(parts[0])
                weights.append(float(parts[1]))
    cumulative = np.cumsum(weights)
    return np.array(words), cumulative / cumulative[-1]


def generate_corpus(count: int, seed: int = 5) -> list[str]:
    """Texts of ~1500 characters of jieba dictionary words drawn by frequency, one in five
    (COPY_SHARE) a farm's copy (`edit_copy`) of an earlier one: the scale benchmark's corpus."""
    words, cumulative = vocabulary()
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    edit_rng = random.Random(seed)
    for index in range(count):
        if index > 10 and rng.random() < COPY_SHARE:
            texts.append(edit_copy(texts[int(rng.integers(0, index))], edit_rng))
            continue
        picks = words[np.searchsorted(cumulative, rng.random(900))].reshape(100, 9)
        marks = PUNCTUATION[rng.integers(0, PUNCTUATION.size, size=(100, 1))]
        body = "".join(np.concatenate((picks, marks), axis=1).ravel().tolist())[:1500]
        texts.append("\n".join(body[start : start + 240] for start in range(0, len(body), 240)))
    return texts
