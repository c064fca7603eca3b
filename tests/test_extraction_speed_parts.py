"""The speed-ups of issue 18 point 6 give what the slower code gave: a text's token bag, a
few runs looked up in a text, the CJK share of two joined texts from their token bags, the
density walk's text statistics, a forum page's posts asked for twice, a page's link texts
read once for link titles and list entries (tests/test_readability_speed.py covers
readability)."""

from __future__ import annotations

import copy
import random
import re
from collections import Counter
from itertools import islice

import lxml.html
import pytest
from lxml.html import HtmlElement

from cleaning.decode import decode_html
from cleaning.extract.candidates import Candidate, pair_f1, parse_document, shared_tokens
from cleaning.extract.comments import _WIDGET, _form_holders, _widget_names
from cleaning.extract.density import (
    _SPACES,
    _SPACES_TO_FOLD,
    NAMED_ELEMENTS,
    NOISE_WORDS,
    PUNCTUATION,
    Pruning,
    _noise_names,
    _Scorer,
    _text_stats,
    block_text,
    density_extract,
    prune,
)
from cleaning.extract.feeds import _DECORATION, _undecorated
from cleaning.extract.pagetype import _FLOOR, floor_marks, link_texts, link_titles, list_entries
from cleaning.extract.scoring import (
    cjk_share,
    joined_cjk_share,
    shingle_overlap,
    token_bag,
    tokens,
)
from cleaning.extract.threads import _POST_BODY, _is_post_body, thread_posts
from cleaning.metadata.view import (
    _LINE_SPACE,
    _LINE_SPACE_TO_FOLD,
    named_elements,
    squash_space,
)
from cleaning.textsearch import squash
from tests.conftest import BENCHMARKS


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("债务 abc", "def 逾期"),  # a latin run on each side of the join: one token
        ("债务 abc ", "def"),
        ("abc9", "9xyz"),
        ("价格 \u212a", "m 长度"),  # the Kelvin sign lower-cases to "k"
        ("abc", "\u0130stanbul"),  # "İ" lower-cases to "i" and a combining dot
        ("abc\n", "def"),
        ("", "催收"),
        ("", ""),
        ("。。", "，"),
    ],
)
def test_joined_share_is_the_share_of_the_joined_text(first: str, second: str) -> None:
    found = joined_cjk_share(first, Counter(tokens(first)), second, Counter(tokens(second)))
    assert found == cjk_share(first + second)


def test_token_bag_is_the_counter_of_the_tokens() -> None:
    pieces = [
        "债",
        "務",
        "\u4dbf",
        "\uf900",
        "\u3400",
        "ab",
        "Z9",
        "\u212a",
        "\u0130",
        "。",
        " ",
        "\n",
        "é",
        "_",
    ]
    chooser = random.Random(18)
    for _ in range(5000):
        text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 20)))
        assert token_bag(text) == Counter(tokens(text)), repr(text)


def test_few_runs_looked_up_are_the_shared_runs() -> None:
    def runs(text: str, size: int) -> set[str]:
        squashed = "".join(tokens(text))
        return {squashed[i : i + size] for i in range(len(squashed) - size + 1)}

    chooser = random.Random(18)
    for _ in range(3000):
        inner = "".join(
            chooser.choice("催收债务逾期 ab9，\n") for _ in range(chooser.randint(0, 12))
        )
        outer = "".join(
            chooser.choice("催收债务逾期律师 ab9c。") for _ in range(chooser.randint(0, 200))
        )
        for size in (2, 4, 8):
            own = runs(inner, size)
            expected = len(own & runs(outer, size)) / len(own) if own else 0.0
            assert shingle_overlap(inner, outer, size) == expected, (inner, outer, size)


@pytest.mark.parametrize("text", [None, "", "   ", " 正文，有标点。 ", "a,b.c!d (e) “f”", "无标点"])
def test_text_stats_count_stripped_characters_and_marks(text: str | None) -> None:
    stripped = (text or "").strip()
    expected = (len(stripped), sum(1 for char in stripped if char in PUNCTUATION))
    assert _text_stats(text) == expected


