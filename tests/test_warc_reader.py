"""The WARC/ARC reader on its own: files gzipped whole, garbage and corrupt payloads between
good records, record types it passes over, bodies sent chunked and compressed."""

from __future__ import annotations

import gzip
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus.warc.reader import BadRecord, HttpRecord, SkippedRecord, read_archive
from tests.warc_files import fetch_times, records_of, sample_fetches, warc_record, write_warc


def test_a_warc_gzipped_whole_is_read_too(tmp_path: Path) -> None:
    fetches = sample_fetches("/law/hf/", 3)
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(b"".join(records_of(fetches, gzipped=False)), mtime=0))

    entries = list(read_archive(path))

    assert [e.target_uri for e in entries if isinstance(e, HttpRecord)] == [f.url for f in fetches]


def test_garbage_between_records_is_one_bad_record_and_reading_goes_on(tmp_path: Path) -> None:
    fetches = sample_fetches("/law/hf/", 2)
    first, second = records_of(fetches)
    path = tmp_path / "garbage.warc.gz"
    path.write_bytes(first + b"\x00" * 100 + b"not a record\r\n" * 20 + second)

    entries = list(read_archive(path))

    assert [type(e) for e in entries] == [HttpRecord, BadRecord, HttpRecord]
    assert entries[1].offset == len(first)
    assert entries[1].reason.startswith("unreadable:")


def test_a_corrupt_payload_fails_its_digest(tmp_path: Path) -> None:
    fetch = sample_fetches("/law/hf/", 1)[0]
    plain = warc_record(fetch, fetch_times(1)[0], gzipped=False)
    flipped = plain.replace("法".encode(), "去".encode(), 1)
    assert flipped != plain
    path = tmp_path / "flipped.warc"
    path.write_bytes(flipped)

    assert [(type(e), getattr(e, "reason", "")) for e in read_archive(path)] == [
        (BadRecord, "digest-mismatch")
    ]


def test_metadata_records_are_skipped_with_their_type(tmp_path: Path) -> None:
    fetch = sample_fetches("/law/hf/", 1)[0]
    path = tmp_path / "typed.warc.gz"
    when = fetch_times(1)[0]
    write_warc(path, [warc_record(fetch, when, kind="metadata"), warc_record(fetch, when)])

    entries = list(read_archive(path))

    assert isinstance(entries[0], SkippedRecord) and entries[0].reason == "record-type:metadata"
    assert isinstance(entries[1], HttpRecord)


def test_chunked_gzipped_bodies_are_stored_decoded_like_a_crawl_stores_them(
    tmp_path: Path,
) -> None:
    fetch = sample_fetches("/law/hf/", 1)[0]
    packed = gzip.compress(fetch.body, mtime=0)
    chunked = b"".join(
        b"%x\r\n%s\r\n" % (len(part), part)
        for part in (packed[i : i + 4096] for i in range(0, len(packed), 4096))
    )
    chunked += b"0\r\n\r\n"
    http = StatusAndHeaders(
        "200 OK",
        [
            ("Content-Type", fetch.content_type),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
        ],
        protocol="HTTP/1.1",
    )
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    writer.write_record(
        writer.create_warc_record(
            fetch.url, "response", payload=BytesIO(chunked), http_headers=http
        )
    )
    path = tmp_path / "encoded.warc.gz"
    path.write_bytes(out.getvalue())

    (record,) = read_archive(path)

    assert isinstance(record, HttpRecord) and record.body == fetch.body
    assert "content-encoding" not in record.headers
    assert "transfer-encoding" not in record.headers
    assert record.headers["content-type"] == fetch.content_type
