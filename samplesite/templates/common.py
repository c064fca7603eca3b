"""Pieces every template uses: the site view, escaping, ads, hot lists, tag clouds, pagers."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from html import escape

from samplesite.content import Article
from samplesite.sites import SiteInfo, list_path

# Links every site carries somewhere in its chrome, so a crawler meets the faults.
FAULT_LINKS: tuple[tuple[str, str], ...] = (
    ("/faults/flaky", "催收员冒充律师发律师函是真的吗"),
    ("/faults/slow", "被催收威胁怎么取证?一文讲清"),
    ("/faults/redirect", "逾期专题:网贷逾期全攻略"),
    ("/faults/missing", "2023年催收新规解读(已删除)"),
    ("/faults/empty", "综合资讯:本周金融要闻"),
    ("/faults/report.pdf", "下载:2024年个人债务催收行业报告(PDF)"),
)


@dataclass(frozen=True)
class SiteView:
    """What a template needs besides the article: the site, its articles, the base URL."""

    info: SiteInfo
    base_url: str  # scheme://host:port, no trailing slash
    articles: tuple[Article, ...]  # this site's articles, newest first
    variant: str = "default"  # the template variant served (samplesite.variants)

    def url(self, path: str) -> str:
        return self.base_url + path

    def others(self, article: Article, count: int) -> list[Article]:
        """Articles to show as related: same category first, then the newest."""
        pool = sorted(
            (a for a in self.articles if a.id != article.id),
            key=lambda a: a.published,
            reverse=True,
        )
        pool.sort(key=lambda a: a.category != article.category)  # stable: newest within each
        return pool[:count]

    def hot(self, count: int) -> list[Article]:
        return sorted(self.articles, key=lambda a: -a.views)[:count]

    def tags(self) -> list[tuple[str, int]]:
        counts = Counter(tag for article in self.articles for tag in article.tags)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def esc(text: str) -> str:
    return escape(text, quote=True)


def excerpt(article: Article, length: int) -> str:
    """The first `length` characters of the body, as list pages and related blocks show it."""
    text = " ".join(block.text for block in article.blocks if not block.heading)
    return text[:length]


def stable_number(seed: str, low: int, high: int) -> int:
    """A number in [low, high] that is the same on every run (view counts, ad ids)."""
    digest = hashlib.md5(seed.encode("utf-8")).hexdigest()
    return low + int(digest[:8], 16) % (high - low + 1)


def ad_block(slot: str, width: int = 300, height: int = 250) -> str:
    ad_id = stable_number(slot, 1000, 9999)
    return (
        f'<div class="ad ad-{esc(slot)} adsbygoogle-wrap" data-ad-slot="{ad_id}">'
        f'<span class="ad-label">广告</span>'
        f'<a href="https://ad.example-union.cn/click?id={ad_id}" target="_blank" rel="nofollow">'
        f'<img src="/static/ad/{ad_id}.jpg" width="{width}" height="{height}" alt="广告"></a>'
        f'<p class="ad-text">急用钱?正规持牌机构,最高可借20万,最快3分钟到账!</p></div>'
    )


def hot_list(view: SiteView, title: str = "热门文章", count: int = 6) -> str:
    items = "".join(
        f'<li><span class="num n{index}">{index}</span><a href="{esc(a.path)}" '
        f'title="{esc(a.title)}">{esc(a.title)}</a></li>'
        for index, a in enumerate(view.hot(count), start=1)
    )
    return f'<div class="widget widget-hot"><h3 class="widget-title">{title}</h3><ul>{items}</ul></div>'


def tag_cloud(view: SiteView, title: str = "标签云") -> str:
    links = "".join(
        f'<a href="{esc(list_path(view.info.key, "tag", tag))}" class="tag-link tag-size-{min(n, 5)}"'
        f' title="{n}个话题">{esc(tag)}</a> '
        for tag, n in view.tags()
    )
    return f'<div class="widget widget_tag_cloud"><h3 class="widget-title">{title}</h3><div class="tagcloud">{links}</div></div>'


def fault_links(title: str = "专题推荐") -> str:
    items = "".join(f'<li><a href="{path}">{esc(text)}</a></li>' for path, text in FAULT_LINKS)
    return (
        f'<div class="widget widget-zt"><h3 class="widget-title">{title}</h3><ul>{items}</ul></div>'
    )


def category_links(view: SiteView) -> str:
    return "".join(
        f'<li class="menu-item"><a href="{esc(list_path(view.info.key, "category", name))}">'
        f"{esc(name)}</a></li>"
        for name in view.info.categories
    )


def pager(site: str, kind: str, key: str, page: int, pages: int) -> str:
    """Numbered pagination with 上一页/下一页, as most Chinese CMS themes render it."""
    if pages <= 1:
        return ""
    parts = []
    if page > 1:
        parts.append(
            f'<a class="prev" href="{esc(list_path(site, kind, key, page - 1))}">上一页</a>'
        )
    for number in range(1, pages + 1):
        if number == page:
            parts.append(f'<span class="current">{number}</span>')
        else:
            parts.append(
                f'<a class="page-numbers" href="{esc(list_path(site, kind, key, number))}">{number}</a>'
            )
    if page < pages:
        parts.append(
            f'<a class="next" href="{esc(list_path(site, kind, key, page + 1))}">下一页</a>'
        )
    return f'<div class="pagination pagebar">{"".join(parts)}</div>'


def meta_tags(description: str, keywords: str) -> str:
    return (
        f'<meta name="keywords" content="{esc(keywords)}">'
        f'<meta name="description" content="{esc(description)}">'
    )


def body_blocks(article: Article, heading_tag: str = "h2", paragraph_class: str = "") -> str:
    """The article body: headings and paragraphs, each its own element."""
    attribute = f' class="{paragraph_class}"' if paragraph_class else ""
    return "\n".join(
        f"<{heading_tag}>{esc(block.text)}</{heading_tag}>"
        if block.heading
        else f"<p{attribute}>{esc(block.text)}</p>"
        for block in article.blocks
    )
