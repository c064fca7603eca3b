"""crawler.link_extractor finds the links Scrapy's extractor finds, page after page."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler.link_extractor import MEMO_SIZE, MemoLinkExtractor

HREFS = [
    "/a/b",
    "  /x y/ ",
    "http://127.0.0.1/gen/1.html",
    "https://h/é",
    "//other/x",
    "../up",
    "rel.html",
    "?q=1",
    "#frag",
    "javascript:void(0)",
    "mailto:a@b",
    "http:foo",
    "/./a/../b",
    "/%E4%BD%A0",
    "/你好?q=中文",
    "http://[bad",
    "HTTP://Up/Case",
    "",
    " ",
    "ftp://x/y",
    "https://h:99999/x",
]
PAGES = ["http://127.0.0.1/p/q.html", "https://127.0.0.1:8080/z/", "http://127.0.0.1/other/"]
BASES = ["", "<base href='http://other.example/dir/'>", "<base href='/sub/'>"]


def page(url: str, base: str, encoding: str, hrefs: list[str]) -> HtmlResponse:
    anchors = "".join(
        f'<a href="{href}" rel="nofollow">链接 {i}</a><area href="{href}">'
        for i, href in enumerate(hrefs)
    )
    head = f"<head><meta charset='{encoding}'>{base}</head>"
    body = f"<html>{head}<body>{anchors}</body></html>".encode(encoding)
    return HtmlResponse(url, body=body, encoding=encoding)


def facts(links: list) -> list[tuple[str, str, bool, str]]:
    return [(link.url, link.text, link.nofollow, link.fragment) for link in links]


@pytest.mark.parametrize(
    "arguments", [{"deny_extensions": []}, {"allow": [r"/gen/"], "deny": [r"x"]}, {}]
)
def test_same_links_as_scrapy_on_every_page(arguments: dict) -> None:
    scrapy_links, memo_links = LinkExtractor(**arguments), MemoLinkExtractor(**arguments)
    for rotation in range(3):  # the same links again, in other orders, on other pages
        hrefs = HREFS[rotation:] + HREFS[:rotation]
        for url in PAGES:
            for base in BASES:
                for encoding in ("utf-8", "gb18030"):
                    expected = scrapy_links.extract_links(page(url, base, encoding, hrefs))
                    found = memo_links.extract_links(page(url, base, encoding, hrefs))
                    assert facts(found) == facts(expected), (url, base, encoding)
    assert memo_links.link_extractor.memo  # the origin-relative links were remembered


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crawler.link_extractor.MEMO_SIZE", 5)
    memo_links = MemoLinkExtractor(deny_extensions=[])
    hrefs = [f"/page/{i}" for i in range(12)]
    links = memo_links.extract_links(page(PAGES[0], "", "utf-8", hrefs))
    assert [link.url for link in links] == [f"http://127.0.0.1/page/{i}" for i in range(12)]
    assert len(memo_links.link_extractor.memo) <= 5 < MEMO_SIZE
