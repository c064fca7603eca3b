"""Page structures no single extractor reads: forum threads with user cards, blog archives of
whole posts, news feeds of several stories, articles only in JSON-LD.

The benchmark floors (tests/test_extract_benchmarks.py) measure these on real pages; here each
rule is checked on a small page built for it, with a page it must leave alone beside it.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from cleaning.extract.candidates import parse_document
from cleaning.extract.headlines import StoryMap, off_story
from cleaning.extract.main_text import (
    DEFAULT_CONFIG,
    FIRST_POST,
    STRUCTURED,
    Rejection,
    extract,
    whole_thread,
)
from cleaning.extract.pagetype import ARTICLE, FORUM, page_type
from cleaning.extract.scoring import shingle_overlap
from cleaning.extract.threads import thread_text
from cleaning.records import ArticleRecord

FETCHED_AT = datetime(2025, 6, 1)
NAV = "<nav><a href='/'>首页</a><a href='/news'>新闻</a><a href='/law'>法律</a></nav>"

QUESTION = (
    "网贷逾期三个月了，催收说要上门家访，还说要联系我的单位和通讯录里的人，这种情况是真的吗？"
)
ANSWERS = [
    "一般不会真的上门，第三方催收上门的成本很高，大多数只是在电话里吓唬一下，不必太紧张。",
    "我之前也遇到过，后来主动联系平台协商分期还款，说明了收入情况，催收电话就少了很多。",
    "记得保留通话录音和短信截图，如果催收骚扰家人朋友，可以向银保监会和互金协会投诉。",
]


def _extract(html: str, url: str) -> ArticleRecord:
    found = extract(html, url, FETCHED_AT)
    assert isinstance(found, ArticleRecord), found
    return found


def _thread_page() -> str:
    """A Discuz-like thread: every post sits in a card with the user's name, rank and floor."""
    posts = [QUESTION, *ANSWERS]
    cards = "".join(
        f'<div class="post-item"><div class="user-card"><a class="uname" href="/u/{n}">'
        f'用户{n}号</a><span class="rank">中级粉丝</span></div>'
        f'<div class="post-content"><p>{text}</p></div>'
        f'<div class="post-foot">{n + 1}楼 2024-05-0{n + 1} 12:0{n} 回复</div></div>'
        for n, text in enumerate(posts)
    )
    return (
        "<html><head><title>催收说要上门家访是真的吗？_债务论坛</title></head><body>"
        f"{NAV}<h1>催收说要上门家访是真的吗？</h1><div class='stream'>{cards}</div>"
        "<footer>关于我们 | 联系我们</footer></body></html>"
    )


def test_thread_text_is_every_post_without_the_user_cards() -> None:
    tree = parse_document(_thread_page())
    assert tree is not None
    assert thread_text(tree).splitlines() == [QUESTION, *ANSWERS]


def test_the_thread_replaces_a_first_post_or_a_stub_but_not_a_different_text() -> None:
    thread = "\n".join([QUESTION, *ANSWERS])
    assert whole_thread(QUESTION, thread, DEFAULT_CONFIG)
    assert whole_thread("豆瓣 导演: 徐誉庭 类型: 剧情", thread, DEFAULT_CONFIG)
    assert not whole_thread(thread, thread, DEFAULT_CONFIG)
    assert not whole_thread("……", "", DEFAULT_CONFIG)
    elsewhere = "本站是一个讨论个人债务问题的社区，欢迎大家分享经验，互相帮助，理性发言。" * 2
    assert not whole_thread(elsewhere, thread, DEFAULT_CONFIG)


def test_a_thread_keeps_its_title_question_and_every_answer_without_user_cards() -> None:
    found = _extract(_thread_page(), "http://bbs.example.cn/thread-7-1.html")
    lines = found.text.splitlines()
    assert lines[0] == "催收说要上门家访是真的吗？"
    for text in (QUESTION, *ANSWERS):
        assert text in found.text
    for card in ("中级粉丝", "用户2号", "回复"):
        assert card not in found.text
    # every reply is also a comment row with its author and time; the question is not
    assert [c.text for c in found.comments] == ANSWERS
    assert [c.author for c in found.comments] == [f"用户{n}号" for n in range(1, len(ANSWERS) + 1)]
    assert found.comments[0].posted_at == datetime(2024, 5, 2, 12, 1)


