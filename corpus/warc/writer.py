"""Stored fetches -> WARC 1.1 records (warcio), gzip per record, in files of a bounded size.

Every file opens with a warcinfo record. A page becomes a `response` record (and a
`request` record when the crawl kept the request), or a `revisit` record when it was a 304
or a re-fetch of the same bytes. Record ids are derived from the fetch, so exporting the same
pages again gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from corpus.warc.reader import REQUESTED_URI_HEADER, SITE_HEADER

WARC_VERSION = "1.1"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
PROFILE_SAME_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# the body is stored decoded, so the archived message must not claim an encoding
DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
DROPPED_REQUEST_HEADERS = frozenset({"authorization", "proxy-authorization"})
RECORD_ID_NAMESPACE = uuid.UUID("6f0d3c55-5b1e-4f55-9a53-8a1b7f0e2c11")


@dataclass(frozen=True)
class ArchivedFetch:
    """What one WARC record (pair) says about a stored page."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    site: str | None
    body_sha256: str | None
    request: dict[str, Any] | None = None
    # for a revisit: its profile, and the fetch whose payload it repeats
    revisit_profile: str | None = None
    refers_to: ArchivedFetch | None = None


def warc_date(moment: datetime) -> str:
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return str(datetime_to_iso_date(utc.replace(tzinfo=None), use_micros=True))


def record_id(fetch: ArchivedFetch, kind: str) -> str:
    key = f"{kind} {fetch.final_url} {warc_date(fetch.fetched_at)} {fetch.body_sha256}"
    return f"<urn:uuid:{uuid.uuid5(RECORD_ID_NAMESPACE, key)}>"


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def http_response_headers(fetch: ArchivedFetch, with_length: bool) -> StatusAndHeaders:
    pairs = [(k, v) for k, v in fetch.headers.items() if k not in DROPPED_RESPONSE_HEADERS]
    if with_length:
        pairs.append(("content-length", str(len(fetch.body))))
    return StatusAndHeaders(status_line(fetch.status), pairs, protocol="HTTP/1.1")


def http_request_headers(fetch: ArchivedFetch, request: dict[str, Any]) -> StatusAndHeaders:
    parts = urlsplit(fetch.final_url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers: dict[str, str] = request.get("headers") or {}
    pairs = [(k, v) for k, v in headers.items() if k not in DROPPED_REQUEST_HEADERS]
    if "host" not in headers:
        pairs.insert(0, ("host", parts.netloc))
    line = f"{request.get('method') or 'GET'} {target} HTTP/1.1"
    return StatusAndHeaders(line, pairs, is_http_request=True)


@dataclass
class WarcFile:
    path: Path
    handle: IO[bytes]
    writer: WARCWriter
    warcinfo_id: str


@dataclass
class RollingWarcWriter:
    """Writes records into `{prefix}-00000.warc.gz`, ... starting a new file once one has
    reached `max_bytes` (a record pair is never split across files)."""

    folder: Path
    prefix: str
    max_bytes: int
    info: dict[str, str]
    info_date: str
    files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    current: WarcFile | None = None

    def write(self, fetch: ArchivedFetch) -> None:
        target = self._file()
        for record in self._records(target, fetch):
            target.writer.write_record(record)
            kind = record.rec_type
            self.counts[kind] = self.counts.get(kind, 0) + 1
        if target.handle.tell() >= self.max_bytes:
            self.close()

    def _file(self) -> WarcFile:
        if self.current is None:
            path = self.folder / f"{self.prefix}-{len(self.files):05d}.warc.gz"
            handle = path.open("wb")
            writer = WARCWriter(handle, gzip=True, warc_version=WARC_VERSION)
            warcinfo = writer.create_warcinfo_record(path.name, self.info)
            warcinfo.rec_headers.replace_header("WARC-Date", self.info_date)
            warcinfo_id = f"<urn:uuid:{uuid.uuid5(RECORD_ID_NAMESPACE, f'info {path.name}')}>"
            warcinfo.rec_headers.replace_header("WARC-Record-ID", warcinfo_id)
            writer.write_record(warcinfo)
            self.counts["warcinfo"] = self.counts.get("warcinfo", 0) + 1
            self.files.append(path)
            self.current = WarcFile(path, handle, writer, warcinfo_id)
        return self.current

    def _records(self, target: WarcFile, fetch: ArchivedFetch) -> list[Any]:
        main = (
            self._revisit(target, fetch) if fetch.revisit_profile else self._response(target, fetch)
        )
        if fetch.request is None:
            return [main]
        return [main, self._request(target, fetch, main.rec_headers.get_header("WARC-Record-ID"))]

    def _common_headers(self, target: WarcFile, fetch: ArchivedFetch, kind: str) -> dict[str, str]:
        headers = {
            "WARC-Record-ID": record_id(fetch, kind),
            "WARC-Date": warc_date(fetch.fetched_at),
            "WARC-Warcinfo-ID": target.warcinfo_id,
        }
        if fetch.url != fetch.final_url:
            headers[REQUESTED_URI_HEADER] = fetch.url
        if fetch.site:
            headers[SITE_HEADER] = fetch.site
        return headers

    def _response(self, target: WarcFile, fetch: ArchivedFetch) -> Any:
        return target.writer.create_warc_record(
            fetch.final_url,
            "response",
            payload=BytesIO(fetch.body),
            length=len(fetch.body),
            warc_headers_dict=self._common_headers(target, fetch, "response"),
            http_headers=http_response_headers(fetch, with_length=True),
        )

    def _revisit(self, target: WarcFile, fetch: ArchivedFetch) -> Any:
        headers = self._common_headers(target, fetch, "revisit")
        headers["WARC-Profile"] = fetch.revisit_profile or PROFILE_NOT_MODIFIED
        original = fetch.refers_to
        if original is not None:
            headers["WARC-Refers-To"] = record_id(original, "response")
            headers["WARC-Refers-To-Target-URI"] = original.final_url
            headers["WARC-Refers-To-Date"] = warc_date(original.fetched_at)
        record = target.writer.create_warc_record(
            fetch.final_url,
            "revisit",
            warc_headers_dict=headers,
            http_headers=http_response_headers(fetch, with_length=False),
        )
        if original is not None and fetch.revisit_profile == PROFILE_SAME_PAYLOAD:
            record.rec_headers.replace_header("WARC-Payload-Digest", payload_digest(original.body))
        return record

    def _request(self, target: WarcFile, fetch: ArchivedFetch, response_id: str) -> Any:
        headers = self._common_headers(target, fetch, "request")
        headers["WARC-Concurrent-To"] = response_id
        headers.pop(SITE_HEADER, None)
        assert fetch.request is not None
        return target.writer.create_warc_record(
            fetch.final_url,
            "request",
            warc_headers_dict=headers,
            http_headers=http_request_headers(fetch, fetch.request),
        )

    def close(self) -> None:
        if self.current is not None:
            self.current.handle.close()
            self.current = None


def payload_digest(body: bytes) -> str:
    """The WARC habit: `sha1:` and the base-32 digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
