"""Raw page bodies, compressed (docs/storage.md).

A body is written with zstd; once a site has DICTIONARY_SAMPLES bodies stored, a dictionary is
trained from them (`body_dictionaries`, in the transaction of the page that made it due), they
are recompressed with it, and so are the site's later bodies. `recompress` (`db compact`) does
the same for bodies stored earlier (zlib ones included). Each page records its codec
(`pages.body_codec`: zstd, or zlib for bodies written before migration 0012) and its
dictionary (`pages.body_dictionary_id`), so every body stays readable.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import weakref
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, event, func, insert, select, update
from sqlalchemy.orm import Session

from corpus.models import BodyDictionary, Page

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

# what a damaged body raises when read
BODY_ERRORS = (zlib.error, zstd.ZstdError)
ZLIB = "zlib"
ZSTD = "zstd"
# zstd level 9: within a few per cent of level 19's size at a tenth of its CPU
# (BENCHMARKS.md, storage)
LEVEL = 9
# bodies of a site a dictionary is trained from, and its size in bytes
DICTIONARY_SAMPLES = 200
DICTIONARY_BYTES = 112_640


@dataclass(frozen=True)
class PackedBody:
    data: bytes
    codec: str
    dictionary_id: int | None


def train_dictionary(samples: list[bytes], size: int = DICTIONARY_BYTES) -> zstd.ZstdDict:
    return zstd.train_dict(samples, size)


# each thread's compressors by dictionary (`compress`), at most KEPT_COMPRESSORS of them
_THREAD = threading.local()
KEPT_COMPRESSORS = 8


def compress(body: bytes, dictionary: zstd.ZstdDict | None = None) -> bytes:
    """The body as one zstd frame: the bytes zstd.compress gives, from a compressor kept per
    thread and dictionary (a fresh one loads the dictionary again: 0.7 ms a body against
    0.16, measured on the sample site)."""
    compressors: dict[int, tuple[zstd.ZstdDict | None, zstd.ZstdCompressor]]
    compressors = _THREAD.__dict__.setdefault("compressors", {})
    kept = compressors.get(id(dictionary))
    if kept is None or kept[0] is not dictionary:
        if len(compressors) >= KEPT_COMPRESSORS:
            compressors.clear()
        compressor = zstd.ZstdCompressor(level=LEVEL, zstd_dict=dictionary)
        kept = compressors[id(dictionary)] = (dictionary, compressor)
    try:
        return kept[1].compress(body, mode=zstd.ZstdCompressor.FLUSH_FRAME)
    except BaseException:  # a frame left unfinished: the next body gets a fresh compressor
        del compressors[id(dictionary)]
        raise


def decompress(data: bytes, codec: str | None, dictionary: bytes | None = None) -> bytes:
    """A stored body, raw again; a null codec is zlib (a row older than the codec column)."""
    if codec in (None, ZLIB):
        return zlib.decompress(data)
    return zstd.decompress(data, zstd_dict=_dictionary(dictionary) if dictionary else None)


def _dictionary(content: bytes) -> zstd.ZstdDict:
    with _LOCK:
        found = _BY_CONTENT.get(content)
        if found is None:
            found = _BY_CONTENT[content] = zstd.ZstdDict(content)
        return found


_LOCK = threading.Lock()
# session.info key: dictionaries trained in a session's transaction, not yet committed
PENDING = "debtcorpus.body_dictionaries"
_BY_CONTENT: dict[bytes, zstd.ZstdDict] = {}


class SiteDictionaries:
    """One store's dictionaries by site, and how many bodies each site without one has."""

    def __init__(self) -> None:
        self.known: dict[str | None, tuple[int, zstd.ZstdDict] | None] = {}
        self.undictionaried: dict[str | None, int] = {}
        self.lock = threading.Lock()
        # bodies recompressed with a dictionary trained from them
        self.rewritten = 0

    def pack(self, session: Session, site: str | None, body: bytes) -> PackedBody:
        """The body compressed with its site's dictionary, training one when it is due."""
        if site not in self.known:
            self._load(engine_of(session), site)
        found = self.known[site] or session.info.get(PENDING, {}).get(site)
        if found is None and self.undictionaried[site] >= DICTIONARY_SAMPLES:
            found = self._train(session, site)
        if found is None:
            self.undictionaried[site] += 1
            return PackedBody(compress(body), ZSTD, None)
        dictionary_id, dictionary = found
        return PackedBody(compress(body, dictionary), ZSTD, dictionary_id)

    def ensure(self, engine: Engine, site: str | None) -> tuple[int, zstd.ZstdDict] | None:
        """The site's newest dictionary, trained now if it has none (None: too few bodies)."""
        self._load(engine, site)
        if self.known[site] is None:
            with Session(engine) as session, session.begin():
                self._train(session, site)
        return self.known[site]

    def _load(self, engine: Engine, site: str | None) -> None:
        with Session(engine) as session:
            newest = session.scalars(
                select(BodyDictionary)
                .where(
                    BodyDictionary.site.is_(site) if site is None else BodyDictionary.site == site
                )
                .order_by(BodyDictionary.id.desc())
                .limit(1)
            ).first()
            self.known[site] = (newest.id, _dictionary(newest.data)) if newest else None
            self.undictionaried[site] = 0 if newest else _bodies_without(session, site)

    def _train(self, session: Session, site: str | None) -> tuple[int, zstd.ZstdDict] | None:
        """A dictionary from the site's first bodies, stored in the session's transaction
        (no second connection: a writer holding SQLite's lock would wait on itself). It is
        used by that session at once and by every other once the transaction commits."""
        samples = site_samples(session, site)
        self.undictionaried[site] = 0  # counted again from here if none comes of it
        if len(samples) < DICTIONARY_SAMPLES // 2:
            self.undictionaried[site] = len(samples)
            return None
        try:
            dictionary = train_dictionary(list(samples.values()))
        except zstd.ZstdError:  # too little to learn from (tiny bodies): try again later
            return None
        dictionary_id = store_dictionary(session, site, dictionary, len(samples))
        # the samples themselves, recompressed with it
        rewritten = [
            {"id": page_id, "body": compress(body, dictionary), "body_codec": ZSTD}
            | {"body_dictionary_id": dictionary_id}
            for page_id, body in samples.items()
        ]
        session.execute(update(Page), rewritten)  # by primary key
        self.rewritten += len(rewritten)
        found = (dictionary_id, dictionary)
        pending = session.info.setdefault(PENDING, {})
        if not pending:
            event.listen(session, "after_commit", self._committed)
            event.listen(session, "after_rollback", self._rolled_back)
        pending[site] = found
        return found

    def _committed(self, session: Session) -> None:
        with self.lock:
            self.known.update(session.info.pop(PENDING, {}))

    def _rolled_back(self, session: Session) -> None:
        session.info.pop(PENDING, None)


