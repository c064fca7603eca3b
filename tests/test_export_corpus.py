"""A small but realistic corpus for the export tests, written to a real SQLite file.

Six articles on three sites, with Chinese text, tags, keyword-filter gaps, claims, comments,
pages from two crawl runs, one exact and one near duplicate cluster. No tests live here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from corpus.cli import cli
from corpus.models import (
    Article,
    Claim,
    Comment,
    CrawlRun,
    DuplicateCluster,
    DuplicateMember,
    Page,
)
from corpus.store import open_store

FORMATS = ("jsonl", "csv", "parquet")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


WEILIDAI_TEXT = (
    "微粒贷逾期催收上门来了怎么办？\n"
    "很多借款人在微粒贷逾期后，会接到催收电话，甚至听说催收人员会“上门家访”。"
    "根据《互联网金融逾期债务催收自律公约》，催收人员不得采用暴力、恐吓等手段。\n"
    "一般来说，逾期超过90天，平台可能委托第三方上门催收，但不会因此判刑。"
)
LAWFIRM_TEXT = (
    "第三方催收需要家访吗？律师解答如下：\n"
    "信用卡逾期后，银行可以委托第三方机构进行催收，常见方式是电话、短信和信函，"
    '"家访"须事先告知，且不得在晚上10点后进行。\n'
    "若欠款金额超过5万元且经两次催收仍不还，可能涉嫌信用卡诈骗罪。"
)
SPUN_TEXT = (
    "第三方催收要不要上门家访？律师的回答是：\n"
    "信用卡逾期之后，银行能够委托第三方公司催收，通常用电话、短信、信函，"
    "家访必须提前通知，并且不能在晚上10点以后进行。\n"
    "欠款超过5万元、两次催收后仍不归还的，可能涉嫌信用卡诈骗罪。"
)
MASKED_TEXT = (
    "借呗逾期三个月，催收通过 进行的骚扰怎么处理？\n"
    "有网友反映，借呗逾期后，第三方机构通过 联系其家人和同事，甚至扬言要“上门”。"
    "此类行为违反《个人信息保护法》，可以向银保监会投诉。贷用卡逾期同理。"
)

SPACE_GAP = MASKED_TEXT.index("通过 进行") + 2
MISSING_GAP = MASKED_TEXT.index("贷用卡") + 1


@dataclass(frozen=True)
class ExportCorpus:
    """The database file and the facts tests check against."""

    db_path: Path
    article_ids: dict[str, int]

    @property
    def db(self) -> str:
        return str(self.db_path)


def make_article(key: str, site: str, text: str, **fields: Any) -> Article:
    values: dict[str, Any] = {
        "url": f"https://{site}/{key}.html",
        "site": site,
        "title": text.split("\n", 1)[0],
        "text": text,
        "text_sha256": sha256(text.encode()).hexdigest(),
        "language": "zh",
        "relevance": 0.9,
        "extractor": "trafilatura",
        "extractor_version": "extract-1",
        "claim_rule_version": "claims-1",
        "first_seen_at": at(2024, 3, 1, 8),
        "last_seen_at": at(2024, 4, 1, 8),
        "tags": ["催收"],
    }
    values.update(fields)
    return Article(**values)


def claim(article: Article, type_: str, lender: str | None, sentence: str, **fields: Any) -> Claim:
    start = article.text.index(sentence)
    values: dict[str, Any] = {
        "type": type_,
        "lender": lender,
        "lender_raw": lender,
        "sentence": sentence,
        "start": start,
        "end": start + len(sentence),
        "conditions": {},
        "checks": [{"rule": "negation", "passed": True}],
    }
    values.update(fields)
    return Claim(**values)


def weilidai_article() -> Article:
    weilidai = make_article(
        "weilidai",
        "a.example",
        WEILIDAI_TEXT,
        author="小编",
        published_at=at(2024, 2, 10, 2),
        published_raw="2024年02月10日 10:00",
        published_confidence=0.9,
        date_candidates=[{"raw": "2024年02月10日 10:00", "score": 0.9, "where": "meta"}],
        tags=["微粒贷", "催收", "逾期"],
        category="网贷逾期",
        boilerplate_removed={"icp_footer": 1, "related_posts": 2},
    )
    weilidai.claims = [
        claim(weilidai, "home_visit", "微粒贷", "平台可能委托第三方上门催收", days_overdue=90),
        claim(weilidai, "criminal", None, "但不会因此判刑", polarity="negative", severe=True),
    ]
    weilidai.comments = [
        Comment(position=0, author="网友A", text="上周真的有人来家里了，怎么办？"),
        Comment(
            position=1,
            author="张律师",
            role="律师",
            posted_at=at(2024, 2, 11, 1, 30),
            posted_raw="2024-02-11 09:30",
            text='可以先录音，要求对方出示委托书，"不要"激化矛盾。',
        ),
    ]
    return weilidai


def lawfirm_article() -> Article:
    lawfirm = make_article(
        "lawfirm",
        "lawfirm.example",
        LAWFIRM_TEXT,
        editor="王编辑",
        source="某律师事务所",
        published_at=at(2024, 3, 15),
        published_raw="2024-03-15",
        published_confidence=0.7,
        first_seen_at=at(2024, 4, 1, 9),
        last_seen_at=at(2024, 4, 1, 9),
    )
    lawfirm.claims = [
        claim(lawfirm, "home_visit", "信用卡", '"家访"须事先告知', modality="must"),
        claim(
            lawfirm,
            "criminal",
            "信用卡",
            "若欠款金额超过5万元且经两次催收仍不还，可能涉嫌信用卡诈骗罪",
            amount=50000.0,
            severe=True,
            cited_law="刑法第196条",
            conditions={"amount": 50000, "reminders": 2},
        ),
    ]
    lawfirm.comments = [Comment(position=0, role="律师", author="李律师", text="补充：可投诉。")]
    return lawfirm


def masked_article() -> Article:
    masked = make_article(
        "masked",
        "lawfirm.example",
        MASKED_TEXT,
        published_at=at(2023, 12, 31, 20),
        published_raw="2024-01-01 04:00",
        masked_gap_count=2,
        masked_gaps=[
            {"start": SPACE_GAP, "end": SPACE_GAP + 1, "kind": "space", "context": "通过 进行的"},
            {"start": MISSING_GAP, "end": MISSING_GAP, "kind": "missing", "context": "贷用卡逾期"},
        ],
        tags=["借呗", "隐私"],
        claim_rule_version="claims-2",
    )
    masked.claims = [
        claim(
            masked,
            "privacy",
            "借呗",
            "第三方机构通过 联系其家人和同事",
            cited_law="个人信息保护法",
        )
    ]
    return masked


def build_articles() -> dict[str, Article]:
    copy = make_article(
        "copy", "a.example", WEILIDAI_TEXT, first_seen_at=at(2024, 4, 1, 10), tags=[]
    )
    copy.claims = [claim(copy, "home_visit", "微粒贷", "平台可能委托第三方上门催收")]
    spun = make_article(
        "spun",
        "spin.example",
        SPUN_TEXT,
        published_at=at(2024, 3, 20, 12),
        first_seen_at=at(2024, 4, 1, 11),
        last_seen_at=at(2024, 4, 2, 11),
        extractor="readability",
        extractor_version="extract-2",
    )
    short = make_article(
        "short",
        "a.example",
        "Debt collection FAQ: call the bank first.",
        language="en",
        tags=[],
        relevance=0.2,
        claim_rule_version=None,
    )
    return {
        "weilidai": weilidai_article(),
        "lawfirm": lawfirm_article(),
        "copy": copy,
        "spun": spun,
        "short": short,
        "masked": masked_article(),
    }


def add_pages(session: Session, articles: dict[str, Article]) -> None:
    first = CrawlRun(site="a.example", started_at=at(2024, 3, 1, 7), status="finished")
    second = CrawlRun(site=None, started_at=at(2024, 4, 1, 7), status="finished")
    session.add_all([first, second])
    session.flush()
    for article in articles.values():
        run = first if article.first_seen_at.month == 3 else second
        body = f"<html><body>{article.text}</body></html>".encode()
        session.add(
            Page(
                crawl_run_id=run.id,
                url=article.url,
                final_url=article.url,
                site=article.site,
                status=200,
                body=body,
                body_size=len(body),
                fetched_at=article.first_seen_at,
                outcome="article",
                change="new",
                article_id=article.id,
            )
        )


def add_clusters(session: Session, articles: dict[str, Article]) -> None:
    groups = (
        ("exact", "weilidai", ("weilidai", "copy"), {"normalise": "nfkc"}),
        ("minhash", "lawfirm", ("lawfirm", "spun"), {"threshold": 0.45, "num_perm": 120}),
    )
    for method, representative, members, params in groups:
        cluster = DuplicateCluster(
            method=method,
            params=params,
            representative_id=articles[representative].id,
            rule="earliest published",
            created_at=at(2024, 4, 3),
            updated_at=at(2024, 4, 3),
        )
        cluster.members = [
            DuplicateMember(method=method, article_id=articles[key].id, similarity=1.0)
            for key in members
        ]
        session.add(cluster)


def build_export_corpus(folder: Path) -> ExportCorpus:
    db_path = folder / "corpus.db"
    store = open_store(str(db_path))
    with store.session() as session:
        articles = build_articles()
        session.add_all(articles.values())
        session.flush()
        add_pages(session, articles)
        add_clusters(session, articles)
        ids = {key: article.id for key, article in articles.items()}
    store.dispose()
    return ExportCorpus(db_path, ids)


def run_export(corpus: ExportCorpus, out: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["export", "--db", corpus.db, str(out), *args])


def export_ok(corpus: ExportCorpus, out: Path, *args: str) -> Path:
    result = run_export(corpus, out, *args)
    assert result.exit_code == 0, result.output
    return out


def read_table(folder: Path, table: str) -> pd.DataFrame:
    """A table in id order (JSONL and CSV files put their witness rows first)."""
    path = next(folder.glob(f"{table}.*"))
    if path.suffix == ".jsonl":
        frame = pd.read_json(path, lines=True, dtype=False)
    elif path.suffix == ".csv":
        frame = pd.read_csv(path)
    else:
        frame = pd.read_parquet(path)
    if frame.empty:
        return frame
    return frame.sort_values(frame.columns[0], kind="stable").reset_index(drop=True)


def read_manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text("utf-8"))
    return manifest


def read_card_header(folder: Path) -> dict[str, Any]:
    text = (folder / "README.md").read_text("utf-8")
    assert text.startswith("---\n")
    header: dict[str, Any] = yaml.safe_load(text.split("---\n")[1])
    return header
