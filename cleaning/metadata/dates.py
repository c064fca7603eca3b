"""The published date: every date the page shows (meta tags, JSON-LD, <time>, visible text,
URL) is a scored candidate; a date in the byline zone or labelled 发布时间 beats the dates
of related posts, comments and the footer."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cleaning.metadata.date_forms import (
    DAY,
    MINUTE,
    MONTH,
    YEAR,
    DateMatch,
    find_dates,
    may_hold_date,
    parse_machine_date,
)
from cleaning.metadata.view import (
    COMMENTISH,
    PREV_NEXT,
    Line,
    PageView,
    after_article,
    in_byline_zone,
    inside_body,
    string_content,
    zone_penalty,
)
from cleaning.records import DateFinding

ACCEPT_DATE_SCORE = 0.3
_DATE_LABEL = re.compile(
    r"(?:发布|发表|更新|日期|时间|发文|出版|published|posted|date)\s*[:：]?\s*$", re.I
)

_META_DATE_SCORES = {
    "article:published_time": 0.95, "og:published_time": 0.9, "og:release_date": 0.9,
    "datepublished": 0.95, "pubdate": 0.9, "publishdate": 0.9, "publish_date": 0.9,
    "publishtime": 0.85, "publication_date": 0.9, "citation_publication_date": 0.85,
    "citation_date": 0.8, "dc.date.issued": 0.85, "dc.date": 0.75, "dcterms.created": 0.8,
    "parsely-pub-date": 0.85, "sailthru.date": 0.8, "weibo:article:create_at": 0.8,
    "article:modified_time": 0.35, "og:updated_time": 0.35, "datemodified": 0.35,
    "dateupdate": 0.35, "lastmodified": 0.2, "last-modified": 0.2,
}  # fmt: skip
_JSONLD_DATE_SCORES = {"datePublished": 0.95, "dateCreated": 0.8, "dateModified": 0.35}


def _candidate(match: DateMatch, where: str, score: float) -> dict[str, Any]:
    return {
        "raw": match.raw,
        "value": match.value.isoformat(),
        "where": where,
        "score": round(score, 3),
        "_match": match,
    }


def _meta_date_candidates(view: PageView, fetched_at: datetime) -> list[dict[str, Any]]:
    found = []
    for name, score in _META_DATE_SCORES.items():
        for value in view.metas.get(name, []):
            match = parse_machine_date(value, fetched_at)
            if match is not None:
                found.append(_candidate(match, f"meta:{name}", score))
    for obj in view.jsonld:
        for key, score in _JSONLD_DATE_SCORES.items():
            raw = obj.get(key)
            match = parse_machine_date(raw, fetched_at) if isinstance(raw, str) else None
            if match is not None:
                found.append(_candidate(match, f"jsonld:{key}", score))
    return found


def _time_element_candidates(view: PageView, fetched_at: datetime) -> list[dict[str, Any]]:
    found = []
    for element in view.tagged["time"]:
        value = element.get("datetime") or string_content(element)
        match = parse_machine_date(value or "", fetched_at)
        if match is None:
            continue
        penalty = max((zone_penalty(parent) for parent in element.iterancestors()), default=0.0)
        score = (0.85 if element.get("pubdate") is not None else 0.7) - penalty
        found.append(_candidate(match, "time-element", score))
    return found


def _text_date_score(view: PageView, line: Line, match: DateMatch) -> float:
    score = 0.45 + 0.1 * (1 - line.index / max(len(view.lines), 1))
    if _DATE_LABEL.search(line.text[: match.start][-12:]):
        score += 0.25
    if in_byline_zone(view, line.index):
        score += 0.25
    if match.precision == MINUTE:
        score += 0.05
    elif match.precision in (MONTH, YEAR):
        score -= 0.15
    if match.relative and "前" not in match.raw and match.precision in (DAY, MINUTE):
        score -= 0.2  # a month-day whose year was guessed
    return score - _text_date_penalty(view, line)


def _text_date_penalty(view: PageView, line: Line) -> float:
    penalty = line.penalty
    if PREV_NEXT.search(line.text):
        penalty += 0.6
    if COMMENTISH.search(line.text):
        penalty += 0.25
    if after_article(view, line.index):
        penalty += 0.3
    if inside_body(view, line.index) or len(line.text) > 200:
        penalty += 0.2
    return penalty


def _text_date_candidates(view: PageView, fetched_at: datetime) -> list[dict[str, Any]]:
    found = []
    for line in view.lines:
        if not may_hold_date(line.text):
            continue
        for match in find_dates(line.text, fetched_at):
            candidate = _candidate(match, f"text:{line.index}", _text_date_score(view, line, match))
            candidate["_line"] = line.index
            found.append(candidate)
    return found


def _url_date_candidates(url: str, fetched_at: datetime) -> list[dict[str, Any]]:
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "")
    spaced = re.sub(
        r"(?<!\d)((?:19|20)\d{2})[/_]?(0[1-9]|1[0-2])[/_]?(0[1-9]|[12]\d|3[01])(?!\d)",
        r" \1-\2-\3 ",
        path,
    )
    return [
        _candidate(match, "url", 0.3)
        for match in find_dates(spaced, fetched_at)
        if match.precision == DAY
    ]


def _agreement_bonus(best: dict[str, Any], candidates: list[dict[str, Any]]) -> float:
    day = best["_match"].value.date()
    sources = {
        c["where"].split(":")[0]
        for c in candidates
        if c["_match"].value.date() == day and c["score"] >= 0.2
    }
    return 0.05 * min(len(sources) - 1, 3)


def find_published(
    view: PageView, fetched_at: datetime
) -> tuple[DateFinding, dict[str, Any] | None]:
    """The published date with every candidate; also the winning candidate (for bylines)."""
    candidates = (
        _meta_date_candidates(view, fetched_at)
        + _time_element_candidates(view, fetched_at)
        + _text_date_candidates(view, fetched_at)
        + _url_date_candidates(view.url, fetched_at)
    )
    public = tuple({k: v for k, v in c.items() if not k.startswith("_")} for c in candidates)
    if not candidates:
        return DateFinding(value=None, raw=None, confidence=0.0, candidates=()), None
    # the first of the best scores (by position: list.index() made this quadratic)
    best = candidates[max(range(len(candidates)), key=lambda i: (candidates[i]["score"], -i))]
    if best["score"] < ACCEPT_DATE_SCORE:
        return DateFinding(value=None, raw=None, confidence=0.0, candidates=public), None
    confidence = min(1.0, best["score"] + _agreement_bonus(best, candidates))
    finding = DateFinding(
        value=best["_match"].value,
        raw=best["raw"],
        confidence=round(confidence, 3),
        candidates=public,
    )
    return finding, best
