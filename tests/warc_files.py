"""Build WARC and ARC files for the tests: real sample-site pages, written by warcio (or, for
ARC, in the ARC v1 layout wget and Heritrix used), with faults put in the way files get them."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from samplesite.pages import build_pages

BASE_URL = "http://127.0.0.1:8765"
FIRST_FETCH = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Fetch:
    url: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


def sample_fetches(prefix: str = "/law/", limit: int = 4) -> list[Fetch]:
    """Article pages of the bundled sample site, as the server would send them."""
    pages, _views = build_pages(BASE_URL)
    paths = sorted(p for p, page in pages.items() if p.startswith(prefix) and p.endswith(".html"))
    return [
        Fetch(BASE_URL + path, pages[path].body, pages[path].content_type) for path in paths[:limit]
    ]


def warc_record(
    fetch: Fetch, when: datetime, gzipped: bool = True, kind: str = "response", **warc: str
) -> bytes:
    """One record as its own bytes (its own gzip member when `gzipped`)."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=gzipped, warc_version="1.1")
    status = f"{fetch.status} OK" if fetch.status == 200 else f"{fetch.status} Status"
    http = StatusAndHeaders(
        status,
        [("Content-Type", fetch.content_type), ("Content-Length", str(len(fetch.body)))],
        protocol="HTTP/1.1",
    )
    headers = {"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"), **warc}
    if kind == "revisit":
        record = writer.create_warc_record(
            fetch.url, "revisit", warc_headers_dict=headers, http_headers=http
        )
    else:
        record = writer.create_warc_record(
            fetch.url,
            kind,
            payload=BytesIO(fetch.body),
            warc_headers_dict=headers,
            http_headers=http,
        )
    writer.write_record(record)
    return out.getvalue()


def write_warc(path: Path, records: list[bytes]) -> list[int]:
    """Write the records one after the other; returns each record's offset."""
    offsets, position = [], 0
    for record in records:
        offsets.append(position)
        position += len(record)
    path.write_bytes(b"".join(records))
    return offsets


def fetch_times(count: int) -> list[datetime]:
    return [FIRST_FETCH + timedelta(minutes=i) for i in range(count)]


def arc_record(fetch: Fetch, when: datetime) -> bytes:
    http = (
        f"HTTP/1.0 {fetch.status} OK\r\nContent-Type: {fetch.content_type}\r\n"
        f"Content-Length: {len(fetch.body)}\r\n\r\n"
    ).encode() + fetch.body
    mime = fetch.content_type.split(";")[0]
    line = f"{fetch.url} 127.0.0.1 {when.strftime('%Y%m%d%H%M%S')} {mime} {len(http)}\n"
    return line.encode() + http + b"\n"


def arc_file_header(name: str) -> bytes:
    version = b"1 0 debtcorpus-tests\nURL IP-address Archive-date Content-type Archive-length\n"
    line = f"filedesc://{name} 127.0.0.1 20261120080000 text/plain {len(version)}\n"
    return line.encode() + version + b"\n"


def write_arc(path: Path, fetches: list[Fetch], gzipped: bool) -> None:
    records = [arc_file_header(path.name)]
    records += [arc_record(f, t) for f, t in zip(fetches, fetch_times(len(fetches)), strict=True)]
    if gzipped:
        records = [gzip.compress(record, mtime=0) for record in records]
    path.write_bytes(b"".join(records))


def records_of(fetches: list[Fetch], gzipped: bool = True) -> list[bytes]:
    times = fetch_times(len(fetches))
    return [warc_record(f, t, gzipped) for f, t in zip(fetches, times, strict=True)]


def truncate(record: bytes, gzipped: bool) -> bytes:
    """Cut a record in the middle of its body, as a crawler killed mid-write leaves it."""
    if gzipped:
        return gzip.compress(gzip.decompress(record)[: len(record) // 2], mtime=0)
    return record[: len(record) // 2]
