"""The labelled near-duplicate set: real article text copied the way content farms copy it.

Originals are the gold texts of `../shared/benchmarks/` (extraction-zh and the simplified pages of
extraction-zh-news) and the seed pages of `../shared/seeds/`, read at run time. Each original is
published on its own site; farm sites copy it with the edits of `corpus.dedup.rewrite`. Every
page is rendered as HTML in its site's template (menus, footer, related links, a visible date or
none) and goes through the project's cleaner and ingest like a crawled page. Labels come from
construction: a pair is a duplicate when the two pages share a source article. Hard negatives
are different articles on one topic (money, debt, law) on one farm template with the same
title formula, and unrelated pairs of originals on that topic. Seeded: the same seed
gives the same set.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from corpus.dedup import rewrite
from corpus.errors import ConfigError

SHARED = Path(__file__).resolve().parents[3] / "shared"
KINDS = (
    "exact", "wrap", "reorder", "synonym10", "synonym20", "synonym30", "truncate", "stitch",
    "traditional", "combo",
)  # fmt: skip
MIN_CHARS = 400
MAX_CHARS = 5000
BASE_DATE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
UNDATED_SHARE = 0.2


@dataclass(frozen=True)
class FarmPage:
    """One page of the set: where it lives, what it shows, and which originals it copies."""

    key: str
    url: str
    site_name: str
    title: str
    paragraphs: tuple[str, ...]
    kind: str
    sources: tuple[str, ...]
    template: int
    published: datetime | None
    # extra lines the template puts inside the article body (a wrapper, a leftover footer)
    head_lines: tuple[str, ...] = ()
    tail_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelledPair:
    first: str
    second: str
    # a transformation (the second page copies the first), "hard-negative" or "unrelated"
    label: str

    @property
    def positive(self) -> bool:
        return self.label not in ("hard-negative", "unrelated")


@dataclass
class FarmSet:
    pages: list[FarmPage] = field(default_factory=list)
    pairs: list[LabelledPair] = field(default_factory=list)

    def families(self) -> dict[str, frozenset[str]]:
        """Page key -> the originals it holds text of."""
        return {page.key: frozenset(page.sources) for page in self.pages}


def load_originals(shared: Path = SHARED) -> list[tuple[str, str]]:
    """(id, text) of simplified-Chinese gold texts and seeds, long enough to be copied."""
    if not (shared / "benchmarks").is_dir():
        raise ConfigError(f"no shared benchmarks at {shared}: pass --shared")
    found: list[tuple[str, str]] = []
    for folder in ("extraction-zh", "extraction-zh-news"):
        index = shared / "benchmarks" / folder / "index.jsonl"
        for line in index.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("lang", "zh-Hans") != "zh-Hans" or row.get("page_type") == "forum":
                continue
            gold = shared / "benchmarks" / folder / "gold" / f"{row['id']}.txt"
            found.append((row["id"], gold.read_text(encoding="utf-8")))
    for seed in sorted((shared / "seeds").glob("*.txt")):
        found.append((f"seed-{seed.stem}", seed.read_text(encoding="utf-8")))
    return [(key, text[:MAX_CHARS]) for key, text in found if len(text.strip()) >= MIN_CHARS]


def distinct(originals: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop originals that share text with an earlier one (one story on two news sites)."""
    kept: list[tuple[str, str, set[str]]] = []
    for key, text in originals:
        grams = {text[i : i + 8] for i in range(len(text) - 7)}
        if all(len(grams & other) < 0.1 * min(len(grams), len(other)) for *_, other in kept):
            kept.append((key, text, grams))
    return [(key, text) for key, text, _ in kept]


def _title(paragraphs: list[str]) -> str:
    first = paragraphs[0]
    return first[:24] if len(first) > 24 else first


def build_farm_set(seed: int = 13, shared: Path = SHARED, limit: int | None = None) -> FarmSet:
    """Originals, four or five copies of each, hard-negative pages and unrelated pairs."""
    rng = random.Random(seed)
    originals = distinct(load_originals(shared))
    rng.shuffle(originals)
    originals = originals[:limit] if limit else originals
    bodies = {key: rewrite.paragraphs_of(text) for key, text in originals}
    made = FarmSet()
    for number, (key, _) in enumerate(originals):
        original = _original_page(key, bodies[key], number, rng)
        made.pages.append(original)
        for kind in rng.sample(KINDS, 4 + (number % 2)):
            other = rng.choice([k for k in bodies if k != key])
            copy = _copy(original, kind, bodies[other], other, rng)
            made.pages.append(copy)
            made.pairs += [LabelledPair(original.key, copy.key, kind)]
            if kind == "stitch":
                made.pairs.append(LabelledPair(f"{other}@origin", copy.key, kind))
    _add_hard_negatives(made, bodies, rng)
    originals_made = [p for p in made.pages if p.kind == "original"]
    _add_unrelated(made, originals_made, rng)
    _add_unrelated(made, [p for p in originals_made if on_topic(list(p.paragraphs))], rng)
    return made


def _original_page(key: str, paragraphs: list[str], number: int, rng: random.Random) -> FarmPage:
    dated = rng.random() > 0.1
    return FarmPage(
        key=f"{key}@origin",
        url=f"https://news.source{number % 40}.com.cn/{number}/{key}.html",
        site_name=f"源站{number % 40}",
        title=_title(paragraphs),
        paragraphs=tuple(paragraphs),
        kind="original",
        sources=(f"{key}@origin",),
        template=0,
        published=BASE_DATE + timedelta(days=number, hours=rng.randrange(12)) if dated else None,
    )


