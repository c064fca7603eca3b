"""Split claims_gold2<PART>_all.spec by article into a dev and a test spec (run once per part).

    python tests/data/gold_specs/split_by_article.py PART SEED

The parts so far: 2i with seed 20261202 (claims-2.4), 2j with 20261203 (claims-2.5), 2l with
20261204 (claims-2.6), 2m with 20261205 (claims-2.7), 2n with 20261206
(claims-2.8), 2o with 20261207 (real text, after claims-2.8), 2p with 20261208.

Articles are shuffled with a fixed seed and taken into test until it holds at least 40% of the
sentences; the rest is dev. The split was committed before the extractor was run on either part.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(part_name: str, seed: int) -> None:
    lines = (HERE / f"claims_gold{part_name}_all.spec").read_text("utf-8").splitlines()
    header = [line for line in lines if line.startswith("//")]
    articles: list[list[str]] = []
    for line in lines:
        if line.startswith("# "):
            articles.append([line])
        elif articles and line.strip():
            articles[-1].append(line)
    sizes = [sum("||" in line for line in article) for article in articles]
    order = list(range(len(articles)))
    random.Random(seed).shuffle(order)
    test: set[int] = set()
    for index in order:
        if sum(sizes[i] for i in test) >= 0.4 * sum(sizes):
            break
        test.add(index)
    for part, chosen in (("dev", set(order) - test), ("test", test)):
        body = [line for i in sorted(chosen) for line in articles[i]]
        (HERE / f"claims_gold{part_name}_{part}.spec").write_text(
            "\n".join(header + body) + "\n", "utf-8"
        )
        print(part, len(chosen), "articles", sum(sizes[i] for i in chosen), "sentences")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
