"""/news/: a portal page with a table of contents above the body (seed 002) and JSON-LD."""

from __future__ import annotations

import json

from samplesite.content import Article
from samplesite.templates.common import (
    SiteView,
    ad_block,
    category_links,
    esc,
    excerpt,
    fault_links,
    meta_tags,
    pager,
    stable_number,
    tag_cloud,
)

_FRIEND_LINKS = (
    ("https://www.weather.com.cn/", "中国天气网"),
    ("https://www.kbcmw.com/", "康巴传媒网"),
    ("https://www.szonline.net/", "深圳之窗"),
    ("/faults/empty", "综合资讯"),
    ("/faults/missing", "逾期法律频道"),
    ("https://www.szhome.com/", "家在深圳"),
    ("https://www.laoyou.com/", "老友网"),
    ("https://www.dibao.com/", "地宝网"),
    ("https://www.xmhouse.com/", "厦门房地产联合网"),
    ("https://www.online.sh.cn/", "上海热线"),
)


def _head(
    view: SiteView,
    title: str,
    description: str,
    keywords: str,
    charset: str | None,
    extra: str = "",
) -> str:
    charset_tag = f'<meta charset="{charset}">' if charset else ""
    return f"""<!doctype html>
<html>
<head>
{charset_tag}
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{esc(title)}-{esc(view.info.name)}</title>
{meta_tags(description, keywords)}
<meta name="applicable-device" content="pc,mobile">
<link rel="stylesheet" href="/news/static/css/main.css?v=20231201">
{extra}
</head>"""


def _json_ld(view: SiteView, article: Article) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": f"{article.published}+08:00",
        "author": {"@type": "Organization", "name": article.source or view.info.name},
        "publisher": {"@type": "Organization", "name": view.info.name},
        "mainEntityOfPage": view.url(article.path),
    }
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def _top(view: SiteView) -> str:
    return f"""<body><div class="head-top"><div class="wrap"><a href="/news/" class="logo-s">{esc(view.info.name)}</a>
<ul class="top-menu"><li><a href="/news/">首页</a></li>{category_links(view)}</ul>
<form class="so" action="/news/search" method="get"><input type="text" name="wd" placeholder="搜一搜"><input type="submit" value=""></form></div></div>
<div class="wrap ad-top">{ad_block("news-top", 960, 60)}</div>"""


def _latest_and_random(view: SiteView, article: Article | None) -> str:
    latest = view.articles[:6]
    seed = article.id if article else "list"
    shift = stable_number(seed, 0, max(len(view.articles) - 1, 0))
    randoms = (view.articles[shift:] + view.articles[:shift])[:6]

    def items(rows: tuple[Article, ...]) -> str:
        return "".join(f'<li><a href="{esc(a.path)}">{esc(a.title)}</a></li>' for a in rows)

    return f"""<div class="side-box"><div class="side-tit">最新文章</div><ul class="side-list">{items(latest)}</ul></div>
<div class="side-box"><div class="side-tit">随机看看</div><ul class="side-list">{items(randoms)}</ul></div>"""


def _foot(view: SiteView) -> str:
    friends = " ".join(
        f'<a href="{href}" target="_blank">{esc(name)}</a>' for href, name in _FRIEND_LINKS
    )
    return f"""<div class="footer"><div class="wrap"><p class="domain">szhome.com</p>
<p>{esc(view.info.name)} © 版权所有 <a href="https://beian.miit.gov.cn/" rel="nofollow">粤ICP备2021009096号</a></p>
<div class="flink"><span>友情链接:</span> {friends}</div></div></div>
<script src="/news/static/js/tj.js"></script></body></html>"""


def _toc(article: Article) -> str:
    headings = [block.text for block in article.blocks if block.heading]
    if not headings:
        return ""
    items = "".join(f'<li><a href="#h{i}">{esc(text)}</a></li>' for i, text in enumerate(headings))
    return f'<div class="article-toc"><ul class="toc-list">{items}</ul></div>'


def _body(article: Article) -> str:
    parts = []
    heading_index = 0
    for block in article.blocks:
        if block.heading:
            parts.append(f'<h3 id="h{heading_index}">{esc(block.text)}</h3>')
            heading_index += 1
        else:
            parts.append(f"<p>{esc(block.text)}</p>")
    return "\n".join(parts)


def article_page(view: SiteView, article: Article) -> str:
    description = article.paragraphs[0][:90] if article.paragraphs else article.title
    short_title = article.tags[0] if article.tags else article.category
    return f"""{_head(view, article.title, description, ",".join(article.tags), article.meta_charset, _json_ld(view, article))}
{_top(view)}
<div class="wrap clearfix"><div class="main-l">
<div class="article-box"><h1 class="article-title">{esc(article.title)}</h1>
<div class="article-meta"><span class="src">{esc(article.source or view.info.name)}</span> <span class="time">{esc(article.published_text)}</span></div>
<div class="art-keyword"><span>{esc(short_title)}</span></div>
<div class="art-subtitle">{esc(article.title)}</div>
{_toc(article)}
<div class="article-content">
{_body(article)}
</div>
<div class="statement">{esc(view.info.name)}声明:资讯来源于网络,属作者个人观点,仅供参考。 <a href="/news/tousu.html" rel="nofollow">投诉</a></div>
</div>
{ad_block("news-bottom", 640, 90)}
</div>
<div class="main-r">{_latest_and_random(view, article)}{fault_links("推荐阅读")}{tag_cloud(view, "热词")}{ad_block("news-side")}</div>
</div>
{_foot(view)}"""


def list_page(
    view: SiteView, heading: str, items: list[Article], page: int, pages: int, kind: str, key: str
) -> str:
    entries = "".join(
        f"""<div class="list-item"><a href="{esc(a.path)}" class="list-title">{esc(a.title)}</a>
<p>{esc(excerpt(a, 80))}</p><span class="list-time">{esc(a.published[:10])}</span></div>"""
        for a in items
    )
    return f"""{_head(view, heading, heading, heading, view.info.meta_charset)}
{_top(view)}
<div class="wrap clearfix"><div class="main-l"><div class="crumb"><a href="/news/">首页</a> &gt; {esc(heading)}</div>
<div class="list-box">{entries}</div>
{pager("news", kind, key, page, pages)}</div>
<div class="main-r">{_latest_and_random(view, None)}{fault_links("推荐阅读")}{tag_cloud(view, "热词")}</div></div>
{_foot(view)}"""