def _copy(
    original: FarmPage, kind: str, other: list[str], other_key: str, rng: random.Random
) -> FarmPage:
    farm = rng.randrange(1, 13)
    paragraphs, sources = _edit(list(original.paragraphs), kind, other, rng)
    if kind == "stitch":
        sources = (original.key, f"{other_key}@origin")
    title = (
        original.title if kind in ("exact", "traditional") else _farm_title(original.title, farm)
    )
    head, tail = _wrapper(title, farm) if kind in ("wrap", "combo") else ((), ())
    later = timedelta(days=rng.randrange(1, 90), hours=rng.randrange(24))
    dated = original.published is not None and rng.random() > UNDATED_SHARE
    return FarmPage(
        key=f"{original.key.split('@')[0]}@{kind}",
        url=f"http://m.farm{farm}.net/{kind}/{rng.randrange(10**6)}.html",
        site_name=f"资讯农场{farm}",
        title=rewrite.to_traditional(title) if kind == "traditional" else title,
        paragraphs=tuple(paragraphs),
        kind=kind,
        sources=sources or (original.key,),
        template=farm,
        published=original.published + later if dated and original.published else None,
        head_lines=head,
        tail_lines=tail,
    )


def _edit(
    paragraphs: list[str], kind: str, other: list[str], rng: random.Random
) -> tuple[list[str], tuple[str, ...]]:
    if kind.startswith("synonym"):
        share = int(kind.removeprefix("synonym")) / 100
        return [rewrite.rewrite_synonyms(p, share, rng) for p in paragraphs], ()
    if kind == "reorder":
        return rewrite.reorder(paragraphs, rng), ()
    if kind == "truncate":
        return rewrite.truncate(paragraphs, rng), ()
    if kind == "stitch":
        stitched, _, _ = rewrite.stitch(paragraphs, other, rng)
        return stitched, ()
    if kind == "traditional":
        return [rewrite.to_traditional(p) for p in paragraphs], ()
    if kind == "combo":
        edited = [rewrite.rewrite_synonyms(p, 0.2, rng) for p in rewrite.reorder(paragraphs, rng)]
        return ([rewrite.to_traditional(p) for p in edited] if rng.random() < 0.5 else edited), ()
    return paragraphs, ()


TITLE_FORMULAS = (
    "{topic}？看完这篇你就明白了",
    "{topic}，小编为你详细解答",
    "关于{topic}，这些你一定要知道",
)


def _farm_title(title: str, farm: int) -> str:
    return TITLE_FORMULAS[farm % len(TITLE_FORMULAS)].format(topic=title[:14])


def _wrapper(title: str, farm: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """导语 before the body; 声明 and 相关推荐 after it: the farm's own words around the copy."""
    head = (f"导语：{title}。今天资讯农场{farm}的小编就给大家详细介绍一下，希望对你有所帮助。",)
    tail = (
        "声明：本文内容来源于网络，版权归原作者所有，如有侵权请联系我们删除。",
        "相关推荐：",
        f"{TITLE_FORMULAS[0].format(topic='网贷逾期会上门吗')}",
        f"{TITLE_FORMULAS[1].format(topic='信用卡逾期怎么协商')}",
    )
    return head, tail


ON_TOPIC = re.compile(
    "催收|逾期|贷款|借款|信用卡|欠款|债务|还款|网贷|法院|律师|银行|金融|理财|利息"
)
TEMPLATE_PAGES = 24


def on_topic(paragraphs: list[str]) -> bool:
    """About money, debt or law: what a debt-collection content farm publishes."""
    return len(ON_TOPIC.findall("".join(paragraphs))) >= 3


def _add_hard_negatives(made: FarmSet, bodies: dict[str, list[str]], rng: random.Random) -> None:
    """One template farm publishing different articles on its own topic (money, debt, law) in
    one wrapper with one title formula: pages that look alike, share the topic's words and no
    text of their own."""
    topical = sorted(key for key, paragraphs in bodies.items() if on_topic(paragraphs))
    others = sorted(set(bodies) - set(topical))
    keys = rng.sample(topical, min(len(topical), TEMPLATE_PAGES))
    keys += rng.sample(others, min(len(others), TEMPLATE_PAGES - len(keys)))
    pages = []
    for number, key in enumerate(keys):
        paragraphs = bodies[key]
        title = TITLE_FORMULAS[0].format(topic=_title(paragraphs)[:12])
        head, tail = _wrapper(title, 99)
        pages.append(
            FarmPage(
                key=f"{key}@template",
                url=f"https://www.templatefarm.com/p/{number}.html",
                site_name="模板农场",
                title=title,
                paragraphs=tuple(paragraphs),
                kind="wrap",
                sources=(f"{key}@origin",),
                template=99,
                published=BASE_DATE + timedelta(days=200 + number),
                head_lines=head,
                tail_lines=tail,
            )
        )
        made.pairs.append(LabelledPair(f"{key}@origin", f"{key}@template", "wrap"))
    made.pages += pages
    for index, first in enumerate(pages):
        for second in pages[index + 1 :]:
            made.pairs.append(LabelledPair(first.key, second.key, "hard-negative"))


def _add_unrelated(made: FarmSet, originals: list[FarmPage], rng: random.Random) -> None:
    for page in originals:
        for other in rng.sample(originals, min(3, len(originals))):
            if other.key != page.key:
                made.pairs.append(LabelledPair(page.key, other.key, "unrelated"))
