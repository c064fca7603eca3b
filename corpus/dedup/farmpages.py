"""The labelled farm set as web pages, ingested through the project's cleaner and store.

Each site template wraps the article in its own menus, sidebar and footer; some templates leave
their footer menu inside the article body (as sloppy farm markup does), so it survives
extraction. Dates are shown the way such sites show them (a meta tag and a visible line), or not
at all. Pages are ingested in a shuffled order, so first-seen times say nothing about who copied.
"""

from __future__ import annotations

import html
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from corpus.dedup.farmset import FarmPage, FarmSet
from corpus.fetches import FetchedPage
from corpus.ingest import clean_fetched, store_fetch
from corpus.models import Article
from corpus.progress import progress
from corpus.store import Store

FOOTERS = (
    "关于我们 | 联系我们 | 免责声明 | 网站地图",
    "首页 | 关于本站 | 广告合作 | 意见反馈 | 隐私政策",
    "网站首页 · 法律咨询 · 债务重组 · 联系方式",
)
MENU = ("首页", "资讯", "法律", "债务", "信用卡", "网贷", "专题")


def render(page: FarmPage, related: list[str]) -> str:
    """The page's HTML in its site's template."""
    footer = FOOTERS[page.template % len(FOOTERS)]
    leftover = page.template % 3 == 1
    body = [*page.head_lines, *page.paragraphs, *page.tail_lines]
    if leftover:
        body.append(footer)
    escape = html.escape
    date_meta, date_line = "", ""
    if page.published:
        stamp = page.published.strftime("%Y-%m-%d %H:%M")
        date_meta = (
            f'<meta property="article:published_time" content="{page.published.isoformat()}">'
        )
        date_line = f'<div class="info">发布时间：{stamp}　来源：{escape(page.site_name)}</div>'
    menu = " ".join(f'<a href="/{i}/">{name}</a>' for i, name in enumerate(MENU))
    links = "".join(
        f'<li><a href="/r/{i}.html">{escape(t)}</a></li>' for i, t in enumerate(related)
    )
    paragraphs = "\n".join(f"<p>{escape(line)}</p>" for line in body)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{escape(page.title)}_{escape(page.site_name)}</title>
<meta property="og:site_name" content="{escape(page.site_name)}">{date_meta}
</head><body><div class="header"><div class="logo">{escape(page.site_name)}</div>
<div class="nav">{menu}</div></div>
<div class="main"><div class="article"><h1>{escape(page.title)}</h1>{date_line}
<div class="content">
{paragraphs}
</div></div>
<div class="sidebar"><h3>热门文章</h3><ul>{links}</ul></div></div>
<div class="footer"><p>{footer}</p><p>Copyright © 2024 {escape(page.site_name)} 版权所有
京ICP备{1000 + page.template}号</p></div></body></html>"""


def ingest_farm_set(farm_set: FarmSet, store: Store, seed: int = 3) -> dict[str, int]:
    """Clean and store every page as the crawler would; page key -> article id."""
    rng = random.Random(seed)
    pages = list(farm_set.pages)
    rng.shuffle(pages)
    titles = [page.title for page in farm_set.pages]
    started = datetime(2026, 11, 1, tzinfo=UTC)
    for number, page in enumerate(progress(pages, len(pages), "storing the farm pages")):
        fetched = FetchedPage(
            url=page.url,
            final_url=page.url,
            status=200,
            headers={"content-type": "text/html; charset=utf-8"},
            body=render(page, rng.sample(titles, 5)).encode("utf-8"),
            fetched_at=started + timedelta(minutes=number),
        )
        store_fetch(store, fetched, clean_fetched(fetched))
    with store.session() as session:
        by_url = dict(session.execute(select(Article.url, Article.id)).all())
    return {page.key: by_url[page.url] for page in farm_set.pages if page.url in by_url}
