"""/portal/: a GBK news portal (seed 001): odd date, 来源, font-size widget, 精彩评论, 责任编辑."""

from __future__ import annotations

from samplesite.content import Article
from samplesite.sites import list_path
from samplesite.templates.common import (
    SiteView,
    ad_block,
    category_links,
    esc,
    excerpt,
    fault_links,
    hot_list,
    meta_tags,
    pager,
    tag_cloud,
)


def _head(view: SiteView, title: str, description: str, keywords: str, charset: str | None) -> str:
    charset_tag = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />'
        if charset
        else ""
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset_tag}
<title>{esc(title)}_{esc(view.info.name)}</title>
{meta_tags(description, keywords)}
<meta http-equiv="Cache-Control" content="no-transform" />
<meta http-equiv="Cache-Control" content="no-siteapp" />
<link href="/portal/skin/css/style.css" rel="stylesheet" type="text/css" />
<script src="/portal/skin/js/jquery-1.8.3.min.js" type="text/javascript"></script>
<script>var _hmt = _hmt || [];(function() {{var hm = document.createElement("script");hm.src = "https://hm.baidu.com/hm.js?3f1b2e";var s = document.getElementsByTagName("script")[0];s.parentNode.insertBefore(hm, s);}})();</script>
</head>"""


def _top(view: SiteView) -> str:
    return f"""<body>
<div class="topbar"><div class="w1200"><span class="fl">欢迎访问{esc(view.info.name)}!</span><span class="fr"><a href="/portal/">设为首页</a> | <a href="/portal/">加入收藏</a> | <a href="/">网站导航</a></span></div></div>
<div class="header w1200"><div class="logo fl"><a href="/portal/"><img src="/portal/skin/images/logo.png" alt="{esc(view.info.name)}" /></a></div>
<div class="search fr"><form action="/portal/search.php" method="get" name="formsearch"><input type="hidden" name="kwtype" value="0" /><input name="q" type="text" class="search-keyword" value="请输入关键字" /><input type="submit" class="search-submit" value="搜索" /></form></div></div>
<div class="nav"><ul class="w1200"><li><a href="/portal/">首页</a></li>{category_links(view)}</ul></div>
<div class="w1200 banner">{ad_block("portal-top", 1200, 90)}</div>"""


def _side(view: SiteView) -> str:
    return f"""<div class="right fr">
{ad_block("portal-side-1")}
{hot_list(view, "24小时热榜", 8)}
{fault_links("专题聚焦")}
<div class="widget"><h3 class="widget-title">报告下载</h3><ul><li><a href="/faults/report.pdf">《2024年个人债务催收行业报告》PDF下载</a></li></ul></div>
{tag_cloud(view, "热门标签")}
</div>"""


def _foot(view: SiteView) -> str:
    return """<div class="footer"><div class="w1200">
<p><a href="/portal/">关于我们</a> | <a href="/portal/">联系方式</a> | <a href="/portal/">广告服务</a> | <a href="/sitemap.xml">网站地图</a> | <a href="/portal/">免责声明</a></p>
<p>Copyright © 2000 - 2023 All Rights Reserved.</p>
<p><a href="https://beian.miit.gov.cn" target="_blank" rel="nofollow">鄂ICP备14010628号-2</a>.</p>
</div></div>
<script type="text/javascript" src="/portal/skin/js/common.js"></script>
</body></html>"""


def _date(iso: str) -> str:
    """The portal's odd date format: `2025 03/ 20 18:19:18`."""
    return f"{iso[:4]} {iso[5:7]}/ {iso[8:10]} {iso[11:19]}"


def _comments(article: Article) -> str:
    if not article.comments:
        return '<div class="pinglun"><div class="pl-title">精彩评论</div><p class="pl-empty">暂无评论,快来抢沙发吧!</p></div>'
    items = "".join(
        f"""<div class="pl-item"><div class="pl-avatar"><img src="/portal/skin/images/avatar.png" alt="头像" />头像</div>
<div class="pl-info"><span class="pl-name">{esc(c.author)}-{esc(c.role)}</span> <span class="pl-time">{esc(c.date)}</span></div>
<div class="pl-text">{esc(c.text)}</div></div>"""
        for c in article.comments
    )
    return f'<div class="pinglun"><div class="pl-title">精彩评论</div>{items}</div>'


def _body(article: Article) -> str:
    """Paragraphs in <p>, headings as bold paragraphs, the title repeated in an image alt."""
    parts = []
    for index, block in enumerate(article.blocks):
        if block.heading:
            parts.append(f'<p style="text-indent:2em;"><strong>{esc(block.text)}</strong></p>')
        else:
            parts.append(f'<p style="text-indent:2em;">{esc(block.text)}</p>')
        if index == 2:
            parts.append(
                f'<p style="text-align:center;"><img src="/portal/uploads/allimg/{article.id}.jpg" alt="{esc(article.title)}" /></p>'
            )
    return "\n".join(parts)


def article_page(view: SiteView, article: Article) -> str:
    source = article.source or article.author
    description = article.paragraphs[0][:80] if article.paragraphs else article.title
    return f"""{_head(view, article.title, description, ",".join(article.tags), article.meta_charset)}
{_top(view)}
<div class="w1200 main clearfix"><div class="left fl">
<div class="position">{esc(view.info.name)} &gt; <a href="{esc(list_path("portal", "category", article.category))}"></a> &gt; 正文</div>
<div class="article">
<div class="info"><span class="time">{esc(article.published_text)}</span>
<span class="source">来源:{esc(source)}</span></div>
<h1 class="title">{esc(article.title)}</h1>
<div class="fontsize">字体:<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a></div>
<div class="content" id="zoom">
{_body(article)}
</div>
<div class="jiucuo"><a href="/portal/jiucuo.html">【纠错】</a> 【责任编辑:{esc(article.author)}】</div>
{ad_block("portal-content-bottom", 760, 90)}
{_comments(article)}
</div></div>
{_side(view)}
</div>
{_foot(view)}"""


def list_page(
    view: SiteView, heading: str, items: list[Article], page: int, pages: int, kind: str, key: str
) -> str:
    entries = "".join(
        f"""<li><h3><a href="{esc(a.path)}" target="_blank">{esc(a.title)}</a></h3>
<p class="intro">{esc(excerpt(a, 90))}...</p><p class="date">{esc(_date(a.published))}</p></li>"""
        for a in items
    )
    return f"""{_head(view, heading, heading, heading, view.info.meta_charset)}
{_top(view)}
<div class="w1200 main clearfix"><div class="left fl">
<div class="position"><a href="/portal/">{esc(view.info.name)}</a> &gt; {esc(heading)}</div>
<ul class="newslist">{entries}</ul>
{pager("portal", kind, key, page, pages)}
</div>
{_side(view)}
</div>
{_foot(view)}"""
