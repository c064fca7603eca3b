"""End to end through real servers and real clients: GNU wget mirrors the sample site into a
WARC that `ingest-warc` turns into the corpus a `debtcorpus crawl` makes; a crawl exported
with `export --format warc` passes `warcio check` and ingests back into the same pages and
articles, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from corpus.cli import cli
from corpus.export.card import sha256_of
from corpus.models import Article, Page
from corpus.store import Store
from tests.test_postgres import pg_db, postgres_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow

WGET_HINT = "GNU wget is not installed: `apt-get install wget` (see .ci/services)"
WGET_SITES = {"sample-wp": "/wp/", "sample-law": "/law/"}
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "--log-level", "ERROR")


def debtcorpus(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "corpus", *args]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"debtcorpus {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result


def articles(db: str) -> set[tuple[str, str]]:
    store = Store(db)
    with store.session() as session:
        rows = {
            (url, text) for url, text in session.execute(select(Article.url, Article.text_sha256))
        }
    store.dispose()
    return rows


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def pages(db: str) -> list[tuple[str, datetime, str | None, str, str]]:
    """URL, fetch time, body hash, outcome and the request sent, of every page."""
    store = Store(db)
    with store.session() as session:
        rows = session.execute(
            select(Page.url, Page.fetched_at, Page.body_sha256, Page.outcome, Page.request)
        )
        facts = sorted(
            (url, as_utc(at), body, outcome, json.dumps(request, sort_keys=True))
            for url, at, body, outcome, request in rows
        )
    store.dispose()
    return facts


def wget_mirror(base_url: str, start_paths: list[str], warc: Path) -> None:
    """Mirror sections of the sample site; wget stays on 127.0.0.1, below each start path."""
    argv = [
        "wget",
        "--recursive",
        "--level=inf",
        "--no-parent",
        "--domains=127.0.0.1",
        "--no-proxy",
        "--tries=1",
        "--timeout=10",
        "--no-verbose",
        f"--warc-file={warc.with_suffix('').with_suffix('')}",
        "--no-warc-keep-log",
        "--directory-prefix",
        str(warc.parent / "files"),
        *(f"{base_url}{path}" for path in start_paths),
    ]
    # exit 8: some URLs answered 404 (the site links missing images), which is expected
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 8), result.stderr[-2000:]
    assert warc.is_file()


@pytest.mark.skipif(shutil.which("wget") is None, reason=WGET_HINT)
def test_a_wget_mirror_ingests_to_the_articles_of_a_crawl(
    fresh_sample_site: str, tmp_path: Path
) -> None:
    warc = tmp_path / "mirror.warc.gz"
    wget_mirror(fresh_sample_site, list(WGET_SITES.values()), warc)
    from_wget, crawled = str(tmp_path / "wget.db"), str(tmp_path / "crawl.db")

    debtcorpus("ingest-warc", str(warc), "--db", from_wget)
    sites = [arg for site in WGET_SITES for arg in ("--site", site)]
    debtcorpus("crawl", *sites, "--base-url", fresh_sample_site, *FAST, "--db", crawled)

    expected = articles(crawled)
    assert len(expected) >= 16
    assert articles(from_wget) == expected


@pytest.fixture(scope="module")
def crawled_twice(sample_site: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """sample-law crawled twice (the second crawl re-fetches with validators), exported."""
    folder = tmp_path_factory.mktemp("warc-round-trip")
    db = str(folder / "crawl.db")
    for _ in range(2):
        debtcorpus("crawl", "--site", "sample-law", "--base-url", sample_site, *FAST, "--db", db)
    out = folder / "warc"
    debtcorpus("export", "--format", "warc", str(out), "--warc-size", "100K", "--db", db)
    return db, out


def test_the_warc_export_passes_warcio_check_and_its_manifest(
    crawled_twice: tuple[str, Path],
) -> None:
    _db, out = crawled_twice
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["warc_files"]
    assert len(files) >= 2, "100K files: the crawl must be split"
    check = [sys.executable, "-m", "warcio.cli", "check", "-v", *(str(out / f) for f in files)]
    result = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "digest pass" in result.stdout
    for name in files:
        assert manifest["files"][name]["sha256"] == sha256_of(out / name)
    counts = manifest["record_counts"]
    assert counts["warcinfo"] == len(files)
    assert counts["revisit"] > 0 and counts["request"] == counts["response"] + counts["revisit"]
    assert [run["id"] for run in manifest["crawl_runs"]] == [1, 2]


def test_a_crawl_round_trips_through_warc(crawled_twice: tuple[str, Path], tmp_path: Path) -> None:
    db, out = crawled_twice
    rebuilt = str(tmp_path / "rebuilt.db")
    warcs = sorted(str(path) for path in out.glob("*.warc.gz"))

    debtcorpus("ingest-warc", *warcs, "--db", rebuilt)

    assert pages(rebuilt) == pages(db)
    assert all(request != "null" for *_facts, request in pages(db)), "the crawl kept requests"
    assert articles(rebuilt) == articles(db)
    again = debtcorpus("ingest-warc", *warcs, "--db", rebuilt)
    assert f"already-stored={len(pages(db))}," in again.stdout
    assert pages(rebuilt) == pages(db)


def test_export_filters_pick_the_pages_archived(
    crawled_twice: tuple[str, Path], tmp_path: Path
) -> None:
    db, _out = crawled_twice
    both = pages(db)
    second_run_start = min(at for _u, at, _b, outcome, _r in both if outcome == "not-modified")

    def exported(*filters: str) -> int:
        # in process: the fixture's export ran as a real `debtcorpus` process already, and six
        # more start-ups (imports) would only add time
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        args = ["export", "--format", "warc", str(out), *filters, "--db", db]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, f"debtcorpus {' '.join(args)}:\n{result.output[-3000:]}"
        return int(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["pages"])

    assert exported() == len(both)
    assert exported("--run", "1") + exported("--run", "2") == len(both)
    assert exported("--site", "sample-law") == len(both)
    assert exported("--crawled-from", "2099-01-01") == 0  # (an unknown --site is refused)
    later = exported("--crawled-from", second_run_start.isoformat())
    assert 0 < later < len(both)


@pytest.mark.services
def test_ingest_warc_on_postgres(crawled_twice: tuple[str, Path], pg_db: str) -> None:  # noqa: F811
    db, out = crawled_twice
    warcs = sorted(str(path) for path in out.glob("*.warc.gz"))

    debtcorpus("ingest-warc", *warcs, "--db", pg_db)

    assert pages(pg_db) == pages(db)
    assert articles(pg_db) == articles(db)
