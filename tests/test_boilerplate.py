"""Residual boilerplate rules: each named, counted, and blind to real sentences."""

from __future__ import annotations

import pytest

from cleaning.extract.boilerplate import load_rules, remove_boilerplate
from tests.conftest import SEEDS

BODY = "微粒贷逾期以后，催收人员一般会先通过短信和电话提醒借款人尽快还款，并说明逾期的后果。"
PROSE = "\n".join([BODY] * 6)


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("来源:肖牵善", "source-line"),
        ("法务时刻来源链接:https://www.jiwenlaw.com", "source-link"),
        (
            "本文来自管理员投稿,不代表资源分享网立场,如若转载,请注明出处:http://x.cn/a.html",
            "contributed",
        ),
        ("转载自:法制日报", "reprint"),
        ("家在深圳声明:资讯来源于网络,属作者个人观点,仅供参考。 投诉", "disclaimer"),
        ("免责声明:本站内容仅供参考", "disclaimer"),
        (
            "腾讯声明：频道所载文章纯属作者个人观点，仅供投资者参考，并不构成投资建议。",
            "disclaimer",
        ),
        ("本文版权归解放牛网所有，任何媒体未经本网协议授权不得转载。", "copyright"),
        ("- 写进博客", "share"),
        (
            "版权声明:本文由浙江合飞律师事务所结合法律法规原创并发布,如需转载请附上来源链接。",
            "disclaimer",
        ),
        ("本文链接:https://www.hefeilaws.com/hf/77716.html", "article-link"),
        ("扫描二维码推送至手机访问。", "qr-code"),
        ("打赏 微信扫一扫 微信扫一扫 支付宝扫一扫 支付宝扫一扫", "tip"),
        ("上一篇 2024年12月10日", "prev-next"),
        ("下一篇:信用卡逾期怎么办", "prev-next"),
        ("【纠错】 【责任编辑:肖牵善】", "correction"),
        ("责任编辑:王敏", "editor"),
        ("鄂ICP备14010628号-2.", "icp"),
        ("京公网安备11010802020088号", "icp"),
        ("Copyright © 2000 - 2023 All Rights Reserved.", "copyright"),
        ("字体:", "font-widget"),
        ("字体:大 中 小", "font-widget"),
        ("小编导语", "filler"),
        ("本文到此分享完毕，希望对大家有所帮助。", "filler"),
        ("当前位置:首页 > 金融债务 > 正文内容", "breadcrumb"),
    ],
)
def test_each_rule_removes_its_line_and_counts_it(line: str, rule: str) -> None:
    cleaned = remove_boilerplate(f"{PROSE}\n{line}\n{PROSE}")
    assert line.strip() not in cleaned.text
    assert cleaned.removed == {rule: 1}
    assert cleaned.text.count(BODY) == 12


@pytest.mark.parametrize(
    "sentence",
    [
        "据微粒贷官方来源显示，催收人员必须出示工作证件，并说明来意，这一点在声明中也有写明。",
        "银行在声明中表示，第三方催收机构的言论不代表银行立场，借款人可以向银保监会投诉。",
        "很多网友问上一篇文章里提到的上门催收是否合法，答案是必须遵守相关法律法规的规定。",
        "有的催收短信会要求借款人扫描二维码还款，这种情况一定要先核实对方的身份再操作。",
        "相关推荐的还款方案包括个性化分期和停息挂账，借款人可以根据自身情况向银行申请办理。",
        "责任编辑在审核稿件时发现，很多催收话术都涉嫌违反《互联网金融逾期债务催收自律公约》。",
        "网站的ICP备案信息可以在工信部网站查询，借款人遇到陌生平台时应当先查询其备案情况。",
        "对于版权所有的合同模板，律师建议不要随意复制使用，以免引发不必要的法律纠纷和争议。",
    ],
)
def test_real_sentences_that_mention_the_words_stay(sentence: str) -> None:
    cleaned = remove_boilerplate(f"{PROSE}\n{sentence}\n{PROSE}")
    assert sentence in cleaned.text
    assert cleaned.removed == {}


def test_related_list_cuts_the_rest_only_near_the_end() -> None:
    related = "相关推荐\n淘宝客服催付话术\n欠信用卡30多万无力偿还要判刑吗"
    cleaned = remove_boilerplate(f"{PROSE}\n{related}")
    assert cleaned.text == PROSE
    assert cleaned.removed == {"related": 3}
    early = remove_boilerplate(f"相关推荐\n{PROSE}")
    assert BODY in early.text and "related" not in early.removed


def test_table_of_contents_repeated_above_the_body_goes() -> None:
    headings = ["一、背景和意义", "二、基本流程", "三、实施与挑战", "四、优势与风险"]
    text = "\n".join([*headings, *[f"{h}\n{BODY}" for h in headings]])
    cleaned = remove_boilerplate(text)
    assert cleaned.removed == {"toc-repeat": 4}
    for heading in headings:
        assert cleaned.text.count(heading) == 1
    assert cleaned.text.count(BODY) == 4


def test_title_and_repeated_caption_lines_go() -> None:
    title = "微粒贷 怎么处理上门情况"
    text = f"{BODY}\n微粒贷     怎么处理上门情况\n{BODY}\n图为催收现场\n{BODY}\n图为催收现场"
    cleaned = remove_boilerplate(text, title=title)
    assert "怎么处理上门情况" not in cleaned.text
    assert cleaned.text.count("图为催收现场") == 1
    assert cleaned.removed == {"title-repeat": 1, "caption-repeat": 1}


def test_byline_at_the_top_goes_but_dated_sentences_stay() -> None:
    dated = "2024年12月10日，微粒贷发布公告称将规范第三方催收行为，严禁暴力催收和骚扰联系人。"
    cleaned = remove_boilerplate(f"工商银行 2023-12-28 01:08:58\n{dated}\n{PROSE}")
    assert cleaned.removed == {"byline": 1}
    assert dated in cleaned.text


def test_every_rule_has_a_name_patterns_and_an_action() -> None:
    rules = load_rules()
    names = [rule.name for rule in rules]
    assert len(names) == len(set(names))
    assert all(rule.patterns and rule.max_chars > 0 for rule in rules)


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.stem[:3])
def test_seed_pages_lose_their_boilerplate_and_keep_their_body(seed: object) -> None:
    text = seed.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    cleaned = remove_boilerplate(text)
    for marker in (
        "打赏",
        "上一篇",
        "相关推荐",
        "来源链接",
        "本文链接",
        "扫描二维码",
        "ICP备",
        "责任编辑",
        "字体:",
        "版权声明",
        "免责声明",
        "All Rights Reserved",
        "友情链接",
    ):
        assert marker not in cleaned.text, marker
    assert sum(cleaned.removed.values()) >= 3
    first_half = text[: len(text) // 2].splitlines()
    body = [line.strip() for line in first_half if len(line.strip()) >= 60][:3]
    assert body
    for paragraph in body:
        assert paragraph in cleaned.text
