"""When no two extractors agree, the medoid is a coin toss: take the one with most prose.

`candidates.choose` takes the candidate the others agree with most. With three candidates
(readability runs when trafilatura and the density method disagree) that agree with none of
the others (each one's mean token F1 with the others below `max_agreement`), the medoid says
nothing: one extractor read a layout table's menu cells, one a copyright footer, one the
story. The candidate with the most characters of running prose (lines of 20 characters or
more with a sentence mark, `candidates.prose_share`) is taken instead. Two candidates are
not enough to call a discord: a short and a long text disagreeing is the usual edge case
the nesting rules handle.
"""

from __future__ import annotations

from cleaning.extract.candidates import Candidate, Choice, agreement_scores, prose_share

# no candidate's mean token F1 with the others reaches this: the extractors read different
# parts of the page
MAX_AGREEMENT = 0.2
MIN_CANDIDATES = 3


def prose_chars(text: str) -> float:
    return prose_share(text) * len(text)


def prose_over_discord(
    choice: Choice, candidates: tuple[Candidate, ...], max_agreement: float = MAX_AGREEMENT
) -> Choice:
    """The choice, or the most prose-rich candidate where no two candidates agree."""
    if choice.agreement >= max_agreement or len(candidates) < MIN_CANDIDATES:
        return choice  # the chosen text's own agreement is a lower bound of the best one
    scores = agreement_scores(candidates)
    if len(scores) < MIN_CANDIDATES or max(scores.values()) >= max_agreement:
        return choice
    best = max((c for c in candidates if c.name in scores), key=lambda c: prose_chars(c.text))
    if best.name == choice.candidate.name:
        return choice
    return Choice(best, scores[best.name], f"most prose, no two of {len(scores)} agree")