def _archive_page(posts: list[str]) -> str:
    entries = "".join(
        f"<table><tr><td class='post-title'><a href='/p/{n}'>第{n}篇日志</a></td></tr>"
        f"<tr><td class='post-body'>{text}</td></tr></table>"
        for n, text in enumerate(posts)
    )
    return f"<html><head><title>海姑娘的博客</title></head><body>{NAV}{entries}</body></html>"


ARCHIVE_POSTS = [
    "今天去了巴拉臘特，这里是当年澳大利亚发现第一块天然黄金的地方。" * 8,
    "头发留得很长很长了，每天总是花很多时间去梳头、去洗头，以前总为一头长发骄傲。" * 9,
    "想想十多年前刚来的时候，没有中文报纸，也没有网络，只能听广播，现在多幸福啊。" * 30,
]


def test_a_blog_archive_of_whole_posts_gives_its_first_post() -> None:
    found = _extract(_archive_page(ARCHIVE_POSTS), "http://blog.example.com/archives?m=200503")
    assert found.extractor.startswith(f"{FIRST_POST}+")
    assert ARCHIVE_POSTS[0][:40] in found.text
    assert ARCHIVE_POSTS[2][:40] not in found.text


def test_a_page_with_one_post_body_is_an_ordinary_article() -> None:
    found = _extract(_archive_page(ARCHIVE_POSTS[2:]), "http://blog.example.com/p/2")
    assert not found.extractor.startswith(FIRST_POST)
    assert ARCHIVE_POSTS[2][:40] in found.text


SHORT_STORY = (
    "据新华社报道，某市金融监管局今天通报了三起暴力催收案件，涉事的两家第三方催收公司已被"
    "责令停业整顿，相关责任人员移送公安机关处理。"
)
LONG_STORY = "歌手在春晚一炮而红，此后多年很少露面，观众都以为他隐退了，其实他早已离开了舞台。" * 12


def _feed_page() -> str:
    """The article, then the next story of the feed under its own headline (longer)."""
    return (
        "<html><head><title>金融监管局通报三起暴力催收案件_快资讯</title></head><body>"
        f"{NAV}<div class='feed'>"
        f"<div class='story'><h1>金融监管局通报三起暴力催收案件</h1><p>{SHORT_STORY}</p></div>"
        f"<div class='story'><h1>31岁在春晚一炮而红，观众都以为他隐退了</h1>"
        f"<p>{LONG_STORY}</p></div></div></body></html>"
    )


def test_texts_of_other_stories_in_a_feed_are_set_aside() -> None:
    tree = parse_document(_feed_page())
    assert tree is not None
    stories = StoryMap(tree)
    assert stories.has_other_stories
    own = f"金融监管局通报三起暴力催收案件\n{SHORT_STORY}"
    runs_on = f"{own}\n31岁在春晚一炮而红，观众都以为他隐退了\n{LONG_STORY}"
    texts = {"own": own, "next": LONG_STORY, "runs-on": runs_on}
    assert off_story(stories, texts) == {"next", "runs-on"}
    # without a text that keeps to its own story, one that runs on is still the best there is
    assert off_story(stories, {"next": LONG_STORY, "runs-on": runs_on}) == {"next"}


def test_a_page_with_one_headline_sets_nothing_aside() -> None:
    tree = parse_document(
        f"<html><head><title>标题一二三四五六七</title></head><body>"
        f"<h1>标题一二三四五六七</h1><p>{SHORT_STORY}</p></body></html>"
    )
    assert tree is not None
    assert off_story(StoryMap(tree), {"a": SHORT_STORY, "b": LONG_STORY}) == set()


