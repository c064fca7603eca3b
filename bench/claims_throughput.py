"""Claim extraction throughput on the sample-site articles and the seeds, one core.

    .venv/bin/python bench/claims_throughput.py [--seconds 5] [--checks on|off]

Prints articles per second and characters per second of CPU time (time.process_time, so a
machine shared with other work does not distort the figure much; wall-clock rate beside it).
Lexicons are loaded and jieba's dictionary is read before timing starts (a one-off cost per
process, printed separately).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cleaning.claims import ClaimConfig, extract_claims  # noqa: E402
from cleaning.claims.fields import _modality_hits  # noqa: E402
from cleaning.claims.numbers import amount_in, days_in  # noqa: E402
from cleaning.claims.roles import clause_role, sentence_roles  # noqa: E402
from cleaning.claims.segment import _segment_cached, tokenizer  # noqa: E402

# Per-text caches; cleared before each article so repeats of the same texts do not flatter us.
TEXT_CACHES = (_segment_cached, _modality_hits, amount_in, days_in, clause_role, sentence_roles)
from samplesite.content import load_articles  # noqa: E402

SEEDS = REPO.parent / "shared" / "seeds"


def sample_texts() -> list[str]:
    texts = [article.gold_text for article in load_articles()]
    texts += [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--checks", choices=("on", "off"), default="on")
    args = parser.parse_args()
    config = ClaimConfig(checks=args.checks == "on")
    texts = sample_texts()
    started = time.perf_counter()
    tokenizer().initialize()
    extract_claims(texts[0], config)
    print(f"warm-up (lexicons + jieba dictionary): {time.perf_counter() - started:.2f} s")
    articles = characters = claims = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while time.process_time() - cpu_started < args.seconds:
        for text in texts:
            for text_cache in TEXT_CACHES:
                text_cache.cache_clear()
            claims += len(extract_claims(text, config))
            articles += 1
            characters += len(text)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"{len(texts)} distinct articles, mean {characters // articles} characters")
    print(
        f"{articles / cpu:.0f} articles/s per core (CPU time), {characters / cpu / 1000:.0f}k "
        f"chars/s, {claims / articles:.1f} claims per article (checks {args.checks}); "
        f"wall clock {articles / elapsed:.0f} articles/s"
    )


if __name__ == "__main__":
    main()
