"""The faster readability steps (`cleaning.extract.readability_speed`) give readability's own
result: the same summary on pages built to reach each changed step, and the same answer as
readability's serialising test of whether a div holds a block element."""

from __future__ import annotations

import random
import re

import pytest
from lxml.etree import tostring
from readability import Document
from readability.readability import REGEXES

from cleaning.extract.candidates import _TreeDocument, parse_document
from cleaning.extract.readability_speed import (
    READABILITY_CLEAN,
    clean,
    has_long_space,
    holds_block,
)

PROSE = "这是一段很长的正文，讲的是网贷逾期以后催收的流程和借款人可以采取的办法。" * 3

PAGES = [
    # divs nested deeply, some holding only inline elements (they become paragraphs)
    "<html><body>"
    + "<div class='wrap'>" * 6
    + f"<div><span>{PROSE}</span><b>粗体</b></div><div>{PROSE}<a href='/x'>链接</a></div>"
    + "</div>" * 6
    + "</body></html>",
    # block markup only inside an inline child (`<span><p>`), text with `<div` escaped in it
    f"<html><body><div><span><p>{PROSE}</p></span>文字 &lt;div 不是标签</div>"
    f"<div><em>{PROSE}</em><img src='a.png'></div></body></html>",
    # unlikely names, some rescued by an ok name or by a pre/article inside
    f"<html><body><div class='sidebar'><p>{PROSE}</p></div>"
    f"<div id='comment-main'><p>{PROSE}</p></div><div class='footer'><article><p>{PROSE}</p>"
    f"</article></div><div class='menu'><pre>{PROSE}</pre></div>"
    f"<div class='content'><p>{PROSE}</p><p>{PROSE}</p></div></body></html>",
    # candidates rich in links: the link density scales their score
    "<html><body><div><ul>"
    + "".join(f"<li><a href='/{i}'>{PROSE[:30]}</a></li>" for i in range(12))
    + f"</ul><p>{PROSE}<a href='/y'>{PROSE[:40]}</a></p></div>"
    f"<div><p>{PROSE}</p><p>{PROSE}<a href='/z'>短</a></p></div></body></html>",
    # too short for the first pass: readability retries without its ruthless removal
    "<html><body><div class='comment'><p>短短一句话，不够长。</p></div></body></html>",
]


class _PlainDocument(Document):  # type: ignore[misc]
    """readability's own steps over the same prepared copy as ours."""

    _parse = _TreeDocument._parse


@pytest.mark.parametrize("page", PAGES)
def test_summary_is_readabilitys(page: str) -> None:
    tree = parse_document(page)
    assert tree is not None
    ours = _TreeDocument(tree).summary(html_partial=True)
    assert ours == _PlainDocument(tree).summary(html_partial=True)
    # a page whose text is all too short or unlikely ends empty, as readability leaves it
    assert ("网贷" in ours) is (page is not PAGES[-1])


def _serialised_test(element: object) -> bool:
    markup = str(b"".join(tostring(child, encoding="utf-8") for child in element))  # type: ignore[attr-defined]
    return REGEXES["divToPElementsRe"].search(markup) is not None


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<div><span>a</span><b>b</b></div>", False),
        ("<div><span><img src='x'></span></div>", True),
        ("<div><a href='<div>'>x</a>&lt;p&gt;</div>", False),
        ("<div><section><blockquote>q</blockquote></section></div>", True),
        ("<div><pre>x</pre></div>", True),
        ("<div>text only</div>", False),
        ("<div><!-- <div> --><i>x</i></div>", True),
        ("<div><abbr>x</abbr><option>y</option></div>", False),
    ],
)
def test_holds_block_agrees_with_the_serialised_markup(markup: str, expected: bool) -> None:
    import lxml.html

    div = lxml.html.fragment_fromstring(markup)
    assert _serialised_test(div) is expected
    assert holds_block(div) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  正文  ",
        "a\tb\t\tc",
        "a \t b\t c",
        "line one \n  \n\t line two\n",
        "x" + " " * 300 + "y",
        "x" + " \n" * 200 + "y",
        "x\u3000\u3000y\n\u00a0z",
        "a" * 300 + "  b",
        "\r\n正文\r\n\r\n第二段\x0b",
    ],
)
def test_clean_is_readabilitys(text: str) -> None:
    assert clean(text) == READABILITY_CLEAN(text)


def test_clean_is_readabilitys_on_random_whitespace() -> None:
    pieces = [
        "a",
        "债",
        " ",
        "  ",
        "\n",
        "\t",
        "\r",
        "\u3000",
        "\xa0",
        "\x0b",
        "\x1c",
        "\u2028",
        " \n ",
    ]
    chooser = random.Random(18)
    for _ in range(20000):
        text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 30)))
        if chooser.random() < 0.02:  # runs near and over 255 whitespace characters
            text += chooser.choice([" ", "\n", " \n"]) * chooser.randint(100, 300) + text
        assert clean(text) == READABILITY_CLEAN(text), repr(text)


def test_long_space_found_wherever_the_run_lies() -> None:
    long_run = re.compile(r"\s{255,}")
    for size in (1, 253, 254, 255, 256, 600):
        for offset in range(0, 520, 7):
            for space in (" ", "\u3000", " \n\t"):
                run = (space * size)[:size]
                text = "x" * offset + run + "y" * (offset % 5)
                assert has_long_space(text) is bool(long_run.search(text)), (size, offset)
                assert clean(text) == READABILITY_CLEAN(text)
