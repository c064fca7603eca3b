"""/wp/: a WordPress content-farm blog (seed 000): tip buttons, prev/next, related posts, comments."""

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
    stable_number,
    tag_cloud,
)


def _head(
    view: SiteView,
    title: str,
    description: str,
    keywords: str,
    charset: str | None,
    canonical: str | None = None,
) -> str:
    charset_tag = f'<meta charset="{charset}">' if charset else ""
    canonical_tag = f'<link rel="canonical" href="{esc(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN" class="no-js">
<head>
{charset_tag}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} - {esc(view.info.name)}</title>
{meta_tags(description, keywords)}
<meta property="og:site_name" content="{esc(view.info.name)}">
<meta property="og:type" content="article">
{canonical_tag}
<link rel="stylesheet" id="wp-block-library-css" href="/wp/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2" type="text/css" media="all">
<link rel="alternate" type="application/rss+xml" title="{esc(view.info.name)} &raquo; Feed" href="/rss.xml">
<script type="text/javascript">window._wpemojiSettings = {{"baseUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/14.0.0\\/72x72\\/","ext":".png"}};</script>
</head>"""


def _header(view: SiteView) -> str:
    return f"""<body class="post-template-default single single-post">
<div id="page" class="site">
<header id="masthead" class="site-header header-v2">
<div class="container"><div class="logo"><a href="/wp/" rel="home"><img src="/wp/wp-content/uploads/logo.png" alt="{esc(view.info.name)}"></a></div>
<nav class="navbar"><ul id="menu-main" class="nav-menu"><li class="menu-item current-menu-item"><a href="/wp/">首页</a></li>{category_links(view)}<li class="menu-item"><a href="/">网站导航</a></li></ul></nav>
<div class="search-form"><form method="get" action="/wp/"><input type="text" name="s" placeholder="输入关键词搜索..."><button type="submit">搜索</button></form></div>
</div></header>"""


def _sidebar(view: SiteView) -> str:
    return f"""<aside id="secondary" class="sidebar widget-area">
{ad_block("wp-side-1")}
{hot_list(view)}
{fault_links()}
{tag_cloud(view)}
{ad_block("wp-side-2", 300, 600)}
</aside>"""


def _footer(view: SiteView) -> str:
    return f"""<footer class="footer"><div class="container">
<div class="footer-links"><a href="/wp/">首页</a> | <a href="/wp/private/members.html">会员专区</a> | <a href="/rss.xml">RSS订阅</a> | <a href="/sitemap.xml">网站地图</a></div>
<p class="copyright">Copyright © 2024 {esc(view.info.name)} 版权所有 Powered by WordPress 主题 Justnews</p>
<p class="beian"><a href="https://beian.miit.gov.cn/" rel="nofollow" target="_blank">京ICP备2022031127号-1</a></p>
</div></footer>
<div class="action action-style-0 action-color-0 action-pos-0" style="bottom:20%;"><div class="action-item gotop j-top"><i class="wpcom-icon wi action-item-icon"></i></div></div>
<script type="text/javascript" src="/wp/wp-content/themes/justnews/js/main.js?ver=6.13.5"></script>
</div></body></html>"""


def _related(view: SiteView, article: Article) -> str:
    items = []
    for other in view.others(article, 6):
        items.append(f"""<li class="item"><div class="item-content">
<h4 class="item-title"><a href="{esc(other.path)}" target="_blank" rel="bookmark">{esc(other.title)}</a></h4>
<div class="item-excerpt"><p>{esc(excerpt(other, 120))}</p></div>
<div class="item-meta"><span class="item-meta-li date">{esc(other.published.replace("T", " "))}</span>
<span class="item-meta-li views" title="阅读数"><i class="wpcom-icon wi"></i>{other.views}</span>
<span class="item-meta-li comments"><i class="wpcom-icon wi"></i>0</span></div></div></li>""")
    return f'<div class="entry-related-posts"><h3 class="entry-related-title">相关推荐</h3><ul class="post-loop post-loop-default">{"".join(items)}</ul></div>'


def _prev_next(view: SiteView, article: Article) -> str:
    ordered = sorted(view.articles, key=lambda a: a.published)
    index = next((i for i, a in enumerate(ordered) if a.id == article.id), 0)
    prev_a = ordered[index - 1] if index > 0 else ordered[-1]
    next_a = ordered[index + 1] if index + 1 < len(ordered) else ordered[0]
    return f"""<div class="entry-page">
<div class="entry-page-prev j-lazy"><a href="{esc(prev_a.path)}" title="{esc(prev_a.title)}" rel="prev"><span>{esc(prev_a.title)}</span></a><div class="entry-page-info"><span class="pull-left">&laquo; 上一篇</span><span class="pull-right">{esc(_cn_date(prev_a.published))}</span></div></div>
<div class="entry-page-next j-lazy"><a href="{esc(next_a.path)}" title="{esc(next_a.title)}" rel="next"><span>{esc(next_a.title)}</span></a><div class="entry-page-info"><span class="pull-right">下一篇 &raquo;</span><span class="pull-left">{esc(_cn_date(next_a.published))}</span></div></div>
</div>"""


def _cn_date(iso: str) -> str:
    return f"{int(iso[:4])}年{int(iso[5:7])}月{int(iso[8:10])}日"


def _comments(article: Article) -> str:
    captcha = stable_number(article.id, 1000, 9999)
    return f"""<div id="comments" class="entry-comments">
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">发表回复 <small><a rel="nofollow" id="cancel-comment-reply-link" href="#respond" style="display:none;">取消回复</a></small></h3>
<form action="/wp/wp-comments-post.php" method="post" id="commentform" class="comment-form"><div class="comment-form-comment"><textarea id="comment" name="comment" class="required" rows="4" placeholder="写下你的评论…"></textarea></div>
<div class="comment-form-author"><label for="author">昵称:</label><input id="author" name="author" type="text" value="" size="30"></div>
<div class="comment-form-captcha"><label>验证码:</label><span class="captcha">{captcha}</span><input name="captcha" type="text"></div>
<div class="form-submit"><button name="submit" type="submit" id="submit" class="btn btn-primary btn-xs submit">提交</button></div></form></div>
<h3 class="comments-title"> 评论列表<span>(0条)</span></h3><ul class="comments-list"><li class="comments-empty">暂无评论</li></ul></div>"""


def _byline(view: SiteView, article: Article) -> str:
    return f"""<div class="entry-info">
