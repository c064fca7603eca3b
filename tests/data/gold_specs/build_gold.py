"""Build a gold JSONL file from a spec written by hand (labels by meaning, docs/claims.md).

    python tests/data/gold_specs/build_gold.py SPEC OUT.jsonl ID_PREFIX

A spec holds articles. `# hw NAME | TITLE` starts a handwritten article, `# site SOURCE | TITLE`
one of site text (reader comments), `# seed seed:FILE | TITLE` a seed text (../shared/seeds),
`# sample samplesite:ID | TITLE` a sample-site article (its text with headings, then its comments),
`# benchall bench:PATH` a benchmark gold text whose every sentence has no claim. `=` starts a new
paragraph; `//` lines are comments. A sentence line is

    sentence || lender || TYPE.subtype/modality/polarity/days; ... || CHECK,CHECK

with the codes of the tables below. The context of each sentence (the paragraph before it) is
computed from the article text, so the lender rule sees what the extractor sees.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from cleaning.claims.sentences import split_paragraphs, split_sentences  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
TYPES = {
    "CH": "CHANNEL",
    "TI": "TIMING",
    "CO": "CONSEQUENCE",
    "PR": "PROHIBITION",
    "AD": "ADVICE",
    "CI": "CITATION",
}
MODALITIES = {
    "c": "certain",
    "p": "possible",
    "h": "habitual",
    "o": "obligation",
    "x": "prohibition",
    "k": "conditional",
    "r": "reported",
    "n": None,
}
POLARITIES = {"+": "positive", "-": "negative", "~": "partial"}
CHECKS = {
    "OD": "malicious-overdraft-threshold",
    "IL": "illegal-debt-collection-crime-scope",
    "NN": "night-contact-nifa-2024",
    "NC": "night-contact-cba-2026",
    "CR": "credit-record-five-years",
    "NR": "no-national-collection-regulation",
    "TP": "third-party-contact-limits",
}
FIELD_SEPARATOR = re.compile(r"\s*\|\|\s*")


@dataclass
class Row:
    sentence: str
    lender: str | None
    claims: list[dict[str, Any]]
    checks: list[str]


@dataclass
class Article:
    kind: str
    source: str
    title: str | None
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])
    rows: list[Row] = field(default_factory=list)


def parse_claims(spec: str) -> list[dict[str, Any]]:
    claims: list[dict[str, Any]] = []
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        if part == "-":
            continue
        fields = part.split("/")
        kind, subtype = fields[0].split(".")
        days = int(fields[3]) if len(fields) > 3 and fields[3] not in ("", "-") else None
        claims.append(
            {
                "type": TYPES[kind],
                "subtype": subtype,
                "modality": MODALITIES[fields[1]],
                "polarity": POLARITIES[fields[2]],
                "days": days,
            }
        )
    return claims


def parse_row(line: str) -> Row:
    fields = [*FIELD_SEPARATOR.split(line), "", "", ""]
    checks = [CHECKS[code.strip()] for code in fields[3].split(",") if code.strip()]
    return Row(fields[0].strip(), fields[1].strip() or None, parse_claims(fields[2]), checks)


def parse_spec(text: str) -> list[Article]:
    articles: list[Article] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith("//"):
            continue
        if raw.startswith("# "):
            kind, _, rest = raw[2:].partition(" ")
            source, _, title = rest.partition(" | ")
            articles.append(Article(kind, source.strip(), title.strip() or None))
        elif raw.strip() == "=":
            articles[-1].paragraphs.append([])
        else:
            row = parse_row(raw)
            articles[-1].rows.append(row)
            articles[-1].paragraphs[-1].append(row.sentence)
    return articles


def article_text(article: Article) -> str:
    if article.kind in ("hw", "site"):
        return "\n".join("".join(p) for p in article.paragraphs if p)
    name = article.source.split(":", 1)[1]
    if article.kind == "sample":
        return sample_text(name)
    path = SEEDS / name if article.kind == "seed" else ROOT / name
    return path.read_text("utf-8")


def sample_text(article_id: str) -> str:
    """A sample-site article as the claims stage sees it: body with headings, then comments."""
    from samplesite.content import load_articles

    article = next(a for a in load_articles() if a.id == article_id)
    return "\n".join([article.gold_text, *(comment.text for comment in article.comments)])


def source_and_id(article: Article) -> tuple[str, str]:
    """The gold `source` and `article` fields."""
    name = article.source.split(":", 1)[-1]
    if article.kind in ("bench", "benchall"):
        tail = name.split("benchmarks/")[1].replace("/gold/", "/").removesuffix(".txt")
        return "benchmark:" + tail, tail.split("/")[-1]
    source = "handwritten:" + article.source if article.kind == "hw" else article.source
    return source, name.split("/")[-1].split("#")[0].removesuffix(".txt")


def gold_lines(article: Article, prefix: str, first: int) -> list[dict[str, Any]]:
    text = article_text(article)
    if article.kind == "benchall":
        sentences = [s.text for s in split_sentences(text) if len(s.text) >= 6]
        article.rows = [Row(sentence, None, [], []) for sentence in sentences]
    paragraphs = split_paragraphs(text)
    source, name = source_and_id(article)
    lines: list[dict[str, Any]] = []
    for row in article.rows:
        at = text.find(row.sentence)
        if at < 0:
            raise SystemExit(f"sentence not in {article.source}: {row.sentence}")
        paragraph = next(p for p in paragraphs if p.start <= at < p.end)
        lines.append(
            {
                "id": f"{prefix}{first + len(lines):03d}",
                "source": source,
                "article": name,
                "title": article.title,
                "context": text[paragraph.start : at],
                "sentence": row.sentence,
                "lender": row.lender,
                "claims": row.claims,
                "checks": row.checks,
            }
        )
    return lines


def main(spec: str, out: str, prefix: str) -> None:
    lines: list[dict[str, Any]] = []
    for article in parse_spec(Path(spec).read_text("utf-8")):
        lines += gold_lines(article, prefix, len(lines))
    with open(out, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    flagged = sum(1 for line in lines if line["checks"])
    print(f"{out}: {len(lines)} sentences, {flagged} with checks")


if __name__ == "__main__":
    main(*sys.argv[1:4])
