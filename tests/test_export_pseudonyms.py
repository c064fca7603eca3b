"""`export --pseudonymize-authors`: comment authors (and, on request, article bylines) become
keyed hashes; the key never enters the export."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import pandas as pd
import pytest

from tests.test_export_corpus import ExportCorpus, build_export_corpus, export_ok, run_export

NAMES = ("网友A", "张律师", "李律师")
KEY = "a-test-key-of-enough-length"


@pytest.fixture(scope="module")
def export_corpus(tmp_path_factory: pytest.TempPathFactory) -> ExportCorpus:
    return build_export_corpus(tmp_path_factory.mktemp("pseudonym-corpus"))


def expected(key: str, name: str) -> str:
    return "anon-" + hmac.new(key.encode(), name.encode(), hashlib.sha256).hexdigest()[:16]


def all_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()))


def test_comment_authors_become_keyed_hashes_and_the_key_stays_outside(
    export_corpus: ExportCorpus, tmp_path: Path
) -> None:
    out = export_ok(export_corpus, tmp_path / "out", "--format", "csv", "--pseudonymize-authors")
    key_file = tmp_path / "out.pseudonym-key"
    key = key_file.read_text("utf-8").strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    comments = pd.read_csv(out / "comments.csv")
    assert set(comments["author"]) == {expected(key, name) for name in NAMES}
    data = all_bytes(out)
    assert key.encode() not in data
    assert not any(name.encode() in data for name in NAMES)
    articles = pd.read_csv(out / "articles.csv")
    assert "小编" in set(articles["author"]), "article bylines stay unless asked"


def test_the_key_file_is_reused_so_re_exports_are_identical(
    export_corpus: ExportCorpus, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    export_ok(export_corpus, out, "--format", "parquet", "--pseudonymize-authors")
    first = {path.name: path.read_bytes() for path in out.iterdir()}
    result = run_export(
        export_corpus, out, "--format", "parquet", "--pseudonymize-authors", "--overwrite"
    )
    assert result.exit_code == 0 and "Pseudonym key written" not in result.output
    assert {path.name: path.read_bytes() for path in out.iterdir()} == first


def test_a_given_key_is_used_and_not_written_anywhere(
    export_corpus: ExportCorpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEBTCORPUS_PSEUDONYM_KEY", KEY)
    out = export_ok(
        export_corpus,
        tmp_path / "out",
        *("--format", "jsonl", "--pseudonymize-authors", "--pseudonymize-article-authors"),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    lines = (out / "comments.jsonl").read_text("utf-8").splitlines()
    assert {json.loads(line)["author"] for line in lines} == {expected(KEY, n) for n in NAMES}
    articles = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert expected(KEY, "小编") in {a["author"] for a in articles}
    assert expected(KEY, "王编辑") in {a["editor"] for a in articles}
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["pseudonymised"]["columns"] == [
        "comments.author",
        "articles.author",
        "articles.editor",
        "articles.byline",
    ]
    assert KEY.encode() not in all_bytes(out)


def test_nested_comments_are_pseudonymised_too(export_corpus: ExportCorpus, tmp_path: Path) -> None:
    out = export_ok(
        export_corpus,
        tmp_path / "out",
        *("--format", "parquet", "--nested", "--pseudonymize-authors"),
        "--pseudonymize-key",
        KEY,
    )
    articles = pd.read_parquet(out / "articles.parquet")
    authors = {c["author"] for comments in articles["comments"] for c in comments}
    assert authors == {expected(KEY, name) for name in NAMES}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pseudonymize-authors", "--pseudonymize-key", "short"], "at least 16"),
        (["--pseudonymize-article-authors"], "needs --pseudonymize-authors"),
        (["--format", "warc", "--pseudonymize-authors"], "WARC files hold the raw fetches"),
    ],
)
def test_bad_pseudonym_options_fail_in_one_line(
    export_corpus: ExportCorpus, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_export(export_corpus, tmp_path / "out", *args)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
