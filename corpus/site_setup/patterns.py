"""URL patterns from example URLs: each URL becomes a shape (a regex on absolute URLs, in
the style of the profiles' `follow` and `article_patterns`), and shapes that differ in one
path segment only, with at least MERGE_AT different words there, become one.

    http://h/wp/some-slug.html             ->  ://[^/]+/wp/[^/]+\\.html$
    http://h/portal/2024/0320/x.html       ->  ://[^/]+/portal/\\d+/\\d+/[^/]+\\.html$
    http://h/law/category/jrzw/list_2.html ->  ://[^/]+/law/category/jrzw/list_\\d+\\.html$
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit

HOST = r"://[^/]+"
ANY = r"[^/]+"
DIGITS = r"\d+"
MERGE_AT = 3
_PAGE_EXTENSIONS = re.compile(r"^(.*)\.(s?html?|php|aspx?|jsp)$", re.I)
_NUMBERED = re.compile(r"^([a-z]+)([_-])\d+$", re.I)
_WORD = re.compile(r"^[a-z][a-z0-9]{0,15}$", re.I)

Shape = tuple[tuple[str, ...], str]  # path tokens, query pattern


def directory_of(url: str) -> str:
    """The path of a URL's directory: /wp/ for /wp/ and for /wp/index.html."""
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def prefix_pattern(directory: str) -> str:
    """The `follow` pattern of everything under a directory of the host."""
    return HOST + re.escape(directory)


def _token(segment: str, leaf: bool) -> str:
    if segment.isdigit():
        return DIGITS
    page = _PAGE_EXTENSIONS.match(segment) if leaf else None
    if page:
        stem, extension = page.groups()
        numbered = _NUMBERED.match(stem)
        if stem.isdigit():
            stem_token = DIGITS
        elif numbered:
            stem_token = re.escape(numbered[1] + numbered[2]) + DIGITS
        else:
            stem_token = ANY
        return stem_token + re.escape("." + extension)
    return re.escape(segment) if _WORD.match(segment) else ANY


def _query(query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    if not pairs:
        return ""
    parts = [f"{re.escape(k)}={DIGITS if v.isdigit() else '[^&]*'}" for k, v in pairs]
    return r"\?" + "&".join(parts)


def url_shape(url: str, directory: str) -> Shape:
    """A URL's shape; the segments of `directory` (the start URL's) stay as they are."""
    parts = urlsplit(url)
    segments = (parts.path or "/").split("/")[1:]
    fixed = len(directory.strip("/").split("/")) if directory.strip("/") else 0
    tokens = tuple(
        re.escape(segment)
        if index < fixed or not segment
        else _token(segment, index == len(segments) - 1)
        for index, segment in enumerate(segments)
    )
    return tokens, _query(parts.query)


def merged(shapes: list[Shape]) -> dict[Shape, Shape]:
    """Each shape and the shape it merges into (itself when none)."""
    mapping = {shape: shape for shape in shapes}
    changed = True
    while changed:
        changed = False
        groups: dict[tuple[int, tuple[str, ...], str], set[Shape]] = defaultdict(set)
        for shape in set(mapping.values()):
            tokens, query = shape
            for index, token in enumerate(tokens):
                if _is_literal(token):
                    groups[(index, (*tokens[:index], "*", *tokens[index + 1 :]), query)].add(shape)
        for (index, _, _), members in groups.items():
            if len(members) >= MERGE_AT:
                for old, new in mapping.items():
                    if new in members:
                        tokens, query = new
                        mapping[old] = ((*tokens[:index], ANY, *tokens[index + 1 :]), query)
                changed = True
                break
    return mapping


def _is_literal(token: str) -> bool:
    return bool(token) and re.escape(re.sub(r"\\(.)", r"\1", token)) == token and "\\d" not in token


def pattern_of(shape: Shape) -> str:
    tokens, query = shape
    return HOST + "/" + "/".join(tokens) + query + "$"
