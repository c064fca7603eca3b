"""Comment widgets become CommentRecords; empty widgets and reply forms yield none."""

from __future__ import annotations

from datetime import datetime

from cleaning.extract.candidates import parse_document
from cleaning.extract.comments import extract_comments, remove_comment_lines
from cleaning.records import CommentRecord

PORTAL = """<html><body><div class="content"><p>正文第一段。</p></div>
<div class="pinglun"><div class="pl-title">精彩评论</div>
<div class="pl-item"><div class="pl-avatar"><img alt="头像">头像</div>
<div class="pl-info"><span class="pl-name">柴如云-法务助理</span>
<span class="pl-time">2025-03-20</span></div>
<div class="pl-text">上门拜访:在必要时,贷款机构可能会安排工作人员前往借款人的住所。</div></div>
<div class="pl-item"><div class="pl-avatar"><img alt="头像">头像</div>
<div class="pl-info"><span class="pl-name">姜可佳-实习律师</span>
<span class="pl-time">2025-03-21 09:15</span></div>
<div class="pl-text">协商还款:如经济能力确实存在问题,可与银行协商还款计划。</div></div>
</div></body></html>"""

EMPTY_WP = """<html><body><article><p>正文。</p></article>
<div id="comments" class="entry-comments">
<div id="respond" class="comment-respond">
<h3 class="comment-reply-title">发表回复 <small><a href="#">取消回复</a></small></h3>
<form class="comment-form"><textarea name="comment" placeholder="写下你的评论…"></textarea>
<label>昵称:</label><input name="author">
<label>验证码:</label><span class="captcha">2163</span></form></div>
<h3 class="comments-title"> 评论列表<span>(0条)</span></h3>
<ul class="comments-list"><li class="comments-empty">暂无评论</li></ul></div>
</body></html>"""

NO_CLASSES_FOR_FIELDS = """<html><body><div class="comment-list">
<div class="c">王律师 2024-12-22 10:00 逾期后不要失联,主动联系平台说明情况。</div>
<div class="c">李律师 2024-12-23 11:30 催收不得在晚上十点后打电话。</div></div></body></html>"""


def comments_of(html: str) -> tuple[CommentRecord, ...]:
    tree = parse_document(html)
    assert tree is not None
    return extract_comments(tree)


def test_portal_comments_have_author_role_time_and_text() -> None:
    found = comments_of(PORTAL)
    assert [(c.author, c.role) for c in found] == [("柴如云", "法务助理"), ("姜可佳", "实习律师")]
    assert found[0].posted_at == datetime(2025, 3, 20)
    assert found[1].posted_at == datetime(2025, 3, 21, 9, 15)
    assert found[1].posted_raw == "2025-03-21 09:15"
    assert found[0].text.startswith("上门拜访")


def test_empty_widget_and_reply_form_yield_no_comments() -> None:
    assert comments_of(EMPTY_WP) == ()


def test_items_without_field_classes_fall_back_to_the_item_text() -> None:
    found = comments_of(NO_CLASSES_FOR_FIELDS)
    assert len(found) == 2
    assert found[0].posted_at == datetime(2024, 12, 22, 10, 0)
    assert "主动联系平台" in found[0].text


def test_comment_lines_leave_the_article_text() -> None:
    found = comments_of(PORTAL)
    text = "正文第一段,讲的是上门催收的规范。\n头像\n柴如云-法务助理 2025-03-20\n" + found[0].text
    kept, removed = remove_comment_lines(text, found)
    assert kept == "正文第一段,讲的是上门催收的规范。\n头像"
    assert removed == 2


def test_a_page_without_a_widget_has_no_comments() -> None:
    assert comments_of("<html><body><p>只有正文。</p></body></html>") == ()
