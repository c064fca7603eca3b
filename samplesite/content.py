"""The sample site's articles: typed records loaded from the YAML files in `data/articles/`.

Each YAML file is one article. A copy (a page another site took and spun) names its
original in `copy_of` and lists its `edits` (an added intro, replaced words, dropped or
appended paragraphs); its body is derived from the original's, so the ground truth for
deduplication is in the data, not in a comment.

`gold_text` is what a perfect extractor returns for the page: the body blocks (section
headings included, the title, comments and all boilerplate excluded) joined with "\\n".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from samplesite.sites import SITES, article_path

DATA_DIR = Path(__file__).resolve().parent / "data" / "articles"
HEADING_MARK = "## "


@dataclass(frozen=True)
class Comment:
    author: str
    role: str
    date: str
    text: str


@dataclass(frozen=True)
class Block:
    """One paragraph of the body, or a section heading."""

    text: str
    heading: bool = False


@dataclass(frozen=True)
class Article:
    id: str
    site: str
    slug: str
    path: str
    title: str
    published: str  # ISO 8601, local time of the site (Asia/Shanghai)
    published_text: str  # the date exactly as the page shows it
    author: str
    source: str | None
    source_url: str | None  # syndication line: "法务时刻来源链接:https://..."
    category: str
    tags: tuple[str, ...]
    views: int
    blocks: tuple[Block, ...]
    comments: tuple[Comment, ...]
    copy_of: str | None
    gaps: bool  # keyword-filter gaps left in the text ("通过 进行的", "贷用卡")
    kind: str  # "article", "qa" (question with answers as comments) or "offtopic"
    encoding: str  # the codec of the page's bytes
    header_charset: str | None  # charset in the Content-Type header, None if absent
    meta_charset: str | None  # charset in the <meta> tag, None if absent
    wrong_charset: bool  # the declared charset does not match the bytes

    @property
    def gold_text(self) -> str:
        return "\n".join(block.text for block in self.blocks)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(block.text for block in self.blocks if not block.heading)

    @property
    def group(self) -> str:
        """The id of the copy group: the original's id (an original is its own group)."""
        return self.copy_of or self.id


def _blocks(raw: list[str]) -> tuple[Block, ...]:
    return tuple(
        Block(line[len(HEADING_MARK) :], True) if line.startswith(HEADING_MARK) else Block(line)
        for line in raw
    )


def _apply_edits(original: tuple[Block, ...], edits: dict[str, Any]) -> tuple[Block, ...]:
    """The spun body of a copy: drop, replace, prepend an intro, append an outro."""
    dropped = set(edits.get("drop", []))
    blocks = [block for index, block in enumerate(original) if index not in dropped]
    for old, new in edits.get("replace", []):
        if not any(old in block.text for block in blocks):
            raise ValueError(f"edit replaces {old!r}, which is not in the original")
        blocks = [dataclasses.replace(block, text=block.text.replace(old, new)) for block in blocks]
    intro = _blocks(edits.get("intro", []))
    outro = _blocks(edits.get("append", []))
    return (*intro, *blocks, *outro)


def _charsets(raw: dict[str, Any], site: str) -> tuple[str, str | None, str | None]:
    info = SITES[site]
    encoding = raw.get("encoding", info.encoding)
    header = raw.get("header_charset", info.encoding if info.header_charset else None)
    meta = raw.get("meta_charset", info.meta_charset)
    return encoding, header, meta


def _comments(raw: list[dict[str, str]]) -> tuple[Comment, ...]:
    return tuple(
        Comment(str(c["author"]), str(c.get("role", "")), str(c["date"]), str(c["text"]))
        for c in raw
    )


def _article(raw: dict[str, Any], blocks: tuple[Block, ...]) -> Article:
    site = raw["site"]
    encoding, header, meta = _charsets(raw, site)
    published = str(raw["published"])
    return Article(
        id=raw["id"],
        site=site,
        slug=str(raw["slug"]),
        path=raw.get("path") or article_path(site, str(raw["slug"]), published),
        title=raw["title"],
        published=published,
        published_text=str(raw["published_text"]),
        author=raw.get("author", ""),
        source=raw.get("source"),
        source_url=raw.get("source_url"),
        category=raw["category"],
        tags=tuple(raw.get("tags", [])),
        views=int(raw.get("views", 0)),
        blocks=blocks,
        comments=_comments(raw.get("comments", [])),
        copy_of=raw.get("copy_of"),
        gaps=bool(raw.get("gaps", False)),
        kind=raw.get("kind", "article"),
        encoding=encoding,
        header_charset=header,
        meta_charset=meta,
        wrong_charset=bool(raw.get("wrong_charset", False)),
    )


def _read_raw() -> dict[str, dict[str, Any]]:
    raws: dict[str, dict[str, Any]] = {}
    for file in sorted(DATA_DIR.glob("*.yaml")):
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        if raw["id"] in raws:
            raise ValueError(f"{file}: duplicate article id {raw['id']!r}")
        raws[raw["id"]] = raw
    return raws


@lru_cache(maxsize=1)
def _load() -> tuple[Article, ...]:
    raws = _read_raw()
    originals = {key: _blocks(raw["body"]) for key, raw in raws.items() if "body" in raw}
    articles = []
    for raw in raws.values():
        if "body" in raw:
            blocks = originals[raw["id"]]
        else:
            if raw.get("copy_of") not in originals:
                raise ValueError(f"{raw['id']}: no body and no original {raw.get('copy_of')!r}")
            blocks = _apply_edits(originals[raw["copy_of"]], raw.get("edits", {}))
        articles.append(_article(raw, blocks))
    return tuple(sorted(articles, key=lambda article: article.id))


def load_articles() -> list[Article]:
    """Every article of the four sample sites, sorted by id."""
    return list(_load())


def copy_groups() -> dict[str, list[str]]:
    """Original id -> ids of the group (original first) for every original that was copied."""
    groups: dict[str, list[str]] = {}
    for article in _load():
        if article.copy_of:
            groups.setdefault(article.copy_of, [article.copy_of]).append(article.id)
    return groups


def wrong_charset_paths() -> list[str]:
    """Paths of pages whose declared charset does not match their bytes."""
    return [article.path for article in _load() if article.wrong_charset]
