"""`ingest-warc`: WARC/ARC files -> a crawl run of their own, through the crawl's own path.

Records are read in file order; HTML responses go to the cleaner pool (a window of pages in
flight keeps every worker busy), and one writer thread stores them in file order with
corpus.ingest, one transaction per page. So a run stopped anywhere has stored every record
up to one offset, which is where `--resume` carries on.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaning.pipeline import is_html
from cleaning.records import CleanResult
from corpus.cleaner_pool import CleanerPool
from corpus.errors import ConfigError
from corpus.ingest import clean_fetched
from corpus.models import CrawlRun
from corpus.run_records import finish_run, start_run
from corpus.store import Store
from corpus.warc.reader import (
    ArchiveEntry,
    HttpRecord,
    RequestRecord,
    SkippedRecord,
    is_archive,
    read_archive,
)
from corpus.warc.storage import (
    already_stored,
    fetched_page,
    last_stored_offsets,
    note_bad_record,
    store_response,
    store_revisit,
)

PAGES_IN_FLIGHT_PER_WORKER = 4
DEFAULT_CLEAN_TIMEOUT = 120.0
SOURCE = "warc"


@dataclass(frozen=True)
class WarcIngestRequest:
    paths: tuple[Path, ...]
    site: str | None = None
    workers: int = 2
    clean_timeout: float = DEFAULT_CLEAN_TIMEOUT

    def validate(self) -> None:
        if not self.paths:
            raise ConfigError("give one or more WARC or ARC files")
        missing = [str(path) for path in self.paths if not path.is_file()]
        if missing:
            raise ConfigError(f"no such file: {', '.join(missing)}")
        other = [str(path) for path in self.paths if not is_archive(path)]
        if other:
            raise ConfigError(
                f"not a WARC or ARC file (gzip-compressed or not): {', '.join(other)}; "
                "nothing was ingested"
            )
        if self.workers < 1:
            raise ConfigError("--workers must be 1 or more")

    def as_settings(self) -> dict[str, Any]:
        """What the crawl_runs row keeps, so that `ingest-warc --resume` can run it again."""
        return {
            "source": SOURCE,
            "warc_files": [str(path.resolve()) for path in self.paths],
            "site": self.site,
            "workers": self.workers,
        }

    @classmethod
    def from_settings(cls, stored: dict[str, Any]) -> WarcIngestRequest:
        paths = tuple(Path(path) for path in stored.get("warc_files", []))
        return cls(paths, stored.get("site"), int(stored.get("workers") or 2))


@dataclass
class Tally:
    """What the run did with each record, for the run's stats and the command's summary."""

    counts: Counter[str] = field(default_factory=Counter)

    def describe(self) -> dict[str, Any]:
        return {"records": dict(sorted(self.counts.items()))}


@dataclass(frozen=True)
class Job:
    """One record's store, waiting for its turn: after every record read before it."""

    task: Callable[..., str | bool]
    args: tuple[Any, ...]
    # the cleaner's verdict still to come, appended to args when it is in
    cleaning: Future[CleanResult | None] | None = None

    def ready(self) -> bool:
        return self.cleaning is None or self.cleaning.done()


