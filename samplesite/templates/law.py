"""/law/: a law-firm blog (seed 003): relative byline, QR-code line, 版权声明, related with '...'."""

from __future__ import annotations

from samplesite.content import Article
from samplesite.sites import list_path
from samplesite.templates.common import (
    SiteView,
    ad_block,
    body_blocks,
    category_links,
    esc,
    excerpt,
    fault_links,
    hot_list,
    meta_tags,
    pager,
    tag_cloud,
)

FIRM = "浙江合飞律师事务所"


def _head(view: SiteView, title: str, description: str, keywords: str, charset: str | None) -> str:
    charset_tag = f'<meta charset="{charset}" />' if charset else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{charset_tag}
<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0" />
<title>{esc(title)} | {esc(view.info.name)}</title>
{meta_tags(description, keywords)}
<meta property="og:site_name" content="{esc(view.info.name)}" />
<meta property="og:title" content="{esc(title)}" />
<link rel="stylesheet" href="/law/zb_users/theme/tpure/style/style.css" type="text/css" media="all" />
<script src="/law/zb_system/script/jquery-2.2.4.min.js"></script>
<script src="/law/zb_system/script/zblogphp.js"></script>
</head>"""


def _header(view: SiteView) -> str:
    return f"""<body class="article"><div class="wrapper">
<div class="header"><div class="wrap"><div class="logo"><a href="/law/"><img src="/law/zb_users/upload/logo.png" alt="{esc(view.info.name)}"></a></div>
<div class="head"><div class="menu"><ul><li class="navbar-item"><a href="/law/" title="首页">首页</a></li>{category_links(view)}<li class="navbar-item"><a href="/law/lawyer.html">律师团队</a></li></ul></div>
<div class="schico statefixed"><form method="post" name="search" action="/law/search.php?act=search"><input type="text" name="q" placeholder="请输入关键词" class="schinput"><button type="submit" class="btn"></button></form></div></div></div></div>"""


def _sidebar(view: SiteView) -> str:
    return f"""<div class="sidebar"><div class="sidebox"><h3 class="sidetitle">律师咨询</h3><div class="sidecon">咨询热线:400-886-2301(9:00-18:00)<br>免费法律咨询,专业律师一对一解答</div></div>
{ad_block("law-side-1")}
{hot_list(view, "热门文章", 8)}
{fault_links("推荐阅读")}
{tag_cloud(view, "标签列表")}
</div>"""


def _footer(view: SiteView) -> str:
    return f"""<div class="footer"><div class="fademask"></div><div class="wrap"><h3>Copyright © 2019-2025 {esc(view.info.name)} 版权所有 <a href="https://beian.miit.gov.cn/" rel="nofollow" target="_blank">浙ICP备19023519号-3</a></h3>
<p>本站内容仅供参考,不构成法律意见。Powered By Z-BlogPHP.</p></div></div>
<a class="backtotop" href="javascript:void(0)"><i></i></a></div></body></html>"""


def _related(view: SiteView, article: Article) -> str:
    items = "".join(
        f"""<li><h4><a href="{esc(a.path)}" title="{esc(a.title)}">{esc(a.title)}</a></h4>
<p>{esc(excerpt(a, 140))}...</p></li>"""
        for a in view.others(article, 6)
    )
    return f'<div class="relate"><h3 class="relatetitle">{esc(article.title)}的相关文章</h3><ul class="relatelist">{items}</ul></div>'


def _answers(article: Article) -> str:
    if not article.comments:
        return ""
    items = "".join(
        f"""<li class="answer"><div class="answer-user"><img src="/law/zb_users/avatar/0.png" alt=""><span class="uname">{esc(c.author)}</span><span class="urole">{esc(c.role)}</span><span class="utime">{esc(c.date)}</span></div>
<div class="answer-text">{esc(c.text)}</div><div class="answer-op"><a href="javascript:;">有用</a> <a href="javascript:;">回复</a></div></li>"""
        for c in article.comments
    )
    return f'<div class="answers"><h3 class="answers-title">共{len(article.comments)}条律师回答</h3><ul>{items}</ul></div>'


def article_page(view: SiteView, article: Article) -> str:
    category_path = list_path("law", "category", article.category)
    description = article.paragraphs[0][:100] if article.paragraphs else article.title
    comment_count = len(article.comments) or article.views % 9
    tags = " ".join(
        f'<a href="{esc(list_path("law", "tag", t))}">{esc(t)}</a>' for t in article.tags
    )
    return f"""{_head(view, article.title, description, ",".join(article.tags), article.meta_charset)}
{_header(view)}
<div class="main"><div class="mask"></div><div class="wrap">
<div class="sitemap">当前位置:<a href="/law/">首页</a> &gt; <a href="{esc(category_path)}">{esc(article.category)}</a> &gt; 正文内容</div>
<div class="content"><div class="block"><div class="post">
<h1>{esc(article.title)}</h1>
<div class="info"><span class="user"><a href="/law/author/1.html">{esc(article.author)}</a></span><span class="date">{esc(article.published_text)}</span><span class="cate"><a href="{esc(category_path)}">{esc(article.category)}</a></span><span class="cmt">{comment_count}</span></div>
<div class="single postcon">
{body_blocks(article, "h2")}
</div>
{_answers(article)}
<div class="qrcode"><img src="/law/qr.php?u={esc(article.slug)}" alt="二维码"><p>扫描二维码推送至手机访问。</p></div>
<div class="copynotice"><p>版权声明:本文由{FIRM}结合法律法规原创并发布,除法院案例栏目内容为公开转载,如无特殊声明均为原创,如需转载请附上来源链接。</p>
<p>本文链接:<a href="{esc(view.url(article.path))}">{esc(view.url(article.path))}</a></p></div>
<div class="tags">标签:{tags}</div>
</div></div>
{ad_block("law-content", 760, 120)}
{_related(view, article)}
</div>
{_sidebar(view)}
</div></div>
{_footer(view)}"""


def list_page(
    view: SiteView, heading: str, items: list[Article], page: int, pages: int, kind: str, key: str
) -> str:
    entries = "".join(
        f"""<div class="item"><h3><a href="{esc(a.path)}" title="{esc(a.title)}">{esc(a.title)}</a></h3>
<div class="intro">{esc(excerpt(a, 120))}...</div><div class="info"><span>{esc(a.author)}</span><span>{esc(a.published_text)}</span><span>{esc(a.category)}</span></div></div>"""
        for a in items
    )
    return f"""{_head(view, heading, heading, heading, view.info.meta_charset)}
{_header(view)}
<div class="main"><div class="wrap"><div class="content">
<div class="sitemap">当前位置:<a href="/law/">首页</a> &gt; {esc(heading)}</div>
<div class="block">{entries}</div>
{pager("law", kind, key, page, pages)}
</div>
{_sidebar(view)}
</div></div>
{_footer(view)}"""
