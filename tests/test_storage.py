"""The compact store (docs/storage.md): claims keep offsets and derive their sentence (and
their rule version, their article's); bodies
are zstd with a dictionary per site, older zlib bodies stay readable; migration 0012 converts
a corpus of 0011 (SQLite and PostgreSQL) and its downgrade gives the old one back."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from click.testing import CliRunner
from sqlalchemy import create_engine, func, inspect, select, text

from cleaning.claims import ClaimConfig, extract_claims
from cleaning.records import ArticleRecord, CleanResult
from corpus import bodies, migrate
from corpus.bodies import stored_body
from corpus.cli import cli
from corpus.history import article_history
from corpus.ingest import FetchedPage, add_page, store_fetch
from corpus.models import BodyDictionary, Claim, Page, UnplacedClaim
from corpus.store import Store, open_store

REJECTED = CleanResult("utf-8", reject_reason="too-short")
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
TEXT = "逾期了怎么办？催收员会上门吗？会的，催收员会上门。"
BODY = "<html><body><p>催收员会上门</p></body></html>".encode()
ARTICLE = (
    "INSERT INTO articles (id, url, text, text_sha256, extractor_version, relevance, "
    "masked_gap_count, masked_gaps, date_candidates, tags, boilerplate_removed, first_seen_at, "
    "last_seen_at, revision_count, text_length) VALUES (1, 'http://x/1', :text, '', '1', 0, 0, "
    "'[]', '[]', '[]', '{}', :t, :t, 0, 0)"
)
PAGE = (
    "INSERT INTO pages (id, url, final_url, redirects, status, headers, body, body_size, depth, "
    "fetched_at, outcome, article_id) VALUES (1, 'http://x/1', 'http://x/1', '[]', 200, '{}', "
    ":body, 10, 0, :t, 'article', 1)"
)
CLAIM = (
    "INSERT INTO claims (id, article_id, type, polarity, severe, conditions, sentence, start, "
    "\"end\", rule_version, checks) VALUES (:id, 1, 'CHANNEL', 'positive', false, '{}', "
    ":sentence, :start, :end, 'claims-2.0', '[]')"
)
# at its offsets; elsewhere (its old offsets point at the other copy's start + 1); nowhere
CLAIMS = [
    {"id": 1, "sentence": "逾期了怎么办？", "start": 0, "end": 7},
    {"id": 2, "sentence": "催收员会上门。", "start": 19, "end": 26},
    {"id": 3, "sentence": "这句话不在正文里。", "start": 0, "end": 9},
]


def fill_0011(url: str) -> None:
    engine = create_engine(url)
    migrate.upgrade(engine, "0011")
    with engine.begin() as connection:
        connection.execute(text(ARTICLE), {"text": TEXT, "t": T0})
        connection.execute(text(PAGE), {"body": zlib.compress(BODY), "t": T0})
        for claim in CLAIMS:
            connection.execute(text(CLAIM), claim)
    engine.dispose()


def test_migration_0012_places_claims_and_keeps_bodies(empty_db: str) -> None:
    fill_0011(empty_db)
    store = Store(empty_db)
    store.create_schema()
    with store.session() as session:
        claims = session.scalars(select(Claim).order_by(Claim.id)).all()
        assert [(c.id, c.sentence, c.start, c.end) for c in claims] == [
            (1, "逾期了怎么办？", 0, 7),
            (2, "催收员会上门。", TEXT.rindex("催收员会上门。"), len(TEXT)),
        ]
        # the article had none: it takes its claims' rule version, which they derive from it
        assert [c.rule_version for c in claims] == ["claims-2.0", "claims-2.0"]
        assert claims[0].article.claim_rule_version == "claims-2.0"
        unplaced = session.scalars(select(UnplacedClaim)).one()
        assert (unplaced.id, unplaced.sentence, unplaced.claim["type"]) == (
            3,
            "这句话不在正文里。",
            "CHANNEL",
        )
        page = session.get_one(Page, 1)
        assert (page.body_codec, stored_body(page)) == ("zlib", BODY)
    with store.engine.begin() as connection:
        assert not migrate.model_differences(connection)
        command.downgrade(migrate.alembic_config(connection), "0011")
    with store.engine.connect() as connection:
        query = "SELECT id, sentence, rule_version FROM claims ORDER BY id"
        rows = connection.execute(text(query)).all()
        expected = [(c["id"], c["sentence"], "claims-2.0") for c in CLAIMS]
        assert [tuple(row) for row in rows] == expected
        assert "body_codec" not in {c["name"] for c in inspect(connection).get_columns("pages")}
    store.dispose()


def page_of(number: int, site: str) -> FetchedPage:
    html = f"<html><head><title>第{number}页</title></head><body><nav>首页 关于</nav>"
    html += f"<p>{'催收上门怎么办' * 20} {number}</p></body></html>"
    url = f"http://127.0.0.1:9/{site}/{number}.html"
    return FetchedPage(url, url, 200, {}, html.encode(), T0, site)


def test_bodies_get_a_dictionary_per_site_once_it_has_enough(empty_db: str) -> None:
    store = Store(empty_db)
    store.create_schema()
    total = bodies.DICTIONARY_SAMPLES + 5
    for number in range(total):
        store_fetch(store, page_of(number, "wp"), REJECTED)
    store_fetch(store, page_of(0, "law"), REJECTED)
    with store.session() as session:
        dictionary = session.scalars(select(BodyDictionary)).one()
        assert (dictionary.site, dictionary.samples) == ("wp", bodies.DICTIONARY_SAMPLES)
        pages = session.scalars(select(Page).order_by(Page.id)).all()
        assert {p.body_codec for p in pages} == {"zstd"}
        with_dictionary = [p.id for p in pages if p.body_dictionary_id == dictionary.id]
        assert len(with_dictionary) == total, "the samples are recompressed with it too"
        assert pages[-1].site == "law" and pages[-1].body_dictionary_id is None
        assert [stored_body(p) for p in pages[:total]] == [
            page_of(n, "wp").body for n in range(total)
        ]
        assert session.scalar(select(func.count(BodyDictionary.id))) == 1
        if store.engine.dialect.name == "sqlite":  # browse's view: SQLite only
            preview = session.scalar(
                text("SELECT text_preview FROM page_previews WHERE id = :id"),
                {"id": with_dictionary[0]},
            )
            assert preview is not None and preview.startswith("第0页")
    store.dispose()


def test_db_compact_recompresses_zlib_bodies_with_a_dictionary(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    store = open_store(str(db))
    raw = [page_of(number, "wp").body for number in range(bodies.DICTIONARY_SAMPLES)]
    with store.session() as session:
        for number, body in enumerate(raw):
            url = f"http://127.0.0.1:9/wp/{number}.html"
            page = Page(url=url, final_url=url, site="wp", status=200, fetched_at=T0)
            page.outcome, page.body, page.body_codec = "article", zlib.compress(body), "zlib"
            session.add(page)
    store.dispose()
    result = CliRunner().invoke(cli, ["db", "compact", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"recompressed {len(raw)} bodies" in result.output
    store = open_store(str(db))
    with store.session() as session:
        pages = session.scalars(select(Page).order_by(Page.id)).all()
        assert {(p.body_codec, p.body_dictionary_id) for p in pages} == {("zstd", 1)}
        assert [stored_body(p) for p in pages] == raw
        zstd_bytes = sum(len(p.body or b"") for p in pages)
    store.dispose()
    assert zstd_bytes < sum(len(zlib.compress(body)) for body in raw) / 2


def with_claims(text: str) -> CleanResult:
    """An article of `text` with the claims the extractor finds in it."""
    claims = extract_claims(text, ClaimConfig())
    record = ArticleRecord(
        url="http://127.0.0.1:9/wp/1.html", title="逾期", text=text, extractor="t",
        extractor_version="1", claims=tuple(claims),
    )  # fmt: skip
    return CleanResult("utf-8", article=record)


def test_a_changed_text_brings_its_own_claims_and_the_old_ones_keep_theirs(
    tmp_path: Path,
) -> None:
    store = open_store(str(tmp_path / "corpus.db"))
    first = "微粒贷逾期了,催收人员可能会上门催收。"
    second = "新的开头。借呗逾期会上征信,催收人员不得使用暴力。"
    page = page_of(1, "wp")
    store_fetch(store, page, with_claims(first))
    later = FetchedPage(page.url, page.url, 200, {}, page.body + b" ", T0.replace(day=2), "wp")
    store_fetch(store, later, with_claims(second))
    with store.session() as session:
        claims = session.scalars(select(Claim)).all()
        assert claims and all(c.sentence == second[c.start : c.end] for c in claims)
        expected = {c.sentence for c in extract_claims(second, ClaimConfig())}
        assert {c.sentence for c in claims} == expected
        found = article_history(session, page.url)
    old, new = found.versions
    assert {sentence for _, _, sentence in old.claims} == {"微粒贷逾期了,催收人员可能会上门催收。"}
    assert {sentence for _, _, sentence in new.claims} == {c.sentence for c in claims}
    store.dispose()


def test_a_dictionary_trained_inside_a_batch_transaction(tmp_path: Path) -> None:
    """A writer that stores many pages in one transaction (SQLite's write lock held) trains
    the dictionary in that transaction; a rollback takes the dictionary along."""
    store = open_store(str(tmp_path / "corpus.db"))
    total = bodies.DICTIONARY_SAMPLES + 3
    with store.session() as session:
        pages = [add_page(session, page_of(number, "wp")) for number in range(total)]
        assert pages[-1].body_dictionary_id is not None
    with store.session() as session:
        assert session.scalar(select(func.count(BodyDictionary.id))) == 1
        stored = session.scalars(select(Page).order_by(Page.id)).all()
        assert [stored_body(p) for p in stored] == [page_of(n, "wp").body for n in range(total)]
    other = Store(str(tmp_path / "corpus.db"))
    try:
        with other.session() as session:
            for number in range(total):
                add_page(session, page_of(number, "law"))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    with other.session() as session:
        assert session.scalar(select(func.count(BodyDictionary.id))) == 1
        add_page(session, page_of(0, "law"))
    other.dispose()
    store.dispose()
