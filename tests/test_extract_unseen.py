"""Page kinds that failed on sites the extractor had never seen (issue 18), built the way
real sites build them: a feed of other stories longer than the article, an article full of
links, an article that continues after an ad slot, a disclaimer chosen over the story."""

from __future__ import annotations

from datetime import datetime

from cleaning.extract.candidates import Candidate, Choice, choose
from cleaning.extract.guards import Guards, headline_cover, on_headline, prose_chars
from cleaning.extract.main_text import extract
from cleaning.extract.scoring import token_f1
from cleaning.records import ArticleRecord

FETCHED_AT = datetime(2025, 6, 1)
HEADLINE = "农民工维权绿色通道开通 律师现场讲解讨薪知识"
STORY = [
    "12月6日，蜀山区二里街社区为农民工开设维权绿色通道，及时、高效地提高农民工的维权效率，"
    "降低农民工维权成本，确保农民工的血汗钱得到保障。",
    "社区工作人员介绍，绿色通道开通后，农民工反映的欠薪问题将在三个工作日内受理，"
    "涉及劳动争议的由律师免费代理，社区全程跟踪处理结果。",
    "当天，律师现场给农民工讲解意外伤害赔偿以及讨薪维权等方面的知识，并发放宣传资料两百余份，"
    "不少农民工表示，遇到拖欠工资时终于知道该找谁了。",
]
FEED = [
    f"<li><a href='/news/{n}.html'>{title}</a><span>评论{1000 + n * 37}条</span></li>"
    for n, title in enumerate(
        [
            "日本台湾签署渔权协定 允许台渔民赴钓鱼岛捕鱼",
            "朝鲜称半岛要打核战 今日或发射导弹",
            "广东初三学生向警方提供证据遭报复被枪击",
            "陕西批准5名国军抗战士兵为烈士",
            "北京今冬首场降雪或于周末到来 气温骤降",
            "多地出台新规 严查校外培训机构违规收费",
            "高铁票价调整方案公布 部分线路打折",
            "专家解读最新房地产调控政策的三大信号",
            "网购退货运费险理赔难 消费者如何维权",
            "春运火车票今起开售 购票攻略看这里",
            "多家银行下调存款利率 储户该如何选择",
            "山区孩子的午餐有了着落 爱心企业捐资助学",
        ]
    )
]
NAV = "<div class='nav'>" + "".join(f"<a href='/c/{n}'>频道{n}</a>" for n in range(12)) + "</div>"


def _page(body: str, aside: str = "") -> str:
    return (
        f"<html><head><title>{HEADLINE}_新闻中心_示例网</title></head><body>{NAV}"
        f"<div class='main'><h1>{HEADLINE}</h1>"
        "<div class='info'>2011-12-07 08:30 来源：示例日报</div>"
        f"<div class='content'>{body}</div></div>{aside}"
        "<div class='footer'>Copyright © 2011 示例网 版权所有</div></body></html>"
    )


def _extract(html: str) -> ArticleRecord:
    found = extract(html, "http://news.example.cn/a/1.html", FETCHED_AT)
    assert isinstance(found, ArticleRecord), found
    return found


def test_a_feed_of_other_stories_longer_than_the_article_is_not_kept() -> None:
    feed = f"<div class='hot'><h3>大家都在看</h3><ul>{''.join(FEED)}</ul></div>"
    found = _extract(_page("".join(f"<p>{p}</p>" for p in STORY), feed))
    assert token_f1(found.text, "\n".join(STORY)).f1 >= 0.95
    assert "钓鱼岛" not in found.text and "评论" not in found.text


def test_an_article_continues_after_an_ad_slot() -> None:
    ad = "<div class='ad-slot'><span>广告</span><a href='http://ad.example.com/'>点击领取</a></div>"
    body = f"<p>{STORY[0]}</p>{ad}<p>{STORY[1]}</p><p>{STORY[2]}</p>"
    found = _extract(_page(body))
    for paragraph in STORY:
        assert paragraph in found.text
    assert "点击领取" not in found.text


