"""Edges of the chosen text (issue 18): the rules added for traditional-script pages,
social and submission promos, layout-table header rows and menus; the discord choice;
the feed share judged on the text before boilerplate."""

from __future__ import annotations

from collections import Counter

import pytest

from cleaning.extract.boilerplate import remove_boilerplate
from cleaning.extract.candidates import Candidate, Choice
from cleaning.extract.discord import prose_over_discord
from cleaning.extract.edges import drop_menu_top, drop_table_edges, is_header_row, rule_forms
from cleaning.extract.feeds import drop_feeds

BODY = "微粒贷逾期以后，催收人员一般会先通过短信和电话提醒借款人尽快还款，并说明逾期的后果。"
PROSE = "\n".join([BODY] * 6)
TRADITIONAL_BODY = (
    "微粒貸逾期以後，催收人員一般會先通過短信和電話提醒借款人盡快還款，並說明逾期的後果。"
)


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        # traditional script: the rules see the simplified form
        ("（責任編輯 余淩雲）", "editor-more"),
        ("(內容由新浪北京提供。未經授權，不得轉載。)", "reprint"),
        ("調整字體︰", "font-more"),
        ("新華網雲南頻道版權與免責聲明：", "disclaimer-more"),
        (
            "香港新浪新聞現已開設Facebook專頁，快點到Facebook Like我們的專頁！",
            "social-follow",
        ),
        (
            "新華網湖北頻道誠邀廣大網友投稿，您可以用相機或手機記錄下身邊的感人故事。",
            "solicitation",
        ),
        ("上海滩微博#爆料#或短信爆料15900430043 一经采用最高奖励500元", "solicitation"),
        ("如果你对财经频道有任何意见或建议，请到交流平台反馈。【到微博反馈】", "solicitation"),
        ("电话：021-52921234转641133  传真：021-62677454", "contact-footer"),
        ("信息公告，即刻知道，详情请登录xinpi.stcn.com。", "service-promo"),
        ("(本文来源：中国证券报)", "source-paren"),
        ("网络编辑:贺燕", "editor-more"),
        ("(嵇南涛 编辑)", "editor-more"),
        ("|  |   编辑：王阳   |  |", "editor"),  # a table cell: the bars are taken off
        ("【免责声明】本文仅代表作者本人观点，与和讯网无关。", "disclaimer-more"),
        ("本站所有文章、数据仅供参考，使用前务请仔细阅读法律声明，风险自负", "disclaimer-more"),
        ("《电子公告服务许可证》编号：闽通信互联网 [2008]1 号", "licence"),
        ("圖說：第一名得主東和婦產科家庭醫學診所院長夫婦。", "caption"),
        ("下载地址：http://down.tech.sina.com.cn/3gsoft/download.php?id=6150", "link-line"),
        ("我来说两句", "widget-more"),
    ],
)
def test_each_added_rule_removes_its_line(line: str, rule: str) -> None:
    cleaned = remove_boilerplate(f"{PROSE}\n{line}\n{PROSE}")
    assert line.strip() not in cleaned.text
    assert cleaned.removed == {rule: 1}
    assert cleaned.text.count(BODY) == 12


@pytest.mark.parametrize(
    "sentence",
    [
        "催收公司在Facebook上发布招聘广告，称员工只需打电话就能拿提成，这种说法并不可信。",
        "记者联系了该平台的客服电话，对方表示逾期用户可以申请延期还款，但需要提供证明材料。",
        "律师提醒，借款人收到催收短信后应保存证据，如遇暴力催收可以向当地公安机关报案处理。",
    ],
)
def test_sentences_that_mention_the_words_stay(sentence: str) -> None:
    cleaned = remove_boilerplate(f"{PROSE}\n{sentence}\n{PROSE}")
    assert sentence in cleaned.text
    assert cleaned.removed == {}


def test_traditional_text_keeps_its_own_script() -> None:
    text = "\n".join([TRADITIONAL_BODY] * 3 + ["（責任編輯 余淩雲）"])
    assert rule_forms(["（責任編輯 余淩雲）"]) == ["（责任编辑 余凌云）"]
    assert remove_boilerplate(text).text == "\n".join([TRADITIONAL_BODY] * 3)


def test_layout_table_header_rows_go_at_the_edges_only() -> None:
    figures = "| 年份 | 逾期率 |\n|---|---|\n| 2023 | 1.2% |"
    lines = ["| 國際 | 字型： |  |", "|---|---|---|", BODY, *figures.splitlines(), BODY]
    removed: Counter[str] = Counter()
    assert drop_table_edges(lines, removed) == lines[2:]
    assert removed == {"table-edge": 2}
    assert not is_header_row(f"| {BODY} |")
    # a text made only of short rows is left whole (the rejection step judges it)
    assert drop_table_edges(figures.splitlines(), Counter()) == figures.splitlines()


def test_menu_items_above_the_body_go() -> None:
    removed: Counter[str] = Counter()
    assert drop_menu_top(["- 總覽", "- 即時新聞：", BODY], removed) == [BODY]
    assert removed == {"menu-top": 2}
    one = ["- 總覽", BODY]
    assert drop_menu_top(one, Counter()) == one


def test_most_prose_wins_only_when_no_two_of_three_agree() -> None:
    menu = Candidate("trafilatura", "| 首页 | 国内 | 社会 | 娱乐 |\n| 哈尔滨 齐齐哈尔 牡丹江 |")
    footer = Candidate("readability", "Copyright © 2001-2010 DBW.CN All Rights Reserved.")
    story = Candidate("density", PROSE)
    choice = Choice(menu, 0.1, "medoid")
    picked = prose_over_discord(choice, (menu, footer, story))
    assert picked.candidate is story
    # two candidates are not a discord
    assert prose_over_discord(choice, (menu, story)) is choice
    # two of three agreeing: the medoid stands
    agreeing = Candidate("readability", PROSE + "\n" + BODY)
    assert prose_over_discord(choice, (menu, agreeing, story)) is choice


def test_feed_share_is_judged_on_the_text_before_boilerplate() -> None:
    feed = "·希腊债务问题谈判陷入僵局 违约风险提高 ·希腊债务减记谈判破裂 违约风险全面升级"
    titles = {"希腊债务问题谈判陷入僵局违约风险提高", "希腊债务减记谈判破裂违约风险全面升级"}
    short = "借款人应当按时还款，以免逾期。"
    text = f"{short}\n{feed}"
    assert drop_feeds(text, titles) == (text, 0)  # the feed is over half of this text
    # ... but not of the text before boilerplate lines went
    assert drop_feeds(text, titles, whole_chars=3 * len(text)) == (short, 1)