def test_posts_asked_twice_are_the_same_and_follow_the_tree() -> None:
    post = "<div class='post'><p>{}</p></div>"
    answers = ["第一个回答，说得很清楚。", "第二个回答，也有道理。", "第三个回答，补充一点。"]
    page = "<html><body>" + "".join(post.format(text) for text in answers) + "</body></html>"
    tree = parse_document(page)
    assert tree is not None
    first = thread_posts(tree)
    assert [p.text for p in first] == answers
    first.clear()  # callers get their own list
    assert [p.text for p in thread_posts(tree)] == answers
    other = parse_document(page.replace("第一个", "另一个"))
    assert other is not None
    assert thread_posts(other)[0].text.startswith("另一个")


def test_link_texts_are_read_once_per_tree_for_titles_and_entries() -> None:
    entry = (
        "<li><h3><a href='/{0}'>第{0}篇 催收 上门 怎么办</a></h3><p>摘要{0}，说了几句。</p></li>"
    )
    page = "<html><body><ul>" + "".join(entry.format(n) for n in (1, 2)) + "</ul></body></html>"
    tree = parse_document(page)
    assert tree is not None
    titles = {"第1篇催收上门怎么办", "第2篇催收上门怎么办"}
    assert link_titles(tree) == titles
    assert [text for _, text in link_texts(tree)] == sorted(titles)
    assert list_entries(tree) == [
        "第1篇催收上门怎么办摘要1，说了几句。",
        "第2篇催收上门怎么办摘要2，说了几句。",
    ]
    assert link_texts(tree) is link_texts(tree)
    other = parse_document(page.replace("第1篇", "另一篇"))
    assert other is not None
    assert "另一篇催收上门怎么办" in link_titles(other)


@pytest.mark.parametrize(
    ("first", "second"),
    [("催收催收电话 abc", "催收 abc abc 律师"), ("", "正文"), ("abc", "def"), ("逾期", "逾期")],
)
def test_pair_scores_are_the_counters(first: str, second: str) -> None:
    one, other = Candidate("a", first), Candidate("b", second)
    assert shared_tokens(one.bag, other.bag) == sum((one.bag & other.bag).values())
    assert pair_f1(one, other) == pair_f1(other, one)


def test_floor_marks_count_what_the_floor_pattern_finds() -> None:
    """`floor_marks` gives the pattern's count (up to the limit) on texts dense in its parts."""
    parts = [
        "楼",
        "主",
        "沙",
        "发",
        "板",
        "凳",
        "只",
        "看",
        "该",
        "作者",
        "1",
        "23",
        "٣",
        " ",
        "\u3000",
        "\n",
        "x",
        "楼主",
    ]
    rng = random.Random(18)
    for _ in range(5000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 30)))
        for limit in (1, 4, 100):
            expected = sum(1 for _ in islice(_FLOOR.finditer(text), limit))
            assert floor_marks(text, limit) == expected, text


@pytest.mark.parametrize(
    "html",
    [
        '<html class="a"><head><meta id="m"><script class="s">x</script></head><body>'
        '<div class="">t<!-- c --><?pi x?><p id="p1" class="c d">u</p></div>'
        '<span id="">v</span><a class="x" href="/">w</a></body></html>',
        "<p>no names</p>",
        "<html><body>" + '<div class="n">' * 3000 + "deep" + "</div>" * 3000 + "</body></html>",
    ],
)
def test_named_elements_are_what_the_xpath_finds(html: str) -> None:
    tree = parse_document(html)
    assert tree is not None
    expected = [(e, e.tag, e.get("class"), e.get("id")) for e in NAMED_ELEMENTS(tree)]
    assert named_elements(tree) == expected
    assert named_elements(tree) is named_elements(tree)  # read once per tree


def _density_on_a_pruned_copy(tree: HtmlElement) -> str:
    """The density method as it was: prune a copy of the body, walk it, read the best node."""
    body = tree.find("body")
    root = copy.deepcopy(body if body is not None else tree)
    prune(root)
    scorer = _Scorer(Pruning())
    scorer.walk(root, in_link=False)
    return block_text(scorer.best) if scorer.best is not None else ""


