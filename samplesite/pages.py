"""Every static page of the sample server, rendered once at start-up into bytes with headers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote
from xml.sax.saxutils import escape as xml_escape

from samplesite.content import Article, load_articles
from samplesite.sites import SITES, SiteInfo, list_path
from samplesite.templates import TEMPLATES
from samplesite.templates.common import SiteView, esc
from samplesite.variants import VARIANTS

SHANGHAI = timezone(timedelta(hours=8))
ROBOTS_DISALLOW = ("/wp/private/", "/_control/")


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes
    last_modified: float | None = None  # seconds since the epoch
    etag: str | None = None
    extra_headers: tuple[tuple[str, str], ...] = ()


def make_page(
    status: int, content_type: str, body: bytes, last_modified: float | None = None
) -> Page:
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    return Page(status, content_type, body, last_modified, etag)


def published_epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).replace(tzinfo=SHANGHAI).timestamp()


def html_page(
    text: str, encoding: str, header_charset: str | None, last_modified: float | None
) -> Page:
    """Encode a rendered page; characters the codec lacks become numeric references, as CMSes do."""
    content_type = f"text/html; charset={header_charset}" if header_charset else "text/html"
    body = text.encode(encoding, errors="xmlcharrefreplace")
    return make_page(200, content_type, body, last_modified)


def site_views(
    base_url: str, articles: list[Article], variant: str = "default"
) -> dict[str, SiteView]:
    """One view per site, holding the site's articles (those under its prefix), newest first."""
    views = {}
    for key, info in SITES.items():
        own = [a for a in articles if a.site == key and a.path.startswith(f"/{key}/")]
        own.sort(key=lambda a: a.published, reverse=True)
        views[key] = SiteView(info, base_url, tuple(own), variant)
    return views


def render_article(view: SiteView, article: Article, last_modified: float | None = None) -> Page:
    text = VARIANTS[view.variant](TEMPLATES[article.site].article_page(view, article))
    stamp = last_modified if last_modified is not None else published_epoch(article.published)
    return html_page(text, article.encoding, article.header_charset, stamp)


