"""/gen/: N generated article pages for throughput benchmarks, rendered on request.

Article i is assembled from the hand-written articles' paragraphs (lender names and overdue
days varied), rendered with the four site templates in rotation, and is the same on every
run: everything is derived from `random.Random(f"{seed}:{i}")`.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from samplesite.content import Article, Block, load_articles
from samplesite.pages import Page, html_page, make_page, published_epoch, sitemap_xml
from samplesite.sites import SITES
from samplesite.templates import TEMPLATES
from samplesite.templates.common import SiteView, esc

PER_PAGE = 20
TEMPLATE_ROTATION = ("wp", "portal", "news", "law")
LENDERS = (
    "微粒贷",
    "借呗",
    "花呗",
    "京东金条",
    "美团借钱",
    "分期乐",
    "360借条",
    "招联金融",
    "有钱花",
    "安逸花",
    "恒易贷",
    "信用卡",
)
_LENDER_PATTERN = re.compile(
    "|".join(sorted((*LENDERS, "微众银行", "微众信科"), key=len, reverse=True))
)
_DAYS_PATTERN = re.compile(r"逾期(\d+)天")
_TITLE_PATTERNS = (
    "{lender}逾期{days}天会被上门催收吗",
    "{lender}逾期{days}天催收打电话给家人怎么办",
    "{lender}逾期{days}天会起诉吗?后果有哪些",
    "{lender}逾期后第三方催收合法吗,{days}天内如何协商还款",
    "{lender}逾期{days}天上征信吗?催收流程详解",
)
_HEADINGS = ("一、", "二、", "三、", "四、", "五、", "六、")
_HEADING_TOPICS = ("催收方式", "逾期后果", "协商还款", "法律规定", "注意事项", "维权途径")
_MIN_CHARS, _MAX_CHARS = 800, 2000


def _paragraph_pool() -> list[str]:
    articles = [a for a in load_articles() if a.kind == "article" and a.copy_of is None]
    return [p for a in articles for p in a.paragraphs if 40 <= len(p) <= 400]


class GeneratedSite:
    """Answers /gen/ paths for `count` generated articles."""

    def __init__(self, count: int, views: dict[str, SiteView], seed: int = 20250101) -> None:
        self.count = count
        self.views = views
        self.seed = seed
        self.pool = _paragraph_pool()
        self.pages_total = max(1, -(-count // PER_PAGE))
        self.article_page = lru_cache(maxsize=1024)(self._article_page)

    def page(self, path: str) -> Page | None:
        if path == "/gen/sitemap.xml":
            entries = [
                (f"/gen/{i}.html", self.article(i).published) for i in range(1, self.count + 1)
            ]
            return sitemap_xml(self.views["wp"].base_url, entries)
        if path == "/gen/":
            return self.list_page(1)
        match = re.fullmatch(r"/gen/page/(\d+)/", path)
        if match:
            number = int(match.group(1))
            return self.list_page(number) if 1 <= number <= self.pages_total else None
        match = re.fullmatch(r"/gen/(\d+)\.html", path)
        if match and 1 <= int(match.group(1)) <= self.count:
            return self.article_page(int(match.group(1)))
        return None

    def article(self, index: int) -> Article:
        """The generated article number `index` (1-based)."""
        rng = random.Random(f"{self.seed}:{index}")
        lender = rng.choice(LENDERS)
        days = rng.choice((3, 7, 15, 30, 60, 90, 180))
        blocks = self._blocks(rng, lender)
        site = TEMPLATE_ROTATION[index % len(TEMPLATE_ROTATION)]
        info = SITES[site]
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        published = (
            f"2024-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
        )
        return Article(
            id=f"gen-{index}", site=site, slug=str(index), path=f"/gen/{index}.html",
            title=rng.choice(_TITLE_PATTERNS).format(lender=lender, days=days),
            published=published, published_text=published.replace("T", " "),
            author=rng.choice(("管理员", "小编", "法务助理", "合飞律师")),
            source=None, source_url=None,
            category=next(iter(info.categories)), tags=(lender, "逾期催收"),
            views=rng.randint(20, 3000), blocks=blocks, comments=(), copy_of=None, gaps=False,
            kind="article", encoding=info.encoding,
            header_charset=info.encoding if info.header_charset else None,
            meta_charset=info.meta_charset, wrong_charset=False,
        )  # fmt: skip

    def _blocks(self, rng: random.Random, lender: str) -> tuple[Block, ...]:
        """Sections of a heading and 2-4 paragraphs until a target length in [800, 2000]."""
        target = rng.randint(_MIN_CHARS, _MAX_CHARS)
        topics = rng.sample(_HEADING_TOPICS, len(_HEADING_TOPICS))
        blocks: list[Block] = []
        length = 0
        for number, topic in zip(_HEADINGS, topics, strict=True):
            blocks.append(Block(f"{number}{lender}{topic}", heading=True))
            length += len(blocks[-1].text)
            for _paragraph in range(rng.randint(2, 4)):
                text = _vary(rng.choice(self.pool), rng, lender)[: _MAX_CHARS - length]
                blocks.append(Block(text))
                length += len(text)
            if length >= target:
                break
        return tuple(blocks)

    def _article_page(self, index: int) -> Page:
        article = self.article(index)
        text = TEMPLATES[article.site].article_page(self.views[article.site], article)
        return html_page(
            text, article.encoding, article.header_charset, published_epoch(article.published)
        )

    def list_page(self, number: int) -> Page:
        first = (number - 1) * PER_PAGE + 1
        indexes = range(first, min(first + PER_PAGE, self.count + 1))
        items = "".join(
            f'<li><a href="/gen/{i}.html">{esc(self.article(i).title)}</a></li>' for i in indexes
        )
        links = []
        if number > 1:
            links.append(f'<a href="{_list_path(number - 1)}">上一页</a>')
        if number < self.pages_total:
            links.append(f'<a href="{_list_path(number + 1)}">下一页</a>')
        text = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>生成站点 第{number}页</title></head>
<body><div class="list"><h1>生成站点</h1><ul class="articles">{items}</ul>
<div class="pager">{" ".join(links)} <span>共{self.pages_total}页</span></div></div>
</body></html>"""
        return (
            html_page(text, "utf-8", "utf-8", None) if items else make_page(404, "text/html", b"")
        )


def _list_path(number: int) -> str:
    return "/gen/" if number == 1 else f"/gen/page/{number}/"


def _vary(text: str, rng: random.Random, lender: str) -> str:
    """A paragraph with its lender names swapped and its overdue days changed."""
    text = _LENDER_PATTERN.sub(lender, text)
    return _DAYS_PATTERN.sub(lambda _m: f"逾期{rng.choice((3, 5, 7, 15, 30, 60, 90))}天", text)
