"""Score claim extraction against a hand-labelled gold set (format in docs/claims.md).

Each gold line is one sentence: {"id", "source", "title", "context", "sentence", "lender",
"claims": [{"type", "subtype", "modality", "polarity", "days"}], "checks": [rule_id, ...]}.
`context` is the paragraph text before the sentence (for the lender rule); `title` (optional)
is the article's title; `checks` (optional) lists the rules the sentence contradicts; lines
without it are not scored for checks. Lines of one `source` are one article for the topic gate.
Types are scored as (sentence, type) pairs, subtypes as (sentence, type, subtype) triples, and
the fields on every claim whose (type, subtype) is in both gold and prediction.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaning.claims.extract import ClaimConfig, extract_claims
from cleaning.claims.lexicon import ClaimDataError
from cleaning.errors import json_error
from cleaning.records import ClaimRecord

FIELDS = ("lender", "modality", "polarity", "days")


@dataclass(frozen=True)
class GoldSentence:
    id: str
    source: str
    title: str | None
    context: str
    sentence: str
    lender: str | None
    claims: tuple[dict[str, Any], ...]
    checks: tuple[str, ...] | None


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
    checks: dict[str, Tally] = field(default_factory=dict)
    check_sentences: int = 0
    falsely_flagged: int = 0
    errors: list[str] = field(default_factory=list)

    def overall(self, table: dict[str, Tally]) -> Tally:
        return Tally(
            *(sum(getattr(t, name) for t in table.values()) for name in ("tp", "fp", "fn"))
        )

    def accuracy(self, name: str) -> float:
        total = self.field_totals[name]
        return self.field_hits[name] / total if total else 1.0

    @property
    def false_flag_rate(self) -> float:
        return self.falsely_flagged / self.check_sentences if self.check_sentences else 0.0


def _gold_row(raw: dict[str, Any]) -> GoldSentence:
    checks = raw.get("checks")
    return GoldSentence(
        id=str(raw["id"]),
        source=str(raw.get("source", "")),
        title=raw.get("title"),
        context=str(raw.get("context", "")),
        sentence=str(raw["sentence"]),
        lender=raw.get("lender"),
        claims=tuple(raw.get("claims", [])),
        checks=tuple(str(rule) for rule in checks) if checks is not None else None,
    )


def load_gold(path: str | Path) -> list[GoldSentence]:
    rows: list[GoldSentence] = []
    try:
        lines = Path(path).read_text("utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimDataError(f"cannot read gold file {path}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(_gold_row(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ClaimDataError(
                f"{path} line {number} is not a gold sentence ({_why_not_gold(exc)});"
                " the format is in docs/claims.md"
            ) from exc
    return rows


def _why_not_gold(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"it has no {exc.args[0]!r} field"
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {json_error(exc)}"
    return "not a JSON object with the gold fields"


def topic_texts(gold: list[GoldSentence]) -> dict[str, str]:
    """The text of each source's gold sentences together: the article for the topic gate."""
    parts: dict[str, list[str]] = defaultdict(list)
    for item in gold:
        parts[item.source].append(item.sentence)
    return {source: "\n".join(sentences) for source, sentences in parts.items()}


def predict(item: GoldSentence, config: ClaimConfig, topic_text: str | None) -> list[ClaimRecord]:
    """Claims of the gold sentence, extracted with its paragraph context before it."""
    text = item.context + item.sentence
    found = extract_claims(text, config, item.title, topic_text)
    return [c for c in found if c.start >= len(item.context)]


def _tally(table: dict[str, Tally], key: str, gold: set[str], found: set[str]) -> None:
    tally = table.setdefault(key, Tally())
    tally.tp += len(gold & found)
    tally.fp += len(found - gold)
    tally.fn += len(gold - found)


def _actual(claim: ClaimRecord) -> dict[str, object]:
    return {
        "lender": claim.lender,
        "modality": claim.modality,
        "polarity": claim.polarity,
        "days": claim.days_overdue,
    }


def _score_fields(report: EvalReport, item: GoldSentence, found: list[ClaimRecord]) -> None:
    by_key = {(c.type, c.subtype): c for c in reversed(found)}
    for gold in item.claims:
        claim = by_key.get((gold["type"], gold["subtype"]))
        if claim is None:
            continue
        actual = _actual(claim)
        expected = {"lender": item.lender, **{k: gold.get(k) for k in FIELDS[1:]}}
        for name in FIELDS:
            if name == "days" and gold["type"] != "TIMING":
                continue  # gold labels days on TIMING claims; other claims carry them as conditions
            report.field_totals[name] += 1
            hit = actual[name] == expected[name]
            report.field_hits[name] += hit
            if not hit:
                label = f"{gold['type']}/{gold['subtype']}"
                report.errors.append(
                    f"{item.id} {label} {name}: gold {expected[name]!r}, "
                    f"found {actual[name]!r} | {item.sentence}"
                )


def _score_checks(report: EvalReport, item: GoldSentence, found: list[ClaimRecord]) -> None:
    if item.checks is None:
        return
    flagged = {str(check["rule_id"]) for claim in found for check in claim.checks}
    expected = set(item.checks)
    report.check_sentences += 1
    report.falsely_flagged += bool(flagged - expected)
    for rule in expected | flagged:
        _tally(report.checks, rule, {rule} & expected, {rule} & flagged)
    if flagged != expected:
        report.errors.append(
            f"{item.id} checks: gold {sorted(expected)}, found {sorted(flagged)} | {item.sentence}"
        )


def score_sentence(report: EvalReport, item: GoldSentence, found: list[ClaimRecord]) -> None:
    report.sentences += 1
    gold_types = {c["type"] for c in item.claims}
    found_types = {c.type for c in found}
    for name in gold_types | found_types:
        _tally(report.by_type, name, {name} & gold_types, {name} & found_types)
        gold_sub = {c["subtype"] for c in item.claims if c["type"] == name}
        found_sub = {str(c.subtype) for c in found if c.type == name}
        _tally(report.by_subtype, name, gold_sub, found_sub)
    gold_pairs = {f"{c['type']}/{c['subtype']}" for c in item.claims}
    found_pairs = {f"{c.type}/{c.subtype}" for c in found}
    if gold_pairs != found_pairs:
        missing, extra = sorted(gold_pairs - found_pairs), sorted(found_pairs - gold_pairs)
        report.errors.append(f"{item.id} missing {missing} extra {extra} | {item.sentence}")
    _score_fields(report, item, found)
    _score_checks(report, item, found)


def evaluate(
    gold: list[GoldSentence],
    config: ClaimConfig | None = None,
    track: Callable[[list[GoldSentence]], Iterable[GoldSentence]] = iter,
) -> EvalReport:
    """Scores of `gold`; checks run (and are scored) unless `config` switches them off.
    `track` wraps the sentences as they are scored (the CLI shows progress with it)."""
    config = config or ClaimConfig()
    report = EvalReport()
    topics = topic_texts(gold)
    for item in track(gold):
        score_sentence(report, item, predict(item, config, topics.get(item.source)))
    return report