def _list_pages(
    view: SiteView, kind: str, key: str, heading: str, items: list[Article]
) -> dict[str, Page]:
    info: SiteInfo = view.info
    pages_total = max(1, -(-len(items) // info.per_page))
    newest = max((published_epoch(a.published) for a in items), default=None)
    header = info.encoding if info.header_charset else None
    pages = {}
    for number in range(1, pages_total + 1):
        chunk = items[(number - 1) * info.per_page : number * info.per_page]
        text = TEMPLATES[info.key].list_page(view, heading, chunk, number, pages_total, kind, key)
        text = VARIANTS[view.variant](text)
        pages[unquote(list_path(info.key, kind, key, number))] = html_page(
            text, info.encoding, header, newest
        )
    return pages


def site_lists(view: SiteView) -> dict[str, Page]:
    """Index, category and tag list pages of one site, with pagination."""
    articles = list(view.articles)
    pages = _list_pages(view, "index", "", view.info.name, articles)
    for category in view.info.categories:
        chosen = [a for a in articles if a.category == category]
        pages.update(_list_pages(view, "category", category, category, chosen))
    for tag, _count in view.tags():
        chosen = [a for a in articles if tag in a.tags]
        pages.update(_list_pages(view, "tag", tag, f"标签:{tag}", chosen))
    return pages


def robots_txt(base_url: str, generate: int) -> Page:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    lines.append(f"Sitemap: {base_url}/sitemap.xml")
    lines.extend(f"Sitemap: {base_url}/{key}/sitemap.xml" for key in SITES)
    if generate:
        lines.append(f"Sitemap: {base_url}/gen/sitemap.xml")
    return make_page(200, "text/plain; charset=utf-8", ("\n".join(lines) + "\n").encode())


def sitemap_xml(base_url: str, entries: list[tuple[str, str]]) -> Page:
    """A urlset of (path, ISO date) entries."""
    urls = "".join(
        f"<url><loc>{xml_escape(base_url + path)}</loc><lastmod>{iso[:10]}</lastmod></url>\n"
        for path, iso in entries
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    )
    return make_page(200, "application/xml; charset=utf-8", text.encode())


def rss_xml(base_url: str, title: str, link_path: str, articles: list[Article]) -> Page:
    items = []
    for a in articles:
        stamp = datetime.fromisoformat(a.published).replace(tzinfo=SHANGHAI)
        description = a.paragraphs[0] if a.paragraphs else a.title
        items.append(
            f"<item><title>{xml_escape(a.title)}</title>"
            f"<link>{xml_escape(base_url + a.path)}</link>"
            f'<guid isPermaLink="true">{xml_escape(base_url + a.path)}</guid>'
            f"<pubDate>{stamp.strftime('%a, %d %b %Y %H:%M:%S +0800')}</pubDate>"
            f"<author>{xml_escape(a.author)}</author><category>{xml_escape(a.category)}</category>"
            f"<description>{xml_escape(description)}</description></item>\n"
        )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
        f"<title>{xml_escape(title)}</title><link>{xml_escape(base_url + link_path)}</link>"
        f"<description>{xml_escape(title)}最新文章</description><language>zh-CN</language>\n"
        f"{''.join(items)}</channel></rss>\n"
    )
    return make_page(200, "application/rss+xml; charset=utf-8", text.encode())


def root_page(generate: int) -> Page:
    links = [
        f'<li><a href="/{key}/">{esc(info.name)}</a> <span>/{key}/</span></li>'
        for key, info in SITES.items()
    ]
    if generate:
        links.append(f'<li><a href="/gen/">生成站点({generate}篇)</a> <span>/gen/</span></li>')
    text = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>网站导航</title>
<meta name="description" content="催收相关文章示例站点导航"></head>
<body><div class="nav-page"><h1>网站导航</h1><ul class="site-list">{"".join(links)}</ul>
<p class="links"><a href="/sitemap.xml">网站地图</a> | <a href="/rss.xml">RSS</a></p>
</div></body></html>"""
    return html_page(text, "utf-8", "utf-8", None)


def not_found_page() -> Page:
    text = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>404 页面不存在</title></head>
<body><div class="error-404"><h1>404</h1><p>抱歉,您访问的页面不存在或已被删除!</p>
<p><a href="/">返回首页</a></p></div></body></html>"""
    page = html_page(text, "utf-8", "utf-8", None)
    return Page(404, page.content_type, page.body, None, None)


def private_page() -> Page:
    text = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="UTF-8">
<title>会员专区 - 资源分享网</title>
<meta name="robots" content="noindex"></head><body><div class="members"><h1>会员专区</h1>
<p>本页面仅限注册会员访问。会员可下载全部催收应对话术模板、协商还款申请书范本和投诉信模板。</p>
<p>如需开通会员,请联系站长微信。</p></div></body></html>"""
    return html_page(text, "utf-8", "utf-8", None)


def feeds_and_maps(
    base_url: str, articles: list[Article], views: dict[str, SiteView], generate: int
) -> dict[str, Page]:
    pages = {"/robots.txt": robots_txt(base_url, generate)}
    pages["/sitemap.xml"] = sitemap_xml(base_url, [(a.path, a.published) for a in articles])
    for key, view in views.items():
        pages[f"/{key}/sitemap.xml"] = sitemap_xml(
            base_url, [(a.path, a.published) for a in view.articles]
        )
    feed_articles = sorted(
        views["wp"].articles + views["law"].articles, key=lambda a: a.published, reverse=True
    )
    pages["/rss.xml"] = rss_xml(base_url, "资源分享网与合飞律师网", "/", feed_articles)
    pages["/wp/feed/"] = rss_xml(base_url, SITES["wp"].name, "/wp/", list(views["wp"].articles))
    return pages


def build_pages(
    base_url: str, generate: int = 0, variant: str = "default"
) -> tuple[dict[str, Page], dict[str, SiteView]]:
    """All static pages keyed by unquoted URL path (with query for query-string pagers), in
    the template variant `variant` (samplesite.variants)."""
    articles = load_articles()
    views = site_views(base_url, articles, variant)
    pages: dict[str, Page] = {"/": root_page(generate), "/wp/private/members.html": private_page()}
    for article in articles:
        pages[article.path] = render_article(views[article.site], article)
    for view in views.values():
        pages.update(site_lists(view))
    pages.update(feeds_and_maps(base_url, articles, views, generate))
    return pages, views
