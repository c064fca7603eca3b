"""The exported tables: columns, Arrow types, descriptions, and their Hugging Face features.

One list of columns per table is the single source for the Parquet schema, the CSV header,
the JSONL keys, the dataset card's `dataset_info.features` and its column tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")

MASKED_GAP = pa.struct(
    [
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("kind", pa.string()),
        ("context", pa.string()),
    ]
)


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str


ARTICLE_COLUMNS: tuple[Column, ...] = (
    Column("article_id", pa.int64(), "Stable id: `articles.id` in the corpus database"),
    Column(
        "url",
        pa.string(),
        "The article's key URL (one article per URL): its declared canonical URL when on the "
        "same site, else the URL fetched after redirects; tracking parameters and fragment "
        "removed",
    ),
    Column(
        "site",
        pa.string(),
        "Site profile the article was last fetched under; for an ad-hoc crawl, or "
        "`ingest-warc` without --site, the URL's host",
    ),
    Column("title", pa.string(), "Title"),
    Column("text", pa.string(), "Clean main text (boilerplate and comments removed)"),
    Column("text_length", pa.int64(), "Length of `text` in characters (code points)"),
    Column("text_sha256", pa.string(), "SHA-256 of `text` (UTF-8), hex"),
    Column("author", pa.string(), "Author as printed on the page"),
    Column("editor", pa.string(), "Editor (责任编辑) as printed"),
    Column("source", pa.string(), "Stated source (来源), e.g. a syndicating site"),
    Column("source_url", pa.string(), "Link to the stated source"),
    Column("published_at", TIMESTAMP, "Publication time, UTC"),
    Column("published_raw", pa.string(), "Date text as found on the page"),
    Column("published_confidence", pa.float64(), "Confidence of `published_at`, 0-1"),
    Column(
        "date_candidates",
        pa.string(),
        "JSON list of every date candidate seen: raw, value (ISO), where, score",
    ),
    Column("site_name", pa.string(), "Site name from the page"),
    Column("icp", pa.string(), "ICP licence number from the footer"),
    Column("category", pa.string(), "Category / breadcrumb"),
    Column("tags", pa.list_(pa.string()), "Tags / keywords"),
    Column("language", pa.string(), "Language code of the text"),
    Column(
        "canonical_url", pa.string(), "URL the page declares as canonical (<link rel=canonical>)"
    ),
    Column("relevance", pa.float64(), "Topic relevance score (debt collection), 0-1"),
    Column("masked_gap_count", pa.int64(), "Number of keyword-filter gaps in `text`"),
    Column(
        "masked_gaps",
        pa.list_(MASKED_GAP),
        "Keyword-filter gaps: character offsets into `text`, kind (space|missing), context",
    ),
    Column("boilerplate_removed", pa.string(), "JSON object: boilerplate rule -> times applied"),
    Column("extractor", pa.string(), "Extractor that produced `text`"),
    Column("extractor_version", pa.string(), "Version of the cleaning pipeline"),
    Column("claim_rule_version", pa.string(), "Version of the claim rules run on this text"),
    Column(
        "first_seen_at",
        TIMESTAMP,
        "Fetch time of the first page stored for this article, UTC (for `ingest-warc`, the "
        "archive record's date)",
    ),
    Column(
        "last_seen_at",
        TIMESTAMP,
        "Time of the latest fetch of this article, UTC, including fetches that found it "
        "unchanged or not modified (304)",
    ),
    Column(
        "revision_count",
        pa.int64(),
        "Times a re-crawl found changed text (each earlier text is kept as a revision; "
        "`reprocess` does not count)",
    ),
    Column(
        "warc_file", pa.string(), "WARC/ARC file the text was read from (`ingest-warc`), else null"
    ),
    Column("warc_offset", pa.int64(), "Byte offset of that record in `warc_file`"),
    Column("exact_cluster_id", pa.int64(), "Exact-duplicate cluster (`debtcorpus dedup`)"),
    Column(
        "near_cluster_id",
        pa.int64(),
        "Near-duplicate cluster (`debtcorpus dedup`, minhash; the lowest id if in several)",
    ),
    Column(
        "is_representative",
        pa.bool_(),
        "False when the article is a non-representative member of a duplicate cluster; true "
        "otherwise (also when in no cluster or dedup has not run)",
    ),
)

CLAIM_COLUMNS: tuple[Column, ...] = (
    Column("claim_id", pa.int64(), "Stable id: `claims.id` in the corpus database"),
    Column("article_id", pa.int64(), "The article the claim is in (joins `articles`)"),
    Column(
        "type",
        pa.string(),
        "Claim type: CHANNEL (how collectors reach the borrower), TIMING (how long overdue "
        "before something happens), CONSEQUENCE (what happens to the borrower), PROHIBITION "
        "(what collectors must not do), ADVICE (what the borrower is told to do) or CITATION "
        "(a law or regulation cited by name)",
    ),
    Column(
        "subtype",
        pa.string(),
        "Subtype within the type; every value: CHANNEL: phone, sms, visit, third_party, "
        "contacts, legal; CONSEQUENCE: credit, fees, civil, court_sanction, criminal, social; "
        "PROHIBITION: violence, abuse, harassment, contacts, impersonation, privacy, night; "
        "ADVICE: negotiate, complain, evidence, verify; TIMING: days (a stated period), severe "
        "(severe or long overdue without a period); CITATION: law, regulation, interpretation, "
        "guideline (by the cited name's suffix: 法, 条例, 解释, 指引…)",
    ),
    Column(
        "lender_raw",
        pa.string(),
        "The lender as written (微粒贷, 支付宝): in the sentence, the last mention before the "
        "trigger, else the first after it; else the nearest earlier mention in its paragraph; "
        "else the title's first lender when the sentence says only 平台/官方/客服; null when "
        "no lender of the gazetteer is named",
    ),
    Column(
        "lender",
        pa.string(),
        "The operator of `lender_raw` from the gazetteer (微粒贷 -> 微众银行, 支付宝 -> 蚂蚁); "
        "null exactly when `lender_raw` is null, never guessed",
    ),
    Column(
        "modality",
        pa.string(),
        "How the claim is put, one of seven values or null: reported (someone else's words: "
        "催收员称, 有借款人反映; not used for ADVICE and CITATION), else the first of "
        "prohibition (不得, 严禁; 不能 only with a collector as subject), obligation (应当, "
        "必须, 建议, 务必), possible (可能, 大概率, 可以), habitual (一般, 通常), conditional "
        "(如果, 一旦, 再不…就…, a legal 「…的,」 clause), certain (会, 一定) among the words "
        "that reach the trigger; PROHIBITION claims are prohibition unless hedged (possible or "
        "habitual); null when no such word reaches it (a plain statement)",
    ),
    Column(
        "polarity",
        pa.string(),
        "One of three values, never null: positive (the claim is asserted; also questions such "
        "as 会不会), negative (a negation reaches the trigger: 不会判刑; for PROHIBITION, "
        "the act said not to be illegal: 不算违规; for CITATION, the law said not to exist) or "
        "partial (a limiter between the negation and the trigger takes it: 不会直接判刑)",
    ),
    Column(
        "days_overdue",
        pa.int64(),
        "Days overdue the sentence states, normalised (两个月 = 60, 半年 = 180, M3 = 90): the "
        "first period bound to being overdue, else the first whose role is unknown; the lower "
        "bound of a range (upper bound in `conditions.days_max`); null when the sentence states "
        "no such period (retention periods, prison terms, 一天内 and working days never count)",
    ),
    Column(
        "amount",
        pa.float64(),
        "Amount in 元 the sentence states (5万元 = 50000): the one named as the new value, "
        "else the first that is neither marked old nor a fine or subsidy; null when none",
    ),
    Column(
        "severe",
        pa.bool_(),
        "True when the sentence contains 严重逾期, 严重的逾期, 长期逾期, 恶意逾期, 长期不还 or "
        "长期拖欠 (a word match over the whole sentence, whatever the claim's type, polarity "
        "or negation: 不算严重逾期 is true too); false otherwise, never null",
    ),
    Column(
        "conditions",
        pa.string(),
        "JSON object: days_overdue and amount (as the columns), days_max (upper bound of a "
        "range), severe (only when true), `if` (the first clause up to the trigger's that "
        "frames the claim as a condition); a key is absent when not found, {} when none is",
    ),
    Column(
        "cited_law",
        pa.string(),
        "For CITATION claims: the law as cited, without 《》, with 第N条 when given; null for "
        "other types",
    ),
    Column(
        "trigger",
        pa.string(),
        "The text a lexicon term or pattern matched in the sentence, which made the claim "
        "(for CITATION the cited name as written)",
    ),
    Column("sentence", pa.string(), "The sentence making the claim"),
    Column("char_start", pa.int64(), "Start offset of `sentence` in `articles.text`"),
    Column("char_end", pa.int64(), "End offset (exclusive) of `sentence` in `articles.text`"),
    Column(
        "rule_version",
        pa.string(),
        "Version of the claim lexicons and rules that produced the claim (e.g. claims-2.1)",
    ),
    Column(
        "checks",
        pa.string(),
        "JSON list, one object per rule of the rule base the claim matches (a statement the "
        "rule says is wrong): rule_id, source (the law, regulation or convention, with its "
        "article), kind (law, interpretation, regulation, convention or registry: the kind of "
        "source), year (when the cited text took effect), message (why, in Chinese); [] when no "
        "rule matches or checks were off (DEBTCORPUS_CLAIM_CHECKS=off)",
    ),
)

COMMENT_COLUMNS: tuple[Column, ...] = (
    Column("comment_id", pa.int64(), "Stable id: `comments.id` in the corpus database"),
    Column("article_id", pa.int64(), "The article commented on (joins `articles`)"),
    Column("position", pa.int64(), "Order on the page, from 0"),
    Column("author", pa.string(), "Commenter name as shown"),
    Column("role", pa.string(), "Role shown (e.g. 律师, 网友)"),
    Column("posted_at", TIMESTAMP, "Time posted, UTC"),
    Column("posted_raw", pa.string(), "Time text as found"),
    Column("text", pa.string(), "Comment text"),
)

TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {
    "articles": ARTICLE_COLUMNS,
    "claims": CLAIM_COLUMNS,
    "comments": COMMENT_COLUMNS,
}

NESTED_COLUMNS: tuple[Column, ...] = (
    Column("claims", pa.list_(pa.struct([(c.name, c.type) for c in CLAIM_COLUMNS])), "Claims"),
    Column(
        "comments", pa.list_(pa.struct([(c.name, c.type) for c in COMMENT_COLUMNS])), "Comments"
    ),
)


def table_columns(table: str, nested: bool) -> tuple[Column, ...]:
    """Columns of one exported table; nested articles carry their claims and comments."""
    columns = TABLE_COLUMNS[table]
    return columns + NESTED_COLUMNS if nested and table == "articles" else columns


def csv_type(data_type: pa.DataType) -> pa.DataType:
    """CSV cells are flat: lists and structs are written as JSON strings."""
    if pa.types.is_list(data_type) or pa.types.is_struct(data_type):
        return pa.string()
    return data_type


def file_schema(columns: tuple[Column, ...], file_format: str) -> pa.Schema:
    """The schema of one table as stored in files of `file_format`."""
    if file_format == "csv":
        return pa.schema([(c.name, csv_type(c.type)) for c in columns])
    return pa.schema([(c.name, c.type) for c in columns])


def hf_dtype(data_type: pa.DataType) -> Any:
    """The YAML form Hugging Face `datasets` uses for one Arrow type (as Features._to_yaml_list)."""
    if pa.types.is_list(data_type):
        return {"list": hf_dtype(data_type.value_type)}
    if pa.types.is_struct(data_type):
        return [hf_feature(field.name, field.type) for field in data_type]
    if pa.types.is_string(data_type):
        return {"dtype": "string"}
    if pa.types.is_float64(data_type):
        return {"dtype": "float64"}
    return {"dtype": str(data_type)}


def hf_feature(name: str, data_type: pa.DataType) -> dict[str, Any]:
    dtype = hf_dtype(data_type)
    if isinstance(dtype, list):
        return {"name": name, "struct": dtype}
    return {"name": name, **_flatten_list_dtype(dtype)}


def _flatten_list_dtype(dtype: dict[str, Any]) -> dict[str, Any]:
    """`{"list": {"dtype": "string"}}` is written `list: string` in cards."""
    if "list" in dtype and isinstance(dtype["list"], dict):
        inner = dtype["list"]
        return {"list": inner["dtype"] if "dtype" in inner else _flatten_list_dtype(inner)}
    return dtype


def hf_features(schema: pa.Schema) -> list[dict[str, Any]]:
    """`dataset_info.features` for a dataset card."""
    return [hf_feature(field.name, field.type) for field in schema]
