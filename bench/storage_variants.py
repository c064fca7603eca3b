"""What each further storage step would save: SQLite's dbstat per table AND per index of a
corpus, then the same corpus (a VACUUMed copy) after each candidate step, cumulative for the
claims, one at a time for the search index.

Claims steps (SQL on the copy, in this order): the rule version dropped (one per article
since 0012: `articles.claim_rule_version`); empty `conditions` ({}) and `checks` ([]) as NULL;
the default polarity (positive) as NULL; `type`, `subtype`, `modality`, `polarity` as small
integer codes (a lookup table of 40 rows); the copies of `days_overdue` and `amount` removed
from `conditions`. Search index (FTS5, rebuilt from the same view in a copy): as built;
after FTS5's `optimize` (its segments merged into one b-tree); `columnsize=0`; `detail=column`
(no positions); `detail=none` (the store since migration 0015: phrases confirmed on the text,
corpus.search.verified). The first three keep positions (the index before 0015).

  .venv/bin/python bench/storage_variants.py DB
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

CODED = ("type", "subtype", "modality", "polarity")
FTS = "search_articles_fts"
FTS_OPTIONS = "content='search_articles_fts_source', content_rowid='id', tokenize='{tokenizer}'"


def btree_sizes(connection: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """Bytes of each b-tree (table or index): name -> (its table, bytes)."""
    owner = dict(connection.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
    query = "SELECT name, sum(pgsize) FROM dbstat GROUP BY name"
    return {name: (owner.get(name, name), size) for name, size in connection.execute(query)}


def print_btrees(connection: sqlite3.Connection, pages: int) -> None:
    total = sum(size for _, size in btree_sizes(connection).values())
    print(f"{'b-tree':<44}{'table':<26}{'KB/page':>8}")
    for name, (table, size) in sorted(btree_sizes(connection).items(), key=lambda i: -i[1][1]):
        if size >= total / 500:
            print(f"{name:<44}{table:<26}{size / 1000 / pages:>8.2f}")


def claims_bytes(connection: sqlite3.Connection) -> dict[str, int]:
    sizes: dict[str, int] = defaultdict(int)
    for name, (table, size) in btree_sizes(connection).items():
        sizes["claims" if table == "claims" else "other"] += size
        if name == "claims":
            sizes["claims rows"] = size
    return sizes


def _codes(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE TABLE claim_codes (code INTEGER PRIMARY KEY, field, value)")
    for name in CODED:
        connection.execute(
            f"INSERT INTO claim_codes (field, value) SELECT DISTINCT '{name}', {name} "
            f"FROM claims WHERE {name} IS NOT NULL"
        )
        connection.execute(
            f"UPDATE claims SET {name} = (SELECT code FROM claim_codes WHERE field = '{name}' "
            f"AND value = claims.{name})"
        )


CLAIM_STEPS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("rule_version dropped", lambda c: c.execute("ALTER TABLE claims DROP COLUMN rule_version")),
    (
        "{} and [] as NULL",
        lambda c: c.execute(
            "UPDATE claims SET conditions = nullif(conditions, '{}'), checks = nullif(checks, '[]')"
        ),
    ),
    (
        "polarity positive as NULL",
        lambda c: c.execute("UPDATE claims SET polarity = nullif(polarity, 'positive')"),
    ),
    ("type/subtype/modality/polarity as codes", _codes),
    (
        "conditions without days_overdue, amount",
        lambda c: c.execute(
            "UPDATE claims SET conditions = nullif(json_remove(conditions, '$.days_overdue', "
            "'$.amount'), '{}') WHERE conditions IS NOT NULL"
        ),
    ),
]


def nullable_claims(connection: sqlite3.Connection) -> None:
    """The claims table as declared, every column nullable (the steps store NULLs)."""
    connection.execute("DROP VIEW IF EXISTS claims_in_context")
    ddl = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'claims'").fetchone()[0]
    indexes = connection.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'claims' AND type = 'index' "
        "AND sql IS NOT NULL"
    ).fetchall()
    connection.execute("ALTER TABLE claims RENAME TO old_claims")
    for (index,) in indexes:
        connection.execute(f"DROP INDEX {index.split()[2]}")
    connection.execute(ddl.replace(" NOT NULL", ""))
    connection.execute("INSERT INTO claims SELECT * FROM old_claims")
    connection.execute("DROP TABLE old_claims")
    for (index,) in indexes:
        connection.execute(index)


def claim_steps(db: Path, pages: int, claims: int) -> None:
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA foreign_keys = OFF")
    columns = {row[1] for row in connection.execute("PRAGMA table_info(claims)")}
    nullable_claims(connection)
    print(f"\nclaims, cumulative ({claims} claims){'':<8}claims KB/page  rows B/claim  total")
    steps = [("as stored", lambda c: None), *CLAIM_STEPS]
    for name, step in steps:
        if name == "rule_version dropped" and "rule_version" not in columns:
            continue
        step(connection)
        connection.commit()
        connection.execute("VACUUM")
        sizes = claims_bytes(connection)
        total = sizes["claims"] + sizes["other"]
        print(
            f"{name:<48}{sizes['claims'] / 1000 / pages:>8.2f}"
            f"{sizes['claims rows'] / claims:>12.1f}{total / 1000 / pages:>10.2f}"
        )
    connection.close()


def fts_variant(db: Path, options: str, optimize: bool) -> tuple[float, float]:
    """(KB of the articles' search index, seconds to build it) with these FTS5 options."""
    from corpus.search.sqlfunctions import register
    from corpus.search.sqlite import COLUMNS, TOKENIZER

    connection = sqlite3.connect(db)
    register(connection)
    for kind in ("ai", "bd", "bu", "au"):
        connection.execute(f"DROP TRIGGER IF EXISTS {FTS}_{kind}")
    connection.execute(f"DROP TABLE {FTS}")
    started = time.perf_counter()
    extra = f", {options}" if options else ""
    connection.execute(
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({COLUMNS}, "
        f"{FTS_OPTIONS.format(tokenizer=TOKENIZER)}{extra})"
    )
    connection.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    if optimize:
        connection.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('optimize')")
    connection.commit()
    seconds = time.perf_counter() - started
    connection.execute("VACUUM")
    size = sum(s for name, (_, s) in btree_sizes(connection).items() if name.startswith(FTS))
    connection.close()
    return size / 1000, seconds


def fts_steps(db: Path, scratch: Path, pages: int) -> None:
    connection = sqlite3.connect(db)
    as_built = sum(s for n, (_, s) in btree_sizes(connection).items() if n.startswith(FTS))
    connection.close()
    print(f"\narticles' search index, one option at a time{'':<6}KB/page  build s (wall)")
    print(f"{'as stored (built row by row by the triggers)':<50}{as_built / 1000 / pages:>8.2f}")
    variants = [
        ("with positions (before 0015)", "", False),
        ("with positions, then optimize", "", True),
        ("with positions, columnsize=0", "columnsize=0", True),
        ("detail=column (no positions)", "detail=column", True),
        ("detail=none (the store since 0015)", "detail=none", True),
    ]
    for name, options, optimize in variants:
        copy = scratch / "fts.db"
        shutil.copy(db, copy)
        size, seconds = fts_variant(copy, options, optimize)
        print(f"{name:<50}{size / pages:>8.2f}{seconds:>10.1f}")


def main() -> None:
    db = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        copy = scratch / "corpus.db"
        shutil.copy(db, copy)
        connection = sqlite3.connect(copy)
        connection.execute("VACUUM")
        pages = connection.execute("SELECT count(*) FROM pages").fetchone()[0]
        claims = connection.execute("SELECT count(*) FROM claims").fetchone()[0]
        print(f"{db}: {pages} pages, {claims} claims; every b-tree of at least 0.2%:")
        print_btrees(connection, pages)
        connection.close()
        fts_steps(copy, scratch, pages)
        claim_steps(copy, pages, claims)


if __name__ == "__main__":
    main()
