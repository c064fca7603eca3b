"""Storage per page: crawl the sample site's generated section, then measure the SQLite file.

Serves `sample-site serve --generate N` on 127.0.0.1 (default 3,000 article pages), crawls it
with `debtcorpus crawl --site sample-gen` into a fresh corpus (raw HTML kept), VACUUMs a copy
and prints its size per stored page and per table (SQLite's dbstat, each index counted with
its table). `--db PATH` measures an existing corpus instead of crawling.

`--codecs` also compresses every stored raw body with zlib (the old codec) and zstd at a few
levels, with and without a dictionary trained per site from its first pages, and prints the
bytes per page and the CPU time to compress and decompress them all.

`--real ../shared/benchmarks/extraction-zh-news` instead compresses real pages of the sites
with at least 12 pages there: a dictionary trained on each site's first half, tried on the rest.

  .venv/bin/python bench/storage.py [--pages 3000] [--db corpus.db] [--codecs]
  .venv/bin/python bench/storage.py --real ../shared/benchmarks/extraction-zh-news
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DICTIONARY_PAGES = 200


def crawl(pages: int, db: Path) -> None:
    argv = [sys.executable, "-m", "samplesite", "serve", "--port", "0", "--generate", str(pages)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert server.stdout is not None
    base_url = server.stdout.readline().strip().rstrip("/")
    try:
        command = [sys.executable, "-m", "corpus", "crawl", "--db", str(db)]
        command += ["--site", "sample-gen", "--base-url", base_url]
        print("$", " ".join(command), flush=True)
        subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    finally:
        server.terminate()
        server.wait(timeout=10)


def table_sizes(connection: sqlite3.Connection) -> dict[str, int]:
    """Bytes per table, its indexes (and an FTS table's shadow tables) counted with it."""
    owner = dict(connection.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
    sizes: dict[str, int] = defaultdict(int)
    for name, size in connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        table = owner.get(name, name)
        for shadow in ("_data", "_idx", "_content", "_docsize", "_config"):
            table = table.removesuffix(shadow) if table.endswith("_fts" + shadow) else table
        sizes[table] += size
    return dict(sizes)


def measure(db: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "corpus.db"
        shutil.copy(db, copy)
        connection = sqlite3.connect(copy)
        connection.execute("VACUUM")
        pages = connection.execute("SELECT count(*) FROM pages").fetchone()[0]
        articles = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
        claims = connection.execute("SELECT count(*) FROM claims").fetchone()[0]
        sizes = table_sizes(connection)
        connection.close()
        total = copy.stat().st_size
    print(f"{db}: {pages} pages, {articles} articles, {claims} claims")
    print(f"file after VACUUM: {total / 2**20:.2f} MiB, {total / 1000 / pages:.2f} KB per page")
    for table, size in sorted(sizes.items(), key=lambda item: -item[1]):
        if size >= total / 200:
            share = 100 * size / total
            print(f"  {table:<28}{size / 1000 / pages:>8.2f} KB/page {share:>6.1f}%")


def timed(function: Callable[[bytes], bytes], items: list[bytes]) -> tuple[list[bytes], float]:
    started = time.process_time()
    out = [function(item) for item in items]
    return out, time.process_time() - started


def codecs(db: Path) -> None:
    from corpus.bodies import decompress, train_dictionary

    connection = sqlite3.connect(db)
    columns = {row[1] for row in connection.execute("PRAGMA table_info(pages)")}
    query = "SELECT p.site, p.body, NULL, NULL FROM pages p WHERE p.body IS NOT NULL ORDER BY p.id"
    if "body_codec" in columns:
        query = (
            "SELECT p.site, p.body, p.body_codec, d.data FROM pages p LEFT JOIN "
            "body_dictionaries d ON d.id = p.body_dictionary_id WHERE p.body IS NOT NULL "
            "ORDER BY p.id"
        )
    rows = connection.execute(query).fetchall()
    bodies = [(site, decompress(body, codec, data)) for site, body, codec, data in rows]
    connection.close()
    raw = [body for _, body in bodies]
    by_site: dict[str | None, list[bytes]] = defaultdict(list)
    for site, body in bodies:
        by_site[site].append(body)
    dictionaries = {
        site: train_dictionary(items[:DICTIONARY_PAGES]) for site, items in by_site.items()
    }
    dictionary_bytes = sum(len(d.dict_content) for d in dictionaries.values())
    print(f"\n{len(raw)} bodies, {sum(map(len, raw)) / 1000 / len(raw):.2f} KB raw per page;")
    print(f"dictionaries: {len(dictionaries)} ({dictionary_bytes} bytes), each trained on the")
    print(f"first {DICTIONARY_PAGES} pages of its site")
    print(f"{'codec':<24}{'KB/page':>9}{'compress s':>12}{'decompress s':>14}")
    candidates: list[tuple[str, Callable[[bytes], bytes], Callable[[bytes], bytes]]] = [
        ("zlib 6 (old)", zlib.compress, zlib.decompress),
        ("zlib 9", lambda b: zlib.compress(b, 9), zlib.decompress),
    ]
    site_dictionary = next(iter(dictionaries.values()))
    for level in (3, 9, 19):
        candidates.append((f"zstd {level}", _zstd(level, None), _unzstd(None)))
        candidates.append(
            (f"zstd {level} + dictionary", _zstd(level, site_dictionary), _unzstd(site_dictionary))
        )
    assert len(dictionaries) == 1, "one site: one dictionary for every body"
    for name, pack, unpack in candidates:
        packed, packing = timed(pack, raw)
        unpacked, unpacking = timed(unpack, packed)
        assert unpacked == raw
        size = sum(map(len, packed)) / 1000 / len(raw)
        print(f"{name:<24}{size:>9.2f}{packing:>12.2f}{unpacking:>14.2f}")


def _zstd(level: int, dictionary: object) -> Callable[[bytes], bytes]:
    from corpus.bodies import zstd

    return lambda body: zstd.compress(body, level=level, zstd_dict=dictionary)


def _unzstd(dictionary: object) -> Callable[[bytes], bytes]:
    from corpus.bodies import zstd

    return lambda body: zstd.decompress(body, zstd_dict=dictionary)


def real_sites(folder: Path, least: int = 12) -> None:
    """Real pages of the sites with at least `least` pages in a benchmark folder: a dictionary
    trained on each site's first half, the second half compressed with it."""
    import json

    from corpus.bodies import compress, train_dictionary, zstd

    by_site: dict[str, list[bytes]] = defaultdict(list)
    for line in (folder / "index.jsonl").read_text("utf-8").splitlines():
        entry = json.loads(line)
        by_site[entry["domain"]].append((folder / "pages" / f"{entry['id']}.html").read_bytes())
    print(f"\nreal pages ({folder.name}), second half of each site, KB per page:")
    print(f"{'site':<24}{'pages':>6}{'zlib 6':>8}{'zstd 9':>8}{'zstd 9 + dict':>15}")
    for site, pages in sorted(by_site.items(), key=lambda item: -len(item[1])):
        if len(pages) < least:
            continue
        half = len(pages) // 2
        try:
            dictionary = train_dictionary(pages[:half], 32_768)
        except zstd.ZstdError as error:
            print(f"{site:<24}{len(pages):>6}  no dictionary: {error}")
            continue
        rest = pages[half:]
        sizes = [
            sum(len(pack(body)) for body in rest) / 1000 / len(rest)
            for pack in (zlib.compress, compress, partial(compress, dictionary=dictionary))
        ]
        print(f"{site:<24}{len(pages):>6}" + "".join(f"{size:>8.2f}" for size in sizes[:2]), end="")
        print(f"{sizes[2]:>15.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--codecs", action="store_true")
    parser.add_argument("--real", type=Path, help="a benchmark folder of real pages")
    args = parser.parse_args()
    if args.real:
        real_sites(args.real)
        return
    if args.db is None or not args.db.exists():
        db = args.db or Path(tempfile.mkdtemp()) / "corpus.db"
        crawl(args.pages, db)
    else:
        db = args.db
    measure(db)
    if args.codecs:
        codecs(db)


if __name__ == "__main__":
    main()
