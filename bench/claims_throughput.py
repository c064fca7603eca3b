"""Claim extraction throughput on the sample-site articles and the seeds, one core.

    .venv/bin/python bench/claims_throughput.py [--seconds 5] [--checks on|off]
    .venv/bin/python bench/claims_throughput.py --baseline /tmp/old-checkout   # side by side

Prints articles per second and characters per second of CPU time (time.process_time, so a
machine shared with other work does not distort the figure much; wall-clock rate beside it).
Lexicons are loaded and jieba's dictionary is read before timing starts (a one-off cost per
process, printed separately). Every per-text LRU cache of the claim modules is cleared before
each article, so repeats of the same texts do not flatter the figure.

With --baseline, the same measurement runs in child processes on this tree and on another
checkout of the project (e.g. `git archive OLD | tar -x -C /tmp/old`), interleaved twice, and
the ratio of the means is printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"


def sample_texts() -> list[str]:
    from samplesite.content import load_articles

    texts = [article.gold_text for article in load_articles()]
    texts += [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    return texts


def text_caches() -> list[Any]:
    """The bounded (per-text) LRU caches of the loaded cleaning modules; the unbounded ones
    hold lexicons and stay."""
    found: dict[int, Any] = {}
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("cleaning."):
            continue
        for value in vars(module).values():
            info = getattr(value, "cache_info", None)
            from_cleaning = getattr(value, "__module__", "").startswith("cleaning.")
            if callable(info) and from_cleaning and info().maxsize is not None:
                found[id(value)] = value
    return list(found.values())


def measure(seconds: float, checks: bool) -> dict[str, float]:
    from cleaning.claims import ClaimConfig, extract_claims

    extract: Callable[..., Any] = extract_claims
    config = ClaimConfig(checks=checks)
    texts = sample_texts()
    started = time.perf_counter()
    extract(texts[0], config)
    warm_up = time.perf_counter() - started
    caches = text_caches()
    articles = characters = claims = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while time.process_time() - cpu_started < seconds:
        for text in texts:
            for cache in caches:
                cache.cache_clear()
            claims += len(extract(text, config))
            articles += 1
            characters += len(text)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "texts": len(texts),
        "mean_chars": characters / articles,
        "warm_up": warm_up,
        "per_core": articles / cpu,
        "chars_per_core": characters / cpu,
        "wall": articles / elapsed,
        "claims_per_article": claims / articles,
    }


def child(repo: Path, seconds: float, checks: str) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(repo)]
    command += ["--seconds", str(seconds), "--checks", checks]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output.splitlines()[-1])
    return result


def side_by_side(baseline: Path, seconds: float, checks: str) -> None:
    rates: dict[str, list[float]] = {"this tree": [], "baseline": []}
    for _ in range(2):
        for name, repo in (("baseline", baseline), ("this tree", REPO)):
            rate = child(repo, seconds, checks)["per_core"]
            rates[name].append(rate)
            print(f"{name:9s} {repo}: {rate:.0f} articles/s per core (CPU time)")
    mean = {name: sum(values) / len(values) for name, values in rates.items()}
    print(f"ratio this tree / baseline: {mean['this tree'] / mean['baseline']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--checks", choices=("on", "off"), default="on")
    parser.add_argument("--baseline", type=Path, help="another checkout to time side by side")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        sys.path.insert(0, str(args.measure))
        print(json.dumps(measure(args.seconds, args.checks == "on")))
        return
    if args.baseline is not None:
        side_by_side(args.baseline.resolve(), args.seconds, args.checks)
        return
    sys.path.insert(0, str(REPO))
    result = measure(args.seconds, args.checks == "on")
    print(f"warm-up (lexicons + jieba dictionary): {result['warm_up']:.2f} s")
    print(f"{result['texts']:.0f} distinct articles, mean {result['mean_chars']:.0f} characters")
    print(
        f"{result['per_core']:.0f} articles/s per core (CPU time), "
        f"{result['chars_per_core'] / 1000:.0f}k chars/s, "
        f"{result['claims_per_article']:.1f} claims per article (checks {args.checks}); "
        f"wall clock {result['wall']:.0f} articles/s"
    )


if __name__ == "__main__":
    main()
