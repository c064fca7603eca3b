"""The one schema: each field of a page, an article, a comment and a claim, declared once.

A field is one line here: its name, its Python type (the `Mapped[...]` annotation, which also
says whether it may be null), its SQL type, and a `FieldInfo` with its description, its export
name and Arrow type, and where ingest reads it from the cleaner's record. Everything else is
derived from these declarations:

- `corpus/models.py`: the ORM classes inherit these field sets (and add keys, indexes and
  relationships), so the tables Alembic compares with the migrations are these fields;
- `corpus/ingest.py`: the copy from a cleaner's record to a row (`corpus.fields.record_values`);
- `corpus/export/schema.py`: the exported columns, their Arrow schema and Hugging Face
  features, and from them the dataset card's column tables (`corpus/export/card.py`) and the
  descriptions `debtcorpus browse` shows;
- `corpus/export/rows.py`: the exported row of a stored one (`export_value`).

Adding a field: declare it in its field set below (and in `cleaning/records.py` when the
cleaner computes it), then `debtcorpus db revision -m 'what changed'` writes the migration.
A derived field (`derived`, corpus/derived.py: the claim's sentence and rule version) is
computed in SQL on every read and never stored.
How a field is declared and copied is corpus/fields.py.
May import `cleaning.records` and SQLAlchemy; nothing else of `corpus` but `corpus.fields` and
`corpus.derived`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, declared_attr

from corpus.fields import (
    MASKED_GAPS,
    NOT_EXPORTED,
    STORE,
    STRING_LIST,
    EmptyObjectAsNull,
    article_key,
    coded,
    field,
    row_id,
)


class PageFields:
    """Every fetch, with its raw body kept (compressed: corpus/bodies.py)."""

    id: Mapped[int] = field(primary_key=True, doc="Row id", source=STORE)
    crawl_run_id: Mapped[int | None] = field(
        ForeignKey("crawl_runs.id"), doc="The crawl run that fetched it"
    )
    url: Mapped[str] = field(Text, doc="URL requested")
    final_url: Mapped[str] = field(Text, doc="URL answered, after redirects")
    redirects: Mapped[list[Any]] = field(
        default=list, doc="URLs between url and final_url of a redirected fetch, in order"
    )
    site: Mapped[str | None] = field(String(200), doc="Site profile of the crawl")
    status: Mapped[int] = field(doc="HTTP status")
    headers: Mapped[dict[str, Any]] = field(default=dict, doc="Response headers")
    body: Mapped[bytes | None] = field(
        LargeBinary, doc="Raw body, compressed with `body_codec`", source=STORE
    )
    body_codec: Mapped[str | None] = field(
        String(10),
        doc="Codec of `body`: zstd (with `body_dictionary_id`'s dictionary when set) or zlib",
        source=STORE,
    )
    body_dictionary_id: Mapped[int | None] = field(
        ForeignKey("body_dictionaries.id"),
        doc="The zstd dictionary `body` was compressed with (body_dictionaries), if any",
        source=STORE,
    )
    body_size: Mapped[int] = field(default=0, doc="Raw body size in bytes", source=STORE)
    body_sha256: Mapped[str | None] = field(String(64), doc="SHA-256 of the raw body", source=STORE)
    content_type: Mapped[str | None] = field(String(200), doc="Content-Type header")
    encoding: Mapped[str | None] = field(String(40), doc="Encoding decoded with", source=STORE)
    depth: Mapped[int] = field(default=0, doc="Link depth from a start URL")
    fetched_at: Mapped[datetime] = field(doc="Time of the fetch, UTC")
    outcome: Mapped[str] = field(
        String(20), doc="article | rejected | error | not-modified", source=STORE
    )
    reason: Mapped[str | None] = field(Text, doc="Why rejected or failed", source=STORE)
    change: Mapped[str | None] = field(
        String(20), doc="What it did to its article: new | changed | unchanged", source=STORE
    )
    article_id: Mapped[int | None] = field(
        ForeignKey("articles.id"), doc="The article it yielded", source=STORE
    )
    request_code: Mapped[int | None] = coded("request", json=True)

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def request(cls) -> Mapped[dict[str, Any] | None]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "request_code",
            doc='The request as sent ({"method", "headers"}), for WARC request records',
        )

    warc_file: Mapped[str | None] = field(Text, doc="Web archive it was read from (ingest-warc)")
    warc_offset: Mapped[int | None] = field(BigInteger, doc="Record offset in warc_file")


class ArticleFields:
    """One article per canonical URL; re-crawls update it and keep revisions."""

    id: Mapped[int] = row_id("articles", "article_id")
    url: Mapped[str] = field(
        Text,
        unique=True,
        doc=(
            "The article's key URL (one article per URL): its declared canonical URL when on "
            "the same site, else the URL fetched after redirects; tracking parameters and "
            "fragment removed"
        ),
        source=STORE,
    )
    site: Mapped[str | None] = field(
        String(200),
        doc=(
            "Site profile the article was last fetched under; for an ad-hoc crawl, or "
            "`ingest-warc` without --site, the URL's host"
        ),
        source=STORE,
    )
    title: Mapped[str | None] = field(Text, doc="Title")
    text: Mapped[str] = field(Text, doc="Clean main text (boilerplate and comments removed)")
    text_length: Mapped[int] = field(
        default=0,
        doc="Length of `text` in characters (code points)",
        source=lambda record: len(record.text),
    )
    text_sha256: Mapped[str] = field(String(64), doc="SHA-256 of `text` (UTF-8), hex", source=STORE)
    script: Mapped[str | None] = field(
        String(10),
        doc="Script of `text`: zh-Hans (simplified), zh-Hant (traditional) or other (no "
        "Chinese characters)",
    )
    author: Mapped[str | None] = field(Text, doc="Author as printed on the page")
    byline: Mapped[str | None] = field(
        Text, doc="The line (or meta value) `author` was read from, as the page writes it"
    )
    editor: Mapped[str | None] = field(Text, doc="Editor (责任编辑) as printed")
    source: Mapped[str | None] = field(Text, doc="Stated source (来源), e.g. a syndicating site")
    source_url: Mapped[str | None] = field(Text, doc="Link to the stated source")
    published_at: Mapped[datetime | None] = field(
        doc="Publication time, UTC", source="published.value"
    )
    published_raw: Mapped[str | None] = field(
        Text, doc="Date text as found on the page", source="published.raw"
    )
    published_confidence: Mapped[float | None] = field(
        Float, doc="Confidence of `published_at`, 0-1", source="published.confidence"
    )
    date_candidates: Mapped[list[Any]] = field(
        default=list,
        doc="JSON list of every date candidate seen: raw, value (ISO), where, score",
        source="published.candidates",
    )
    site_name: Mapped[str | None] = field(Text, doc="Site name from the page")
    icp: Mapped[str | None] = field(String(100), doc="ICP licence number from the footer")
    category: Mapped[str | None] = field(Text, doc="Category / breadcrumb")
    tags: Mapped[list[Any]] = field(default=list, doc="Tags / keywords", export=STRING_LIST)
    language: Mapped[str | None] = field(String(20), doc="Language code of the text")
    canonical_url: Mapped[str | None] = field(
        Text, doc="URL the page declares as canonical (<link rel=canonical>)"
    )
    relevance: Mapped[float] = field(
        Float, default=0.0, doc="Topic relevance score (debt collection), 0-1"
    )
    masked_gap_count: Mapped[int] = field(
        default=0,
        doc="Number of keyword-filter gaps in `text`",
        source=lambda record: len(record.masked_gaps),
    )
    masked_gaps: Mapped[list[Any]] = field(
        default=list,
        doc="Keyword-filter gaps: character offsets into `text`, kind (space|missing), context",
        export=MASKED_GAPS,
    )
    boilerplate_removed: Mapped[dict[str, Any]] = field(
        default=dict, doc="JSON object: boilerplate rule -> times applied"
    )
    extractor: Mapped[str | None] = field(String(50), doc="Extractor that produced `text`")
    extractor_version: Mapped[str] = field(String(50), doc="Version of the cleaning pipeline")
    claim_rule_version: Mapped[str | None] = field(
        String(50), doc="Version of the claim rules run on this text"
    )
    first_seen_at: Mapped[datetime] = field(
        doc=(
            "Fetch time of the first page stored for this article, UTC (for `ingest-warc`, "
            "the archive record's date)"
        ),
        source=STORE,
    )
    last_seen_at: Mapped[datetime] = field(
        doc=(
            "Time of the latest fetch of this article, UTC, including fetches that found it "
            "unchanged or not modified (304)"
        ),
        source=STORE,
    )
    last_page_id: Mapped[int | None] = field(
        Integer, doc="The page the current text came from", export=NOT_EXPORTED, source=STORE
    )
    revision_count: Mapped[int] = field(
        default=0,
        doc=(
            "Times a re-crawl found changed text (each earlier text is kept as a revision; "
            "`reprocess` does not count)"
        ),
        source=STORE,
    )
    warc_file: Mapped[str | None] = field(
        Text, doc="WARC/ARC file the text was read from (`ingest-warc`), else null", source=STORE
    )
    warc_offset: Mapped[int | None] = field(
        BigInteger, doc="Byte offset of that record in `warc_file`", source=STORE
    )


class CommentFields:
    """A comment under an article, in page order."""

    id: Mapped[int] = row_id("comments", "comment_id")
    article_id: Mapped[int] = article_key("The article commented on (joins `articles`)")
    position: Mapped[int] = field(doc="Order on the page, from 0", source=STORE)
    author: Mapped[str | None] = field(Text, doc="Commenter name as shown")
    role: Mapped[str | None] = field(Text, doc="Role shown (e.g. 律师, 网友)")
    posted_at: Mapped[datetime | None] = field(doc="Time posted, UTC")
    posted_raw: Mapped[str | None] = field(Text, doc="Time text as found")
    text: Mapped[str] = field(Text, doc="Comment text")


class ClaimFields:
    """A claim an article's sentence makes about collection practice (docs/claims.md)."""

    id: Mapped[int] = row_id("claims", "claim_id")
    article_id: Mapped[int] = article_key("The article the claim is in (joins `articles`)")
    type_code: Mapped[int | None] = coded("type")

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def type(cls) -> Mapped[str]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "type_code",
            doc="Claim type: CHANNEL (how collectors reach the borrower), TIMING (how long overdue "
            "before something happens), CONSEQUENCE (what happens to the borrower), PROHIBITION "
            "(what collectors must not do), ADVICE (what the borrower is told to do) or CITATION "
            "(a law or regulation cited by name)",
        )

    subtype_code: Mapped[int | None] = coded("subtype")

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def subtype(cls) -> Mapped[str | None]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "subtype_code",
            doc=(
                "Subtype within the type; every value: CHANNEL: phone, sms, visit, "
                "third_party, contacts, legal; CONSEQUENCE: credit, fees, civil, "
                "court_sanction, criminal, social; PROHIBITION: violence, abuse, harassment, "
                "contacts, impersonation, privacy, night; ADVICE: negotiate, complain, "
                "evidence, verify; TIMING: days (a stated period), severe (severe or long "
                "overdue without a period); CITATION: law, regulation, interpretation, "
                "guideline (by the cited name's suffix: 法, 条例, 解释, 指引…)"
            ),
        )

    lender_raw_code: Mapped[int | None] = coded("lender_raw")

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def lender_raw(cls) -> Mapped[str | None]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "lender_raw_code",
            doc=(
                "The lender as written (微粒贷, 支付宝): in the sentence, the last mention "
                "before the trigger, else the first after it; else the nearest earlier "
                "mention in its paragraph; else the title's first lender when the sentence "
                "says only 平台/官方/客服; null when no lender of the gazetteer is named"
            ),
        )

    lender_code: Mapped[int | None] = coded("lender")

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def lender(cls) -> Mapped[str | None]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "lender_code",
            doc=(
                "The operator of `lender_raw` from the gazetteer (微粒贷 -> 微众银行, 支付宝 "
                "-> 蚂蚁); null exactly when `lender_raw` is null, never guessed"
            ),
        )

    modality_code: Mapped[int | None] = coded("modality")

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def modality(cls) -> Mapped[str | None]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "modality_code",
            doc=(
                "How the claim is put, one of seven values or null: reported (someone else's "
                "words: 催收员称, 有借款人反映; not used for ADVICE and CITATION), else the "
                "first of prohibition (不得, 严禁; 不能 only with a collector as subject), "
                "obligation (应当, 必须, 建议, 务必), possible (可能, 大概率, 可以), habitual "
                "(一般, 通常), conditional (如果, 一旦, 再不…就…, a legal 「…的,」 clause), "
                "certain (会, 一定) among the words that reach the trigger; PROHIBITION "
                "claims are prohibition unless hedged (possible or habitual); null when no "
                "such word reaches it (a plain statement)"
            ),
        )

    polarity_code: Mapped[int | None] = coded("polarity", empty="positive")

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def polarity(cls) -> Mapped[str]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "polarity_code",
            doc=(
                "One of three values, never null: positive (the claim is asserted; also "
                "questions such as 会不会), negative (a negation reaches the trigger: "
                "不会判刑; for PROHIBITION, the act said not to be illegal: 不算违规; for "
                "CITATION, the law said not to exist) or partial (a limiter between the "
                "negation and the trigger takes it: 不会直接判刑)"
            ),
        )

    days_overdue: Mapped[int | None] = field(
        doc=(
            "Days overdue the sentence states, normalised (两个月 = 60, 半年 = 180, M3 = "
            "90): the first period bound to being overdue, else the first whose role is "
            "unknown; the lower bound of a range (upper bound in `conditions.days_max`); "
            "null when the sentence states no such period (retention periods, prison "
            "terms, 一天内 and working days never count)"
        ),
    )
    amount: Mapped[float | None] = field(
        Float,
        doc=(
            "Amount in 元 the sentence states (5万元 = 50000): the one named as the new "
            "value, else the first that is neither marked old nor a fine or subsidy; null "
            "when none"
        ),
    )
    severe: Mapped[bool] = field(
        Boolean,
        default=False,
        doc=(
            "True when the sentence contains 严重逾期, 严重的逾期, 长期逾期, 恶意逾期, "
            "长期不还 or 长期拖欠 (a word match over the whole sentence, whatever the "
            "claim's type, polarity or negation: 不算严重逾期 is true too); false "
            "otherwise, never null"
        ),
    )
    conditions: Mapped[dict[str, Any]] = field(
        EmptyObjectAsNull,
        nullable=True,
        default=dict,
        doc=(
            "JSON object: days_overdue and amount (as the columns), days_max (upper bound "
            "of a range), severe (only when true), `if` (the first clause up to the "
            "trigger's that frames the claim as a condition); a key is absent when not "
            "found, {} when none is"
        ),
    )
    cited_law: Mapped[str | None] = field(
        Text,
        doc="For CITATION claims: the law as cited, without 《》, with 第N条 when given; null for "
        "other types",
    )
    trigger_code: Mapped[int | None] = coded("trigger")

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def trigger(cls) -> Mapped[str | None]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "trigger_code",
            doc=(
                "The text a lexicon term or pattern matched in the sentence, which made the "
                "claim (for CITATION the cited name as written)"
            ),
        )

    # derived, not stored: the article's text between the offsets (docs/storage.md)
    @declared_attr
    def sentence(cls) -> Mapped[str]:
        from corpus.derived import claim_sentence, derived  # they build on FieldInfo

        return derived(
            claim_sentence(cls),
            doc="The sentence making the claim: `articles.text` from `char_start` to "
            "`char_end` (derived from the article's text on read, not stored)",
            before="start",
        )

    start: Mapped[int] = field(
        doc="Start offset of `sentence` in `articles.text` (characters)", name="char_start"
    )
    end: Mapped[int] = field(
        doc="End offset (exclusive) of `sentence` in `articles.text`", name="char_end"
    )

    @declared_attr  # derived, not stored: one per article (docs/storage.md)
    def rule_version(cls) -> Mapped[str]:
        from corpus.derived import claim_rule_version, derived

        doc = "Version of the claim lexicons and rules that produced the claim (e.g. "
        doc += "claims-2.0): its article's `claim_rule_version` (stored once per article)"
        return derived(claim_rule_version(cls), doc=doc, before="checks")

    checks_code: Mapped[int | None] = coded("checks", empty="[]", json=True)

    @declared_attr  # decoded on read from value_codes (docs/storage.md)
    def checks(cls) -> Mapped[list[Any]]:
        from corpus.derived import decoded

        return decoded(
            cls,
            "checks_code",
            doc=(
                "JSON list, one object per rule of the rule base the claim matches (a "
                "statement the rule says is wrong): rule_id, source (the law, regulation or "
                "convention, with its article), kind (law, interpretation, regulation, "
                "convention or registry: the kind of source), year (when the cited text took "
                "effect), message (why, in Chinese); [] when no rule matches or checks were "
                "off (DEBTCORPUS_CLAIM_CHECKS=off)"
            ),
        )
