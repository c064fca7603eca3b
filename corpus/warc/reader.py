"""WARC and ARC files (gzip per record, whole-file gzip, or plain) -> HTTP records.

warcio parses the records. What this module adds is that one bad record never ends the
file: a truncated record, a digest that does not match, or bytes that are no record are
reported as a `BadRecord` with their offset, and reading carries on at the next place in
the file where a record starts.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, cast

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.timeutils import iso_date_to_datetime

from corpus.errors import DataError

HTTP_RECORD_TYPES = ("response", "revisit")
# debtcorpus writes it when a fetch was redirected: the URL first asked for (pages.url)
REQUESTED_URI_HEADER = "X-Debtcorpus-Requested-URI"
# ... and the site profile the page was crawled under, so a re-ingest files it the same
SITE_HEADER = "X-Debtcorpus-Site"
SCAN_CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b\x08"
# where an uncompressed record may start: a WARC version line (anywhere: a truncated record
# before it leaves no line break), or an ARC URL-record line
PLAIN_RECORD_START = re.compile(
    rb"WARC/1\.[01]\r?\n|(?m:^(?:https?|dns|filedesc)://\S+ \S+ \d{14} )"
)
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, ValueError, IndexError, KeyError)


@dataclass(frozen=True)
class HttpRecord:
    """One HTTP `response` or `revisit` record: the facts of a fetch, as archived."""

    file: str
    offset: int
    kind: str
    target_uri: str
    fetched_at: datetime
    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    record_id: str | None = None
    requested_uri: str | None = None
    payload_digest: str | None = None
    profile: str | None = None
    site: str | None = None


@dataclass(frozen=True)
class RequestRecord:
    """An HTTP `request` record: what was sent for the response beside it."""

    file: str
    offset: int
    target_uri: str
    method: str
    headers: dict[str, str] = field(repr=False)

    def as_request(self) -> dict[str, Any]:
        """As pages.request keeps it."""
        return {"method": self.method, "headers": self.headers}


@dataclass(frozen=True)
class SkippedRecord:
    """A readable record that is no HTTP fetch (warcinfo, request, metadata, dns:...)."""

    file: str
    offset: int
    reason: str


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read whole; reading resumed after it."""

    file: str
    offset: int
    reason: str


ArchiveEntry = HttpRecord | RequestRecord | SkippedRecord | BadRecord


def read_archive(path: Path, start: int = 0) -> Iterator[ArchiveEntry]:
    """Every record of a WARC or ARC file from byte `start` on, in file order.

    Offsets are byte offsets in the file; in a file gzipped whole (not per record, which is
    rare) they are offsets in its uncompressed stream."""
    try:
        opened = open_archive(path)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with opened as handle:
        position: int | None = start
        while position is not None:
            handle.seek(position)
            position = yield from _read_from(handle, path.name)


def open_archive(path: Path) -> IO[bytes]:
    """The file as warcio can iterate it: as it is, or decompressed when gzipped whole."""
    if is_whole_file_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


# how a WARC or ARC file begins (after any gzip): its first record's header line
ARCHIVE_START = re.compile(rb"\s*(?:WARC/1\.[01]\r?\n|(?:https?|dns|filedesc)://\S+ \S+ \d{14} )")