JSONLD_STORY = (
    "路透月度调查显示，日本企业信心五月保持稳定，但制造业及服务业反映，日圆疲弱带来的通胀压力"
    "正损害利润，企业面对原材料价格、劳动力及电费等成本上升。调查显示，五月制造业景气判断指数"
    "维持于正九，未来三个月预计略有改善；非制造业景气判断指数微升至正二十六，比前月高一点。"
)
FEED_ITEMS = [
    "最新港产片热播，好评如潮，不少人建议政府复刻电影中的城寨场景作为旅游景点，吸引游客。",
    "近日日元低位徘徊，吸引不少港人兑换日元储定弹药去日本旅行，我们比较了多间找换店的价格。",
    "评级机构再次下调某房企评级，长期外币及本地货币发行人违约评级由BB+下调至BB-，展望负面。",
]


def _script_rendered_page(description: str) -> str:
    """The article's body is rendered by a script; the HTML holds other stories."""
    data = {
        "@context": "http://schema.org",
        "@type": "NewsArticle",
        "headline": "日本企业五月信心保持稳定 但日圆疲弱推高成本损害利润",
        "description": description,
    }
    items = "".join(f"<li><p>{text}</p><span>AASTOCKS·8 小时前</span></li>" for text in FEED_ITEMS)
    return (
        "<html><head><title>日本企业五月信心保持稳定 但日圆疲弱推高成本损害利润</title>"
        f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
        f"</head><body>{NAV}<h1>日本企业五月信心保持稳定 但日圆疲弱推高成本损害利润</h1>"
        f"<div id='app'></div><ul class='stream'>{items}</ul></body></html>"
    )


def test_an_article_found_only_in_json_ld_is_taken_from_there() -> None:
    found = _extract(_script_rendered_page(JSONLD_STORY), "http://hk.example.com/news/1.html")
    assert found.extractor.startswith(f"{STRUCTURED}+")
    assert found.text == JSONLD_STORY


def test_a_summary_in_json_ld_does_not_replace_the_visible_article() -> None:
    body = "".join(f"<p>{JSONLD_STORY[:60]}{n}{SHORT_STORY}</p>" for n in range(3))
    data = {"@type": "NewsArticle", "headline": "企业信心", "description": JSONLD_STORY}
    html = (
        f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body>{NAV}<article>{body}</article></body></html>"
    )
    found = _extract(html, "http://news.example.cn/b/1.html")
    assert not found.extractor.startswith(STRUCTURED)
    assert SHORT_STORY in found.text


def test_a_page_with_a_short_json_ld_teaser_and_other_stories_is_no_article() -> None:
    """The article is script-rendered and its JSON-LD holds only a teaser: the visible text
    is three other stories' teasers, which must not become the article."""
    found = extract(_script_rendered_page("日本企业信心保持稳定。"), "http://x.hk/2", FETCHED_AT)
    assert found == Rejection("list-page")


def test_the_teaser_guard_needs_a_declared_article() -> None:
    """Without JSON-LD declaring an article, a short text that does not repeat its headline
    stays: many short notices tell their story in other words."""
    body = "".join(f"<p>{text}</p>" for text in FEED_ITEMS)
    html = (
        "<html><head><title>日本企业五月信心保持稳定 但日圆疲弱推高成本损害利润</title></head>"
        f"<body>{NAV}<h1>日本企业五月信心保持稳定 但日圆疲弱推高成本损害利润</h1>"
        f"<article>{body}</article></body></html>"
    )
    found = _extract(html, "http://hk.example.com/news/3.html")
    assert all(text in found.text for text in FEED_ITEMS)


def test_shingle_overlap_counts_runs_of_characters() -> None:
    assert shingle_overlap("暴力催收案件通报", "今天通报了暴力催收案件通报情况", 4) == 1.0
    assert shingle_overlap("暴力催收案件通报", "完全无关的一段文字内容", 4) == 0.0
    assert shingle_overlap("短", "短", 4) == 0.0


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://movie.douban.com/subject/36151693/comments?status=P", FORUM),
        ("http://bbs.example.cn/thread-7-1.html", FORUM),
        ("https://zhidao.example.com/question/123.html", FORUM),
        ("http://law.example.cn/a/comments", FORUM),
        ("http://law.example.cn/news/comments-policy.html", ARTICLE),
        ("http://law.example.cn/a/123.html", ARTICLE),
    ],
)
def test_comment_listings_and_threads_are_forum_pages_by_url(url: str, kind: str) -> None:
    assert page_type("<html><body><p>正文</p></body></html>", url) == kind