<span class="vcard"><a class="nickname url fn j-user-card" href="/wp/author/{esc(article.author)}/">{esc(article.author)}</a></span>
<span class="dot">•</span><time class="entry-date published" datetime="{esc(article.published)}+08:00" pubdate>{esc(article.published_text)}</time>
<span class="dot">•</span><a href="{esc(list_path(view.info.key, "category", article.category))}" rel="category tag">{esc(article.category)}</a>
<span class="dot">•</span><span>阅读 {article.views}</span></div>"""


def _tail(view: SiteView, article: Article) -> str:
    """Syndication line, the contribution notice and the tip buttons, all inside the entry."""
    parts = []
    if article.source_url:
        parts.append(
            f'<p class="source-link">{esc(article.source or "")}来源链接:{esc(article.source_url)}</p>'
        )
    parts.append(
        f'<div class="entry-copyright"><p>本文来自{esc(article.author)}投稿,不代表{esc(view.info.name)}立场,'
        f"如若转载,请注明出处:{esc(view.url(article.path))}</p></div>"
    )
    parts.append(
        '<div class="entry-action"><div class="btn-zan" data-id="8206">打赏</div>'
        '<div class="btn-dashang"><span class="dashang-img dashang-wechat"><img src="/wp/wp-content/uploads/wx.png" alt="微信扫一扫">'
        "<span>微信扫一扫</span></span>"
        '<span class="dashang-img dashang-alipay"><img src="/wp/wp-content/uploads/zfb.png" alt="支付宝扫一扫"><span>支付宝扫一扫</span></span></div></div>'
    )
    return "\n".join(parts)


def article_page(view: SiteView, article: Article) -> str:
    tags = "".join(
        f'<a href="{esc(list_path("wp", "tag", t))}" rel="tag">{esc(t)}</a>' for t in article.tags
    )
    description = article.paragraphs[0][:100] if article.paragraphs else article.title
    head = _head(
        view,
        article.title,
        description,
        ",".join(article.tags),
        article.meta_charset,
        view.url(article.path),
    )
    return f"""{head}
{_header(view)}
<div id="wrap"><div class="wrap container">
<ol class="breadcrumb"><li class="home"><a href="/wp/">首页</a></li><li><a href="{esc(list_path("wp", "category", article.category))}">{esc(article.category)}</a></li><li class="active">正文</li></ol>
<main class="main"><article id="post-{article.id}" class="post type-post status-publish format-standard hentry entry">
<div class="entry-main">
<div class="entry-head"><h1 class="entry-title">{esc(article.title)}</h1>
{_byline(view, article)}</div>
{ad_block("wp-content-top", 728, 90)}
<div class="entry-content text-indent">
{body_blocks(article, "h3")}
</div>
{_tail(view, article)}
<div class="entry-footer"><div class="entry-tag">{tags}</div></div>
</div>
{_prev_next(view, article)}
{_related(view, article)}
{_comments(article)}
</article></main>
{_sidebar(view)}
</div></div>
{_footer(view)}"""


def list_page(
    view: SiteView, heading: str, items: list[Article], page: int, pages: int, kind: str, key: str
) -> str:
    entries = "".join(
        f"""<li class="item"><div class="item-img"><a class="item-img-inner" href="{esc(a.path)}" title="{esc(a.title)}"><img width="480" height="300" src="/wp/wp-content/uploads/thumb-{a.id}.jpg" alt="{esc(a.title)}"></a></div>
<div class="item-content"><h2 class="item-title"><a href="{esc(a.path)}" rel="bookmark">{esc(a.title)}</a></h2>
<div class="item-excerpt"><p>{esc(excerpt(a, 110))}</p></div>
<div class="item-meta"><div class="item-meta-li author"><a href="/wp/author/{esc(a.author)}/">{esc(a.author)}</a></div>
<span class="item-meta-li date">{esc(_cn_date(a.published))}</span><span class="item-meta-li views">{a.views}</span></div></div></li>"""
        for a in items
    )
    title = heading if page == 1 else f"{heading} - 第{page}页"
    return f"""{_head(view, title, f"{view.info.name}:{heading}", heading, view.info.meta_charset)}
{_header(view)}
<div id="wrap"><div class="wrap container"><main class="main">
<div class="sec-panel"><div class="sec-panel-head"><h1>{esc(heading)}</h1></div>
<ul class="post-loop post-loop-default cols-0">{entries}</ul>
{pager("wp", kind, key, page, pages)}</div></main>
{_sidebar(view)}
</div></div>
{_footer(view)}"""
