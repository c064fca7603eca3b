"""Everything a page says about itself, gathered from the view: title, published date,
author/editor/source, site name, ICP, category, tags, canonical URL, language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cleaning.metadata.breadcrumbs import find_category
from cleaning.metadata.dates import find_published
from cleaning.metadata.icp import find_icp, find_police_record
from cleaning.metadata.people import find_people
from cleaning.metadata.site import find_canonical, find_language, find_site_name
from cleaning.metadata.tags import find_tags
from cleaning.metadata.view import build_view, page_title
from cleaning.records import DateFinding


@dataclass(frozen=True)
class PageMetadata:
    title: str | None
    published: DateFinding
    author: str | None = None
    editor: str | None = None
    source: str | None = None
    source_url: str | None = None
    site_name: str | None = None
    icp: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    canonical_url: str | None = None
    language: str | None = None
    # 公安备案 number, e.g. 京公网安备11010802020088号
    police_record: str | None = None
    # the byline line (or meta value) the author was read from, as the page writes it
    byline: str | None = None

    @property
    def credited(self) -> str | None:
        """The person the page credits: the author, else the editor."""
        return self.author or self.editor


def extract_metadata(
    html: str, url: str, fetched_at: datetime, main_text: str | None = None, tree: Any = None
) -> PageMetadata:
    """Everything the page says about itself; `main_text` helps find the byline next to it.
    `tree` is the lxml document of `html` when the caller has parsed it already."""
    view = build_view(html, url, main_text, tree)
    published, date_candidate = find_published(view, fetched_at)
    site_name = find_site_name(view)
    people = find_people(view, date_candidate, site_name)
    footer_text = " ".join(line.text for line in view.lines[-60:])
    return PageMetadata(
        title=page_title(view),
        published=published,
        author=people.author,
        editor=people.editor,
        source=people.source,
        source_url=people.source_url,
        site_name=site_name,
        icp=find_icp(footer_text) or find_icp(html),
        category=find_category(view),
        tags=find_tags(view),
        canonical_url=find_canonical(view),
        language=find_language(view),
        police_record=find_police_record(footer_text) or find_police_record(html),
        byline=people.byline,
    )
