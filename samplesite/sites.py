"""The four sites on the sample server: names, encodings and URL schemes.

Each site lays out its URLs the way its kind of CMS does (WordPress `/page/2/`, a portal's
`index_2.html`, a query-string `?page=2`, a law blog's `list_2.html`), so a crawler's link
rules meet the variety it meets on the web.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class SiteInfo:
    key: str  # path prefix without slashes
    name: str  # the site's own name, shown in headers and footers
    domain: str  # the domain the site pretends to be (shown in copyright lines)
    encoding: str  # codec of its pages' bytes
    header_charset: bool  # whether the Content-Type header names the charset
    meta_charset: str | None  # charset in its <meta> tag
    categories: dict[str, str]  # category name -> URL slug
    per_page: int = 3


SITES: dict[str, SiteInfo] = {
    "wp": SiteInfo(
        key="wp",
        name="资源分享网",
        domain="www.duduzhe.cn",
        encoding="utf-8",
        header_charset=True,
        meta_charset="UTF-8",
        categories={"逾期催收": "cuishou", "网贷知识": "wangdai", "生活百科": "shenghuo"},
    ),
    "portal": SiteInfo(
        key="portal",
        name="2025行业资讯",
        domain="www.hyzx2025.com",
        encoding="gbk",
        header_charset=True,
        meta_charset="gbk",
        categories={"行业资讯": "hangye", "信用卡": "xinyongka", "法律维权": "weiquan"},
    ),
    "news": SiteInfo(
        key="news",
        name="家在深圳",
        domain="www.szhome.com",
        encoding="gbk",
        header_charset=False,
        meta_charset="gbk",
        categories={"金融": "jinrong", "房产": "fangchan", "法治": "fazhi"},
    ),
    "law": SiteInfo(
        key="law",
        name="合飞律师网",
        domain="www.hefeilaws.com",
        encoding="utf-8",
        header_charset=True,
        meta_charset="utf-8",
        categories={"金融债务": "jrzw", "法律问答": "wenda", "刑事辩护": "xingshi"},
    ),
}


def article_path(site: str, slug: str, published: str) -> str:
    """The URL path of an article; `published` is ISO 8601 (portal paths carry the date)."""
    if site == "wp":
        return f"/wp/{slug}.html"
    if site == "portal":
        return f"/portal/{published[:4]}/{published[5:7]}{published[8:10]}/{slug}.html"
    if site == "news":
        return f"/news/a/{slug}.html"
    if site == "law":
        return f"/law/hf/{slug}.html"
    raise ValueError(f"unknown site {site!r}")


def _list_base(site: str, kind: str, key: str) -> str:
    info = SITES[site]
    if kind == "index":
        return f"/{site}/"
    if kind == "category":
        slug = info.categories[key]
        return {"wp": f"/wp/category/{slug}/", "portal": f"/portal/list/{slug}/"}.get(
            site, f"/{site}/c/{slug}/" if site == "news" else f"/law/category/{slug}/"
        )
    if kind == "tag":
        tag = quote(key)
        return {"news": f"/news/t/{tag}/", "portal": f"/portal/tag/{tag}/"}.get(
            site, f"/{site}/tag/{tag}/"
        )
    raise ValueError(f"unknown list kind {kind!r}")


def list_path(site: str, kind: str, key: str = "", page: int = 1) -> str:
    """The URL path of page `page` of a list (kind: index, category or tag)."""
    base = _list_base(site, kind, key)
    if page == 1:
        return base
    if site == "wp":
        return f"{base}page/{page}/"
    if site == "portal":
        return f"{base}index_{page}.html"
    if site == "news":
        return f"{base}?page={page}"
    return f"{base}list_{page}.html"
