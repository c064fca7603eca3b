"""Score claim extraction against a hand-labelled gold set (tests/data/claims_gold.jsonl).

Each gold line is one sentence: {"id", "source", "context", "sentence", "lender", "claims":
[{"type", "subtype", "modality", "polarity", "days"}]}. `context` is the paragraph text before
the sentence, so the lender rule (nearest earlier mention in the paragraph) can be scored.
Types are scored as (sentence, type) pairs, subtypes as (sentence, type, subtype) triples, and
the fields on every claim whose (type, subtype) is in both gold and prediction.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.claims_lexicon import ClaimDataError
from cleaning.records import ClaimRecord

FIELDS = ("lender", "modality", "polarity", "days")


@dataclass(frozen=True)
class GoldSentence:
    id: str
    context: str
    sentence: str
    lender: str | None
    claims: tuple[dict[str, Any], ...]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class EvalReport:
    sentences: int = 0
    by_type: dict[str, Tally] = field(default_factory=dict)
    by_subtype: dict[str, Tally] = field(default_factory=dict)
    field_hits: Counter[str] = field(default_factory=Counter)
    field_totals: Counter[str] = field(default_factory=Counter)

    def overall(self, table: dict[str, Tally]) -> Tally:
        return Tally(
            *(sum(getattr(t, name) for t in table.values()) for name in ("tp", "fp", "fn"))
        )

    def accuracy(self, name: str) -> float:
        total = self.field_totals[name]
        return self.field_hits[name] / total if total else 1.0


def load_gold(path: str | Path) -> list[GoldSentence]:
    rows: list[GoldSentence] = []
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            rows.append(
                GoldSentence(
                    str(raw["id"]),
                    str(raw.get("context", "")),
                    str(raw["sentence"]),
                    raw.get("lender"),
                    tuple(raw.get("claims", [])),
                )
            )
        except (json.JSONDecodeError, KeyError) as exc:
            raise ClaimDataError(f"{path} line {number} is not a gold sentence: {exc}") from exc
    return rows


def predict(item: GoldSentence, config: ClaimConfig) -> list[ClaimRecord]:
    """Claims of the gold sentence, extracted with its paragraph context before it."""
    text = item.context + item.sentence
    return [c for c in extract_claims(text, config) if c.start >= len(item.context)]


def _tally(table: dict[str, Tally], key: str, gold: set[str], found: set[str]) -> None:
    tally = table.setdefault(key, Tally())
    tally.tp += len(gold & found)
    tally.fp += len(found - gold)
    tally.fn += len(gold - found)


def _score_fields(report: EvalReport, item: GoldSentence, found: list[ClaimRecord]) -> None:
    by_key = {(c.type, c.subtype): c for c in reversed(found)}
    for gold in item.claims:
        claim = by_key.get((gold["type"], gold["subtype"]))
        if claim is None:
            continue
        actual: dict[str, object] = {"lender": claim.lender, "modality": claim.modality}
        actual |= {"polarity": claim.polarity, "days": claim.days_overdue}
        expected = {"lender": item.lender, **{k: gold.get(k) for k in FIELDS[1:]}}
        for name in FIELDS:
            if name == "days" and gold["type"] != "TIMING":
                continue  # gold labels days on TIMING claims; other claims carry them as conditions
            report.field_totals[name] += 1
            report.field_hits[name] += actual[name] == expected[name]


def score_sentence(report: EvalReport, item: GoldSentence, found: list[ClaimRecord]) -> None:
    report.sentences += 1
    gold_types = {c["type"] for c in item.claims}
    found_types = {c.type for c in found}
    for name in gold_types | found_types:
        _tally(report.by_type, name, {name} & gold_types, {name} & found_types)
        gold_sub = {c["subtype"] for c in item.claims if c["type"] == name}
        found_sub = {str(c.subtype) for c in found if c.type == name}
        _tally(report.by_subtype, name, gold_sub, found_sub)
    _score_fields(report, item, found)


def evaluate(gold: list[GoldSentence], config: ClaimConfig | None = None) -> EvalReport:
    config = config or ClaimConfig(checks=False)
    report = EvalReport()
    for item in gold:
        score_sentence(report, item, predict(item, config))
    return report