def is_archive(path: Path) -> bool:
    """Does the file begin as a WARC or ARC file does, gzipped or not? Read from its head only."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith(GZIP_MAGIC):
        try:
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, 1 << 12)
        except zlib.error:
            return False
    return ARCHIVE_START.match(head) is not None


def is_whole_file_gzip(path: Path) -> bool:
    """True for one gzip stream holding several records (warcio needs a member per record):
    the first gzip member holds a second record header."""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    tail = b""
    with path.open("rb") as handle:
        if handle.read(3) != GZIP_MAGIC:
            return False
        handle.seek(0)
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            try:
                text = tail + decompressor.decompress(chunk)
            except zlib.error:
                return False
            if PLAIN_RECORD_START.search(text, 1 if not tail else 0):
                return True
            if decompressor.eof:
                return False
            tail = text[-64:]
    return False


def _read_from(handle: IO[bytes], name: str) -> Generator[ArchiveEntry, None, int | None]:
    """Records until the end of the file (returns None) or until one cannot be read (returns
    where the next record starts, None if none does)."""
    records = ArchiveIterator(handle, arc2warc=True, check_digests=True)
    try:
        for record in records:
            # warcio's offset is the start of the record in hand until it is read to its end
            entry = _entry(record, name, records.offset)
            yield entry
            if isinstance(entry, BadRecord):
                return next_record_start(handle, entry.offset + 1)
    except READ_ERRORS as exc:
        offset = records.offset
        yield BadRecord(name, offset, f"unreadable:{_read_error(exc)}")
        return next_record_start(handle, offset + 1)
    return None


def _read_error(exc: BaseException) -> str:
    """A short printable reason (warcio's messages quote the raw bytes it choked on)."""
    text = str(exc)
    if "Unknown archive format" in text:
        return "no-record-header"
    printable = "".join(c if c.isprintable() and c.isascii() else " " for c in text)
    return f"{type(exc).__name__}: {' '.join(printable.split())[:120]}".rstrip(": ")


def _entry(record: Any, name: str, offset: int) -> ArchiveEntry:
    kind = record.rec_type
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    if kind not in (*HTTP_RECORD_TYPES, "request"):
        return SkippedRecord(name, offset, f"record-type:{kind}")
    if not uri.startswith(("http://", "https://")) or record.http_headers is None:
        return SkippedRecord(name, offset, f"not-http:{uri.split(':', 1)[0] or 'no-uri'}")
    body = record.content_stream().read() if kind == "response" else b""
    problem = _problem(record)
    if problem:
        return BadRecord(name, offset, problem)
    if kind == "request":
        # warcio reads a request line "GET /path HTTP/1.1" as protocol "GET" + the rest
        method = record.http_headers.protocol or "GET"
        return RequestRecord(name, offset, uri, method, header_dict(record.http_headers.headers))
    return _http_record(record, name, offset, uri, body)


def _problem(record: Any) -> str | None:
    """Why a read record cannot be trusted: cut short, or not what its digests say."""
    record.raw_stream.read()  # the rest of the block, so the digests are complete
    if getattr(record.raw_stream, "limit", 0) > 0:
        return "truncated"
    if record.digest_checker.passed is False:
        return "digest-mismatch"
    return None


def _http_record(record: Any, name: str, offset: int, uri: str, body: bytes) -> HttpRecord:
    headers = record.rec_headers
    return HttpRecord(
        file=name,
        offset=offset,
        kind=record.rec_type,
        target_uri=uri,
        fetched_at=iso_date_to_datetime(headers.get_header("WARC-Date"), tz_aware=True),
        status=int(record.http_headers.get_statuscode() or 0),
        headers=without_decoded_encodings(header_dict(record.http_headers.headers)),
        body=body,
        record_id=headers.get_header("WARC-Record-ID"),
        requested_uri=headers.get_header(REQUESTED_URI_HEADER),
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        profile=headers.get_header("WARC-Profile"),
        site=headers.get_header(SITE_HEADER),
    )


def header_dict(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """HTTP headers as the crawler keeps them: lower-case names, repeated values joined."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def without_decoded_encodings(headers: dict[str, str]) -> dict[str, str]:
    """warcio hands over the body de-chunked and decompressed: drop the headers that say
    otherwise, as Scrapy does for a crawled page."""
    decoded = {"transfer-encoding"} if headers.get("transfer-encoding") == "chunked" else set()
    if headers.get("content-encoding", "").lower() in BufferedReader.get_supported_decompressors():
        decoded.add("content-encoding")
    return {name: value for name, value in headers.items() if name not in decoded}


def next_record_start(handle: IO[bytes], position: int) -> int | None:
    """The first offset at or after `position` where a gzip member holding a record, or a
    plain WARC/ARC record header, begins; None when the file has no more."""
    while True:
        handle.seek(position)
        chunk = handle.read(SCAN_CHUNK + 64)
        if not chunk:
            return None
        found = _first_start(handle, chunk, position)
        if found is not None:
            return found
        if len(chunk) <= SCAN_CHUNK:
            return None
        position += SCAN_CHUNK


def _first_start(handle: IO[bytes], chunk: bytes, base: int) -> int | None:
    candidates = sorted(
        [m.start() for m in re.finditer(re.escape(GZIP_MAGIC), chunk)]
        + [m.start() for m in PLAIN_RECORD_START.finditer(chunk)]
    )
    for index in candidates:
        if index >= SCAN_CHUNK:
            break
        if chunk.startswith(GZIP_MAGIC, index) and not _gzip_record_at(handle, base + index):
            continue
        return base + index
    return None


def _gzip_record_at(handle: IO[bytes], position: int) -> bool:
    handle.seek(position)
    try:
        head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(handle.read(4096), 64)
    except zlib.error:
        return False
    return bool(PLAIN_RECORD_START.match(head))
