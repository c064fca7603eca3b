"""extract(): whole article text, no boilerplate, comments as records, list pages rejected.

Pages come from the sample site over a real HTTP server; the gold text per article comes
from `samplesite.content.load_articles()`.
"""

from __future__ import annotations

import pickle
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

import pytest

from cleaning.decode import decode_html
from cleaning.extract.main_text import ExtractConfig, Rejection, extract, text_units
from cleaning.extract.scoring import token_f1
from cleaning.records import ArticleRecord
from samplesite.content import Article, load_articles
from tests.boilerplate_markers import BOILERPLATE_MARKERS

FETCHED_AT = datetime(2025, 6, 1)


def fetch(base_url: str, path: str, attempts: int = 2) -> str:
    """A page's decoded HTML; retried once, as a crawler would (one sample page is flaky)."""
    quoted = urllib.parse.quote(path, safe="/:?=&")
    try:
        with urllib.request.urlopen(base_url + quoted, timeout=10) as response:
            body = response.read()
            return decode_html(body, response.headers.get("Content-Type")).text
    except urllib.error.HTTPError as error:
        if error.code < 500 or attempts <= 1:
            raise
        return fetch(base_url, path, attempts - 1)


@pytest.fixture(scope="module")
def extracted(sample_site: str) -> dict[str, tuple[Article, ArticleRecord | Rejection]]:
    found = {}
    for article in load_articles():
        html = fetch(sample_site, article.path)
        found[article.id] = (article, extract(html, sample_site + article.path, FETCHED_AT))
    return found


def test_every_sample_article_is_whole_and_clean(
    extracted: dict[str, tuple[Article, ArticleRecord | Rejection]],
) -> None:
    for article, record in extracted.values():
        assert isinstance(record, ArticleRecord), (article.id, record)
        score = token_f1(record.text, article.gold_text)
        assert score.recall >= 0.97 and score.precision >= 0.97, (article.id, score)
        for marker in BOILERPLATE_MARKERS:
            if marker not in article.gold_text:
                assert marker not in record.text, (article.id, marker)


def test_comments_become_records_with_author_role_and_time(
    extracted: dict[str, tuple[Article, ArticleRecord | Rejection]],
) -> None:
    with_comments = 0
    for article, record in extracted.values():
        assert isinstance(record, ArticleRecord)
        assert len(record.comments) == len(article.comments), article.id
        for gold, found in zip(article.comments, record.comments, strict=True):
            assert found.text == gold.text
            assert (found.author, found.role) == (gold.author, gold.role)
            assert found.posted_at is not None and found.posted_at.date().isoformat() == gold.date
            assert gold.text[:20] not in record.text
        with_comments += bool(article.comments)
    assert with_comments >= 3


def test_boilerplate_counts_are_recorded_by_rule(
    extracted: dict[str, tuple[Article, ArticleRecord | Rejection]],
) -> None:
    counts: dict[str, int] = {}
    for _, record in extracted.values():
        assert isinstance(record, ArticleRecord)
        for rule, count in record.boilerplate_removed.items():
            assert count > 0
            counts[rule] = counts.get(rule, 0) + count
    assert counts, "no boilerplate rule fired on any sample page"


def test_records_name_the_extractor_and_survive_pickling(
    extracted: dict[str, tuple[Article, ArticleRecord | Rejection]],
) -> None:
    _, record = next(iter(extracted.values()))
    assert isinstance(record, ArticleRecord)
    assert record.extractor and record.extractor_version
    assert pickle.loads(pickle.dumps(record)) == record


@pytest.mark.parametrize(
    "path", ["/law/category/jrzw/", "/law/tag/信用卡/", "/portal/", "/wp/"], ids=str
)
def test_list_and_tag_pages_are_rejected(sample_site: str, path: str) -> None:
    found = extract(fetch(sample_site, path), sample_site + path, FETCHED_AT)
    assert isinstance(found, Rejection), path
    assert found.reason in ("list-page", "too-short", "no-main-text")


def test_short_and_empty_pages_are_rejected_with_a_reason() -> None:
    short = "<html><body><div><p>催收电话太多怎么办？</p></div></body></html>"
    assert extract(short, "http://x.cn/a.html", FETCHED_AT) == Rejection("too-short")
    empty = "<html><body><script>var a = 1;</script></body></html>"
    assert extract(empty, "http://x.cn/b.html", FETCHED_AT) == Rejection("no-main-text")


def test_config_sets_the_length_threshold() -> None:
    paragraph = "借款人逾期以后，催收人员会先通过短信和电话提醒，不得使用暴力或者威胁的手段催收。"
    html = f"<html><body><article><p>{paragraph}</p><p>{paragraph}</p></article></body></html>"
    assert isinstance(extract(html, "http://x.cn/c.html", FETCHED_AT), ArticleRecord)
    strict = ExtractConfig(min_text_units=text_units(paragraph) * 3)
    assert extract(html, "http://x.cn/c.html", FETCHED_AT, strict) == Rejection("too-short")


def test_forum_threads_keep_their_replies_in_the_text() -> None:
    posts = [
        ("楼主", "网贷逾期三个月了，催收说要上门家访，这种情况是真的吗？家里人都很担心。"),
        ("2楼", "一般不会真的上门，第三方催收上门的成本很高，大多数只是电话里吓唬一下。"),
        ("3楼", "我之前也遇到过，后来主动联系平台协商分期还款，催收电话就少了很多。"),
        ("4楼", "记得保留通话录音，如果催收骚扰家人朋友，可以向银保监会和互金协会投诉。"),
    ]
    items = "".join(
        f'<div class="post"><div class="floor">{floor}</div><div class="post-body"><p>{text}</p>'
        f"</div></div>"
        for floor, text in posts
    )
    html = f"<html><body><div class='thread'>{items}</div></body></html>"
    found = extract(html, "http://bbs.example.cn/thread-1-1.html", FETCHED_AT)
    assert isinstance(found, ArticleRecord)
    assert found.extractor.endswith("+forum")
    for _, text in posts:
        assert text in found.text
    # the replies are rows of their own too; the question is the article
    assert [comment.text for comment in found.comments] == [text for _, text in posts[1:]]
