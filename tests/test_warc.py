"""`ingest-warc` on WARC and ARC files made here: bad and non-HTML records in the middle of a
file, revisits, idempotence, --resume, provenance; and the reader on its own."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import corpus.warc.ingest
from corpus.cli import cli
from corpus.export.dataset import ExportRequest, export_dataset
from corpus.models import Article, Claim, Comment, CrawlRun, Page
from corpus.store import Store, open_store
from corpus.warc.export import WarcExportRequest, export_warc
from corpus.warc.ingest import WarcIngestRequest, ingest_warc, resume_ingest
from tests.warc_files import (
    BASE_URL,
    Fetch,
    fetch_times,
    records_of,
    sample_fetches,
    truncate,
    warc_record,
    write_arc,
    write_warc,
)

PNG = Fetch("http://127.0.0.1:8765/law/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(300), "image/png")


@pytest.fixture
def store(db_path: Path) -> Any:
    opened = open_store(str(db_path))
    yield opened
    opened.dispose()


def ingest(store: Store, *paths: Path, site: str | None = None) -> int:
    return ingest_warc(store, WarcIngestRequest(tuple(paths), site=site, workers=1))


def run_row(store: Store, run_id: int) -> CrawlRun:
    with store.session() as session:
        return session.get_one(CrawlRun, run_id)


def counts(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Page, Article, Claim, Comment)
        }


def pages_by_url(store: Store) -> dict[str, Page]:
    with store.session() as session:
        return {page.url: page for page in session.scalars(select(Page).order_by(Page.id))}


@pytest.mark.parametrize("gzipped", [True, False], ids=["gzip", "plain"])
def test_a_truncated_record_mid_file_is_recorded_with_its_offset_and_skipped(
    store: Store, tmp_path: Path, gzipped: bool
) -> None:
    fetches = sample_fetches("/law/hf/", 3)
    records = records_of(fetches, gzipped)
    records[1] = truncate(records[1], gzipped)
    path = tmp_path / ("cut.warc.gz" if gzipped else "cut.warc")
    offsets = write_warc(path, records)

    run = run_row(store, ingest(store, path))

    stored = pages_by_url(store)
    assert set(stored) == {fetches[0].url, fetches[2].url}
    assert all(page.outcome == "article" for page in stored.values())
    assert run.status == "finished"
    bad = run.stats["warc"]["bad_records"]
    assert [(b["file"], b["offset"]) for b in bad] == [(path.name, offsets[1])]
    assert bad[0]["reason"]


def test_a_non_html_record_mid_file_is_kept_raw_and_the_rest_is_read(
    store: Store, tmp_path: Path
) -> None:
    html = sample_fetches("/law/hf/", 2)
    path = tmp_path / "mixed.warc.gz"
    write_warc(path, records_of([html[0], PNG, html[1]]))

    run = run_row(store, ingest(store, path))

    stored = pages_by_url(store)
    assert stored[PNG.url].outcome == "rejected" and stored[PNG.url].reason == "not-html"
    assert stored[PNG.url].body_size == len(PNG.body)
    assert stored[html[1].url].outcome == "article"
    assert run.articles_new == 2 and run.rejects == {"not-html": 1}


def test_pages_keep_uri_date_headers_and_their_record_as_provenance(
    store: Store, tmp_path: Path
) -> None:
    fetches = sample_fetches("/law/hf/", 2)
    path = tmp_path / "two.warc.gz"
    offsets = write_warc(path, records_of(fetches))
    ingest(store, path, site="law-archive")

    with store.session() as session:
        page = session.scalars(select(Page).where(Page.url == fetches[1].url)).one()
        article = session.get_one(Article, page.article_id)
    assert page.fetched_at.replace(tzinfo=None) == fetch_times(2)[1].replace(tzinfo=None)
    assert page.headers["content-type"] == fetches[1].content_type
    assert page.site == article.site == "law-archive"
    assert (page.warc_file, page.warc_offset) == (path.name, offsets[1])
    assert (article.warc_file, article.warc_offset) == (path.name, offsets[1])


def test_ingesting_the_same_file_twice_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "twice.warc.gz"
    write_warc(path, records_of(sample_fetches("/law/hf/", 3)))
    ingest(store, path)
    before = counts(store)

    second = run_row(store, ingest(store, path))

    assert counts(store) == before
    assert second.pages_fetched == 0
    assert second.stats["warc"]["passes"][-1]["records"]["already-stored"] == 3


def test_resume_carries_on_after_the_last_stored_record(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetches = sample_fetches("/law/hf/", 5)
    path = tmp_path / "long.warc.gz"
    offsets = write_warc(path, records_of(fetches))
    real_read = corpus.warc.ingest.read_archive

    def killed_after_three(archive: Path, start: int = 0) -> Any:
        for count, entry in enumerate(real_read(archive, start)):
            if count == 3:
                raise KeyboardInterrupt
            yield entry

    monkeypatch.setattr(corpus.warc.ingest, "read_archive", killed_after_three)
    request = WarcIngestRequest((path,), workers=1)
    with pytest.raises(KeyboardInterrupt):
        ingest_warc(store, request)
    run_id = store_run_ids(store)[-1]
    assert run_row(store, run_id).status == "interrupted"
    assert len(pages_by_url(store)) == 3

    taken: list[int] = []
    real_take = corpus.warc.ingest.IngestSession.take
    monkeypatch.setattr(corpus.warc.ingest, "read_archive", real_read)
    monkeypatch.setattr(
        corpus.warc.ingest.IngestSession,
        "take",
        lambda self, entry: (taken.append(entry.offset), real_take(self, entry))[1],
    )
    resume_ingest(store, run_id)

    assert taken == offsets[3:]
    run = run_row(store, run_id)
    assert run.status == "finished" and run.pages_fetched == 5 and run.articles_new == 5
    assert len(run.stats["warc"]["passes"]) == 2


def store_run_ids(store: Store) -> list[int]:
    with store.session() as session:
        return list(session.scalars(select(CrawlRun.id).order_by(CrawlRun.id)))


def test_revisits_become_not_modified_pages_of_the_earlier_fetch(
    store: Store, tmp_path: Path
) -> None:
    first, second = sample_fetches("/law/hf/", 2)
    t0, t1, t2 = fetch_times(3)
    response = warc_record(first, t0)
    digest = warc_header(response, "WARC-Payload-Digest")
    same = warc_record(
        first,
        t1,
        kind="revisit",
        **{
            "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
            "WARC-Payload-Digest": digest,
            "WARC-Refers-To-Target-URI": first.url,
        },
    )
    not_modified = warc_record(
        Fetch(first.url, b"", first.content_type, status=304),
        t2,
        kind="revisit",
        **{"WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/server-not-modified"},
    )
    orphan = warc_record(Fetch(second.url, b"", second.content_type, 304), t2, kind="revisit")
    path = tmp_path / "revisits.warc.gz"
    write_warc(path, [response, same, not_modified, orphan])

    run = run_row(store, ingest(store, path))

    with store.session() as session:
        pages = list(session.scalars(select(Page).order_by(Page.id)))
        article = session.scalars(select(Article)).one()
    assert [(p.outcome, p.reason) for p in pages] == [
        ("article", None),
        ("not-modified", "same-content"),
        ("not-modified", "http-304"),
    ]
    assert all(page.article_id == article.id for page in pages)
    assert article.last_seen_at.replace(tzinfo=None) == t2.replace(tzinfo=None)
    assert run.stats["warc"]["passes"][-1]["records"]["revisit-without-original"] == 1


def warc_header(record: bytes, name: str) -> str:
    head = gzip.decompress(record).split(b"\r\n\r\n", 1)[0].decode()
    return next(line.split(": ", 1)[1] for line in head.splitlines() if line.startswith(name + ":"))


@pytest.mark.parametrize("gzipped", [True, False], ids=["arc.gz", "arc"])
def test_arc_files_are_read_like_warc(store: Store, tmp_path: Path, gzipped: bool) -> None:
    fetches = sample_fetches("/law/hf/", 2)
    path = tmp_path / ("old.arc.gz" if gzipped else "old.arc")
    write_arc(path, fetches, gzipped)

    run = run_row(store, ingest(store, path))

    assert run.articles_new == 2
    assert {url for url, p in pages_by_url(store).items() if p.outcome == "article"} == {
        f.url for f in fetches
    }


def request_record(fetch: Fetch, when: datetime, agent: str) -> bytes:
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    path = fetch.url.removeprefix(BASE_URL)
    http = StatusAndHeaders(
        f"GET {path} HTTP/1.1",
        [("Host", "127.0.0.1:8765"), ("User-Agent", agent)],
        is_http_request=True,
    )
    headers = {"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
    writer.write_record(
        writer.create_warc_record(
            fetch.url, "request", warc_headers_dict=headers, http_headers=http
        )
    )
    return out.getvalue()


def test_request_records_are_kept_with_their_response_before_or_after_it(
    store: Store, tmp_path: Path
) -> None:
    first, second, third = sample_fetches("/law/hf/", 3)
    t0, t1, t2 = fetch_times(3)
    path = tmp_path / "pairs.warc.gz"
    write_warc(
        path,
        [
            request_record(first, t0, "wget-order"),  # request first: wget, Common Crawl
            warc_record(first, t0),
            warc_record(second, t1),  # response first: warcio, Heritrix
            request_record(second, t1, "warcio-order"),
            warc_record(third, t2),  # no request at all
        ],
    )

    ingest(store, path)

    requests = {url: page.request for url, page in pages_by_url(store).items()}
    assert requests[first.url] == {
        "method": "GET",
        "headers": {"host": "127.0.0.1:8765", "user-agent": "wget-order"},
    }
    assert requests[second.url]["headers"]["user-agent"] == "warcio-order"
    assert requests[third.url] is None


def test_export_card_and_columns_name_the_warc_provenance(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "cc-slice.warc.gz"
    offsets = write_warc(path, records_of(sample_fetches("/law/hf/", 2)))
    ingest(store, path)

    export_dataset(store, ExportRequest(tmp_path / "out", "jsonl"))

    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "2 articles were read from WARC/ARC files" in card and "`cc-slice.warc.gz` (2)" in card
    rows = (tmp_path / "out" / "articles.jsonl").read_text(encoding="utf-8")
    assert f'"warc_file": "cc-slice.warc.gz", "warc_offset": {offsets[1]}' in rows


def test_an_ingested_corpus_exports_as_warc_and_back(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "colleague.warc.gz"
    write_warc(path, records_of([*sample_fetches("/law/hf/", 3), PNG]))
    ingest(store, path)
    out = tmp_path / "warc"

    result = CliRunner().invoke(
        cli, ["export", "--format", "warc", str(out), "--db", store.url.removeprefix("sqlite:///")]
    )

    assert result.exit_code == 0, result.output
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, out.glob("*.warc.gz"))],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "4 pages were read from web archives by `ingest-warc`: `colleague.warc.gz` (4)" in card
    export_warc(store, WarcExportRequest(tmp_path / "same"))
    assert (tmp_path / "same" / "manifest.json").read_bytes() == (
        out / "manifest.json"
    ).read_bytes()
    again = open_store(str(tmp_path / "again.db"))
    ingest(again, *out.glob("*.warc.gz"))
    facts = [
        {(u, p.fetched_at, p.body_sha256, p.site) for u, p in pages_by_url(s).items()}
        for s in (store, again)
    ]
    again.dispose()
    assert facts[0] == facts[1]


def test_cli_ingest_warc(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "cli.warc.gz"
    fetches = sample_fetches("/law/hf/", 2)
    records = records_of(fetches)
    write_warc(path, [records[0], truncate(records[1], gzipped=True)])
    runner = CliRunner()

    result = runner.invoke(cli, ["ingest-warc", str(path), "--db", str(db_path), "--workers", "1"])

    assert result.exit_code == 0, result.output
    assert "Skipped bad record: cli.warc.gz offset" in result.output
    shown = runner.invoke(cli, ["runs", "show", "1", "--db", str(db_path)])
    assert "Skipped bad record" in shown.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.warc.gz"], "no such file: missing.warc.gz"),
        ([], "give one or more WARC/ARC files"),
        (["--resume", "7"], "there is no crawl run 7"),
    ],
)
def test_cli_ingest_warc_errors_are_one_line(db_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["ingest-warc", *args, "--db", str(db_path)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_crawl_run_cannot_be_resumed_as_an_ingest(store: Store, db_path: Path) -> None:
    from corpus.run_records import start_run

    run_id = start_run(store, "sample-law", ["http://127.0.0.1:1/"], {})
    result = CliRunner().invoke(cli, ["ingest-warc", "--resume", str(run_id), "--db", str(db_path)])
    assert result.exit_code != 0 and "resume it with `crawl --resume`" in result.output


def test_a_file_that_is_no_archive_is_refused_and_nothing_ingested(
    db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "photo.warc.gz"
    path.write_bytes(PNG.body)

    result = CliRunner().invoke(
        cli, ["ingest-warc", str(path), "--db", str(db_path), "--workers", "1"]
    )

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "not a WARC or ARC file (gzip-compressed or not)" in result.output
    assert not db_path.exists()


def test_redirect_and_304_responses_are_kept_without_cleaning(store: Store, tmp_path: Path) -> None:
    article = sample_fetches("/law/hf/", 1)[0]
    moved = Fetch(article.url + "?old", b"<html>Moved</html>", status=301)
    again = Fetch(article.url, b"", article.content_type, status=304)
    t0, t1, t2 = fetch_times(3)
    path = tmp_path / "statuses.warc.gz"
    write_warc(path, [warc_record(moved, t0), warc_record(article, t1), warc_record(again, t2)])

    ingest(store, path)

    with store.session() as session:
        facts = [(p.status, p.outcome, p.reason) for p in session.scalars(select(Page))]
    assert sorted(facts) == [
        (200, "article", None),
        (301, "rejected", "http-301"),
        (304, "not-modified", "http-304"),
    ]


def test_an_ingest_run_cannot_be_resumed_as_a_crawl(store: Store, db_path: Path) -> None:
    from corpus.run_records import start_run

    settings = WarcIngestRequest((db_path,)).as_settings()
    run_id = start_run(store, "warc", ["x.warc.gz"], settings)
    result = CliRunner().invoke(cli, ["crawl", "--resume", str(run_id), "--db", str(db_path)])
    assert result.exit_code != 0 and "resume it with `ingest-warc --resume`" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nested"], "--nested shapes tables"),
        (["--warc-size", "lots"], "'lots' is not a size"),
        (["--warc-size", "10K"], "--warc-size must be at least 100,000 bytes"),
    ],
)
def test_cli_warc_export_errors_are_one_line(
    store: Store, db_path: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    argv = ["export", "--format", "warc", str(tmp_path / "out"), *args, "--db", str(db_path)]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output