def _site_is(site: str | None):  # type: ignore[no-untyped-def]
    return Page.site.is_(None) if site is None else Page.site == site


def _bodies_without(session: Session, site: str | None) -> int:
    query = select(func.count(Page.id)).where(
        _site_is(site), Page.body.is_not(None), Page.body_dictionary_id.is_(None)
    )
    return session.scalar(query) or 0


def site_samples(
    session: Session, site: str | None, limit: int = DICTIONARY_SAMPLES
) -> dict[int, bytes]:
    """Page id -> raw body of a site's first pages without a dictionary, in id order."""
    rows = session.execute(
        select(Page.id, Page.body, Page.body_codec)
        .where(_site_is(site), Page.body.is_not(None), Page.body_dictionary_id.is_(None))
        .order_by(Page.id)
        .limit(limit)
    ).all()
    return {page_id: decompress(data or b"", codec) for page_id, data, codec in rows}


def store_dictionary(
    session: Session, site: str | None, dictionary: zstd.ZstdDict, samples: int
) -> int:
    content = dictionary.dict_content
    values = {
        "site": site,
        "codec": ZSTD,
        "data": content,
        "sha256": hashlib.sha256(content).hexdigest(),
        "samples": samples,
        "created_at": datetime.now(UTC),
    }
    statement = insert(BodyDictionary).values(values).returning(BodyDictionary.id)
    dictionary_id = session.execute(statement).scalar_one()
    return int(dictionary_id)


_STORES: weakref.WeakKeyDictionary[Engine, SiteDictionaries] = weakref.WeakKeyDictionary()


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def pack_body(session: Session, site: str | None, body: bytes) -> PackedBody:
    """The stored form of a raw body, for a page of `site` written in `session` (a dictionary
    trained on the way is written in that session's transaction)."""
    engine = engine_of(session)
    with _LOCK:
        dictionaries = _STORES.setdefault(engine, SiteDictionaries())
    with dictionaries.lock:
        return dictionaries.pack(session, site, body)


def stored_body(page: Page) -> bytes:
    """A stored page's raw body (b"" when none was kept)."""
    if not page.body:
        return b""
    dictionary = page.body_dictionary.data if page.body_dictionary else None
    return decompress(page.body, page.body_codec, dictionary)


def recompress(engine: Engine, batch: int = 500) -> int:
    """Every stored body not compressed with its site's newest dictionary (zlib bodies from
    before migration 0012, a site's first ones), rewritten with it, a batch per transaction;
    a site without a dictionary gets one first. Returns how many bodies were rewritten."""
    dictionaries = SiteDictionaries()
    with Session(engine) as session:
        query = select(Page.site).where(Page.body.is_not(None)).distinct()
        sites = list(session.scalars(query))
    rewritten = 0
    for site in sites:
        found = dictionaries.ensure(engine, site)
        if found is not None:
            rewritten += _recompress_site(engine, site, *found, batch)
    return rewritten + dictionaries.rewritten


def _recompress_site(
    engine: Engine, site: str | None, dictionary_id: int, dictionary: zstd.ZstdDict, batch: int
) -> int:
    other = (Page.body_dictionary_id.is_(None)) | (Page.body_dictionary_id != dictionary_id)
    query = (
        select(Page.id, Page.body, Page.body_codec, BodyDictionary.data)
        .outerjoin(BodyDictionary, BodyDictionary.id == Page.body_dictionary_id)
        .where(_site_is(site), Page.body.is_not(None), other)
        .order_by(Page.id)
        .limit(batch)
    )
    done = after = 0
    while True:
        with Session(engine) as session, session.begin():
            rows = session.execute(query.where(Page.id > after)).all()
            if not rows:
                return done
            values = [
                {"id": page_id, "body": compress(decompress(data or b"", codec, old), dictionary)}
                | {"body_codec": ZSTD, "body_dictionary_id": dictionary_id}
                for page_id, data, codec, old in rows
            ]
            session.execute(update(Page), values)
        done, after = done + len(rows), rows[-1][0]