_PARTS = [
    "<div>",
    "</div>",
    '<div class="share">',
    '<div id="sidebar x">',
    "<span>",
    "</span>",
    "<p>",
    "</p>",
    '<a href="/">',
    "</a>",
    "<script>s</script>",
    "<style>c</style>",
    "<nav>n</nav>",
    "<br>",
    "<!-- c -->",
    "<?pi x?>",
    '<span class="ad">',
    "正文，",
    "文字。",
    " ",
    "text, more ",
    "&amp;",
]


def test_density_without_a_copy_reads_what_the_pruned_copy_held() -> None:
    rng = random.Random(6)
    for _ in range(3000):
        html = "<html><body>" + "".join(rng.choice(_PARTS) for _ in range(40)) + "</body></html>"
        tree = parse_document(html)
        assert tree is not None
        assert density_extract(tree) == _density_on_a_pruned_copy(tree), html
        comments = lxml.html.document_fromstring(html)  # a parser that keeps comments
        assert density_extract(comments) == _density_on_a_pruned_copy(comments), html


@pytest.mark.parametrize("folder", ["extraction-zh", "extraction-en", "extraction-zh-news"])
def test_density_without_a_copy_on_the_benchmark_pages(folder: str) -> None:
    pages = sorted((BENCHMARKS / folder / "pages").glob("*.html"))
    if not pages:
        pytest.fail(f"benchmark folder {BENCHMARKS / folder} is missing")
    for page in pages:
        tree = parse_document(decode_html(page.read_bytes(), None).text)
        assert tree is not None
        assert density_extract(tree) == _density_on_a_pruned_copy(tree), page.name


def test_squash_removes_what_the_whitespace_pattern_removes() -> None:
    every_space = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
    for text in (every_space, f"a{every_space}b 债 务\u200b", "", "  ", "x\u3000y\u00a0z"):
        assert squash(text) == re.sub(r"\s+", "", text)


NAMES = [
    ("comment-list", None), ("Comments", "c1"), ("diſcuss", None), ("reply-list", None),
    ("x_post-body y", None), ("POSTCONTENT", "a"), ("entry_text", None), ("blogtext", None),
    ("a--b", " nav "), ("_ad_", None), ("share-bar", "K"), ("col-md-8", "main"), (None, "ads"),
    ("\u212aomment", None), ("post-\u212a", None), ("评论 comment", None),
]  # fmt: skip


@pytest.mark.parametrize(("class_name", "element_id"), NAMES)
def test_name_tests_answer_as_their_patterns(
    class_name: str | None, element_id: str | None
) -> None:
    names = f"{class_name or ''} {element_id or ''}"
    assert _widget_names(class_name, element_id) == (_WIDGET.search(names) is not None)
    assert _is_post_body(class_name or "") == (_POST_BODY.search(class_name or "") is not None)
    words = re.split(r"[\s_-]+", names.lower())
    assert _noise_names(class_name, element_id) == (not NOISE_WORDS.isdisjoint(words))


def test_space_folds_are_what_the_patterns_give() -> None:
    every_space = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
    texts = [every_space, f" a{every_space}b  c\u3000\u3000d ", "a b c", "", "\u00a0x\t", "x \ny"]
    for text in texts:
        assert squash_space(text) == re.sub(r"\s+", " ", text).strip()
        folded = _LINE_SPACE.sub(" ", text)
        assert (folded != text) == (_LINE_SPACE_TO_FOLD.search(text) is not None)
        assert (_SPACES.sub(" ", text) != text) == (_SPACES_TO_FOLD.search(text) is not None)


@pytest.mark.parametrize(
    "line", ["| |", " - • a | b |  ", ">>> x", "|", "", "·・•-|> a", "a|||", "\u3000- 标题 |\u3000"]
)
def test_a_line_without_digits_loses_what_the_decoration_pattern_takes(line: str) -> None:
    assert _undecorated(line) == squash(_DECORATION.sub("", line))


def test_form_holders_are_what_find_finds() -> None:
    widget = lxml.html.fromstring(
        "<div><ul><li><p>a</p><form><textarea></textarea></form></li><li>b<span>c</span></li>"
        "</ul><div><textarea></textarea></div></div>"
    )
    holders = _form_holders(widget)
    for node in widget.iterdescendants():
        holds = node.find(".//form") is not None or node.find(".//textarea") is not None
        assert (node in holders) == holds