class IngestSession:
    """One run's reading, cleaning and storing; `take` each entry, then `finish`."""

    def __init__(self, store: Store, request: WarcIngestRequest, run_id: int) -> None:
        self.store, self.request, self.run_id = store, request, run_id
        self.tally = Tally()
        self.pool = CleanerPool(request.workers, request.clean_timeout)
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="warc-writer")
        self.window = request.workers * PAGES_IN_FLIGHT_PER_WORKER
        self.jobs: deque[Job] = deque()
        self.writes: deque[Future[str | bool]] = deque()
        # a request record waits for the response after it (wget, Common Crawl), a response
        # for the request after it (warcio, Heritrix): one record of look-ahead either way
        self.request_before: RequestRecord | None = None
        self.response_before: HttpRecord | None = None

    def take(self, entry: ArchiveEntry) -> None:
        if isinstance(entry, RequestRecord):
            self.tally.counts["request"] += 1
            self._take_request(entry)
            return
        self._release_response()
        if isinstance(entry, HttpRecord):
            request, self.request_before = self.request_before, None
            if request is not None and pairs(request, entry):
                self._take_http(entry, request)
            else:
                self.response_before = entry
        elif isinstance(entry, SkippedRecord):
            self.tally.counts[f"skipped:{entry.reason}"] += 1
        else:
            self.tally.counts["bad"] += 1
            self._queue(Job(note_bad_record, (self.run_id, entry)))

    def _take_request(self, request: RequestRecord) -> None:
        held = self.response_before
        if held is not None and pairs(request, held):
            self.response_before = None
            self._take_http(held, request)
        else:
            self._release_response()
            self.request_before = request

    def _release_response(self) -> None:
        if self.response_before is not None:
            held, self.response_before = self.response_before, None
            self._take_http(held, None)

    def _take_http(self, record: HttpRecord, request: RequestRecord | None) -> None:
        self.tally.counts[record.kind] += 1
        fetched = fetched_page(record, request, self.request.site, self.run_id)
        if already_stored(self.store, fetched):
            self.tally.counts["already-stored"] += 1
        elif record.kind == "revisit":
            self._queue(Job(store_revisit, (fetched, record.payload_digest)))
        elif 300 <= fetched.status < 400:  # redirects and 304s: a crawl never cleans these
            verdict = CleanResult(encoding=None, reject_reason=f"http-{fetched.status}")
            self._queue(Job(store_response, (fetched, verdict)))
        elif fetched.status < 400 and is_html(fetched.content_type, fetched.body):
            self._queue(Job(store_response, (fetched,), self.pool.submit(fetched)))
        else:  # errors and non-HTML need no cleaner process: their verdict is immediate
            self._queue(Job(store_response, (fetched, clean_fetched(fetched))))

    def _queue(self, job: Job) -> None:
        self.jobs.append(job)
        self._drain(keep=self.window)

    def _drain(self, keep: int) -> None:
        """Hand jobs to the writer in file order: those ready, and the oldest while more
        than `keep` pages are in the cleaner pool's hands."""
        while self.jobs and (self.jobs[0].ready() or len(self.jobs) > keep):
            job = self.jobs.popleft()
            args = job.args
            if job.cleaning is not None:
                args = (*args, self.pool.result(job.cleaning))
            self.writes.append(self.writer.submit(job.task, self.store, *args))
        self._collect(block_above=self.window * 4)

    def _collect(self, block_above: int) -> None:
        """Count finished stores (raising a store's error here); wait while too many queue."""
        while self.writes and (self.writes[0].done() or len(self.writes) > block_above):
            outcome = self.writes.popleft().result()
            if isinstance(outcome, str):
                self.tally.counts[outcome] += 1

    def finish(self) -> None:
        self._release_response()
        self._drain(keep=0)
        self._collect(block_above=0)

    def close(self, cancel: bool) -> None:
        self.pool.shutdown(wait=True, cancel=cancel)
        self.writer.shutdown(wait=True, cancel_futures=cancel)


def pairs(request: RequestRecord, response: HttpRecord) -> bool:
    return request.file == response.file and request.target_uri == response.target_uri


def ingest_warc(store: Store, request: WarcIngestRequest) -> int:
    """Ingest the files as a new crawl run; returns its id."""
    request.validate()
    names = [path.name for path in request.paths]
    run_id = start_run(store, request.site or SOURCE, names, request.as_settings())
    run_files(store, request, run_id, resume_after={})
    return run_id


def resume_ingest(store: Store, run_id: int) -> int:
    """Carry on a stopped `ingest-warc` run after the last record it stored from each file."""
    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise ConfigError(f"there is no crawl run {run_id}; see `debtcorpus runs`")
        if run.settings.get("source") != SOURCE:
            raise ConfigError(f"crawl run {run_id} is a crawl; resume it with `crawl --resume`")
        if run.status == "finished":
            raise ConfigError(f"crawl run {run_id} finished already; nothing to resume")
        request = WarcIngestRequest.from_settings(run.settings)
        run.status, run.finished_at = "running", None
    request.validate()
    run_files(store, request, run_id, resume_after=last_stored_offsets(store, run_id))
    return run_id


def run_files(
    store: Store, request: WarcIngestRequest, run_id: int, resume_after: dict[str, int]
) -> None:
    """Read every file into the run and close it: finished, interrupted or failed."""
    session = IngestSession(store, request, run_id)
    status = "failed"
    try:
        for path in request.paths:
            after = resume_after.get(path.name)
            for entry in read_archive(path, start=after or 0):
                if after is None or entry.offset > after:
                    session.take(entry)
        session.finish()
        status = "finished"
    except KeyboardInterrupt:
        # Ctrl-C: store the pages already read (a second Ctrl-C drops them), then stop.
        status = "interrupted"
        session.finish()
        raise
    finally:
        session.close(cancel=status != "finished")
        finish_run(store, run_id, status, {"warc": warc_stats(store, run_id, session.tally)})


def warc_stats(store: Store, run_id: int, tally: Tally) -> dict[str, Any]:
    """This pass's counts, with every bad record the run met (kept as they were met)."""
    with store.session() as session:
        earlier = session.get_one(CrawlRun, run_id).stats.get("warc", {})
    passes = [*earlier.get("passes", []), tally.describe()]
    return {"bad_records": earlier.get("bad_records", []), "passes": passes}