def test_a_long_article_with_many_links_is_not_a_list_page() -> None:
    """Every term links to a glossary page, as on encyclopaedia-style and law sites."""
    linked = [
        paragraph.replace("农民工", "<a href='/tag/nmg'>农民工</a>").replace(
            "律师", "<a href='/tag/ls'>律师</a>"
        )
        for paragraph in STORY * 3
    ]
    found = _extract(_page("".join(f"<p>{p}</p>" for p in linked)))
    assert token_f1(found.text, "\n".join(STORY * 3)).recall >= 0.95


def test_a_chosen_text_that_never_touches_the_headline_gives_way() -> None:
    disclaimer = (
        "本网所有内容的版权均属于作者或页面内声明的版权人。未经本网的书面许可，任何其他个人或组织"
        "均不得以任何形式将本网的各项资源转载、复制、编辑或发布使用于其他任何场合。"
    )
    story = "\n".join(STORY)
    chosen = Choice(Candidate("density", disclaimer), 0.2, "medoid")
    candidates = (Candidate("trafilatura", disclaimer), Candidate("readability", story))
    assert headline_cover(HEADLINE, disclaimer) < 0.1 <= 0.6 <= headline_cover(HEADLINE, story)
    assert on_headline(chosen, candidates, HEADLINE, Guards()).candidate.text == story


def test_a_story_told_in_other_words_keeps_its_choice() -> None:
    """A body covering a fifth of its headline's character pairs is still the story."""
    chosen = Choice(Candidate("density", STORY[1] + STORY[2]), 0.5, "medoid")
    longer = Candidate("trafilatura", HEADLINE + "\n" + "\n".join(STORY) + "\n".join(FEED))
    assert headline_cover(HEADLINE, chosen.candidate.text) >= 0.1
    assert on_headline(chosen, (longer,), HEADLINE, Guards()) is chosen


def test_english_headlines_are_not_judged_by_character_pairs() -> None:
    chosen = Choice(Candidate("density", "Completely unrelated words here."), 0.2, "medoid")
    other = Candidate("readability", "Migrant workers get a legal aid desk in Hefei.")
    found = on_headline(chosen, (other,), "Migrant workers get a legal aid desk", Guards())
    assert found is chosen


def test_prose_chars_count_only_lines_of_running_text() -> None:
    assert prose_chars("短行。\n" + STORY[0]) == len(STORY[0])
    assert prose_chars("\n".join(["日本台湾签署渔权协定 允许台渔民赴钓鱼岛捕鱼"] * 5)) == 0


def test_the_chosen_text_plus_a_heading_line_is_no_other_story() -> None:
    """A tag page's single excerpt under `标签:X`: the longer candidate only adds the heading."""
    excerpt = STORY[0]
    chosen = Choice(Candidate("density", excerpt), 0.5, "medoid")
    with_heading = Candidate(
        "trafilatura", f"标签:维权绿色通道\n- 农民工维权绿色通道开通 {excerpt}"
    )
    assert on_headline(chosen, (with_heading,), "标签:维权绿色通道开通", Guards()) is chosen


def test_a_caption_that_retells_the_story_is_not_the_article() -> None:
    # the density method picked a photo caption: every token of it is in the body (so it
    # is "inside" by the bag of tokens) and it is all prose, but it retells the story in
    # other words, so it shares few runs of 8 characters with it
    body = (
        "记者今天下午在收费站看到，一起交通事故造成高速以北方向大堵车，车辆排起长龙。\n"
        "交警和司机一起疏导交通，经过努力，五点左右通车，车辆恢复正常行驶。\n"
        "交警说春运期间车流量大，希望司机听从指挥，看清指示牌和路标，千万不能逆行。\n"
        "位置提示：首页 > 新闻频道 > 正文\n相关链接\n字体：大 中 小"
    )
    caption = (
        "（今天下午收费站以北方向一起交通事故造成大堵车，车辆排起长龙，"
        "经过交警和司机努力疏导，五点左右恢复通车。记者）"
    )
    candidates = (Candidate("trafilatura", body), Candidate("density", caption))
    chosen = choose(candidates)
    assert chosen is not None and chosen.candidate.name == "trafilatura"
    # the same part copied out of the body is a nested core and replaces it
    core = "\n".join(body.splitlines()[:2])
    chosen = choose((Candidate("trafilatura", body), Candidate("density", core)))
    assert chosen is not None and chosen.candidate.name == "density"
