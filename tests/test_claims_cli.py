"""`debtcorpus claims extract` and `claims mine` on JSON lines, and their clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaning.claims.extract import RULE_VERSION
from corpus.cli import cli
from corpus.commands.claims import EXTRACT_FIELDS
from corpus.store import open_store

LINES = [
    {
        "id": "a",
        "title": "借呗逾期怎么办",
        "text": "平台逾期30天会上报征信。\n欠信用卡1万元不还就会坐牢。",
    },
    {"id": "b", "text": "今天天气很好。", "extra": [1, 2]},
]


def run(args: list[str], stdin: str = "") -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, input=stdin)
    return result.exit_code, result.output


def test_extract_writes_the_input_fields_and_claims() -> None:
    stdin = "\n".join(json.dumps(line, ensure_ascii=False) for line in LINES) + "\n"
    code, output = run(["claims", "extract", "-"], stdin)
    assert code == 0, output
    first, second = (json.loads(line) for line in output.splitlines())
    assert second == {**LINES[1], "claims": []}
    assert {k: first[k] for k in ("id", "title", "text")} == LINES[0]
    claims = first["claims"]
    assert all(list(claim) == list(EXTRACT_FIELDS) for claim in claims)
    credit = next(c for c in claims if c["subtype"] == "credit")
    assert (credit["lender"], credit["days_overdue"], credit["modality"]) == ("蚂蚁", 30, "certain")
    text = LINES[0]["text"]
    assert all(text[c["start"] : c["end"]] == c["sentence"] for c in claims)
    jail = next(c for c in claims if c["subtype"] == "criminal")
    assert jail["amount"] == 10000
    assert [check["rule_id"] for check in jail["checks"]] == ["malicious-overdraft-threshold"]
    assert jail["checks"][0]["message"]


def test_extract_reads_a_file_and_switches_checks_off(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(LINES[0], ensure_ascii=False) + "\n", "utf-8")
    code, output = run(["claims", "extract", str(path), "--no-checks"])
    assert code == 0, output
    assert all(not c["checks"] for c in json.loads(output)["claims"])


def test_extract_with_an_extra_rule_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - id: any-credit\n    source: 研究\n    kind: convention\n    year: 2025\n"
        "    message: 征信\n    when:\n      subtypes: [credit]\n",
        "utf-8",
    )
    stdin = json.dumps({"text": "逾期会上征信。"}, ensure_ascii=False) + "\n"
    code, output = run(["claims", "extract", "--rules", str(rules)], stdin)
    assert code == 0, output
    (claim,) = json.loads(output)["claims"]
    assert [c["rule_id"] for c in claim["checks"]] == ["any-credit"]


def test_extract_errors_are_one_line(tmp_path: Path) -> None:
    for args, stdin, message in [
        (["claims", "extract"], '{"id": 1}\n', 'line 1 has no string "text" field'),
        (["claims", "extract"], "{oops\n", "line 1 is not JSON"),
        (
            ["claims", "extract", "--rules", str(tmp_path / "none.yaml")],
            "",
            "does not exist",
        ),
    ]:
        code, output = run(args, stdin)
        assert code != 0 and message in output and "Traceback" not in output
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [1, 2]\n", "utf-8")
    code, output = run(["claims", "extract", "--rules", str(bad)], "")
    assert code != 0 and "must be a mapping" in output and "Traceback" not in output


def test_extract_reads_a_bom_and_refuses_another_encoding_in_one_line(tmp_path: Path) -> None:
    text = '{"text": "借呗逾期三天就会打电话催收。"}\n'
    with_bom = tmp_path / "bom.jsonl"
    with_bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, output = run(["claims", "extract", str(with_bom)])
    assert code == 0 and json.loads(output)["claims"]
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes(text.encode("gbk"))
    code, output = run(["claims", "extract", str(gbk)])
    assert code == 2 and "is not UTF-8" in output and "iconv" in output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1
    code, output = run(["claims", "extract"], '{"text": "借呗\t逾期\n')
    assert code == 2 and "(Invalid control character at column" in output


def test_eval_names_the_missing_gold_field(tmp_path: Path) -> None:
    texts = tmp_path / "texts.jsonl"
    texts.write_text('{"text": "借呗逾期"}\n', "utf-8")
    code, output = run(["eval", "claims", str(texts)])
    assert code == 2 and "line 1 is not a gold sentence (it has no 'id' field)" in output


def test_mine_proposes_uncovered_phrases() -> None:
    sentence = "逾期以后催收人员会敲门喊话,还会在小区发传单。"
    lines = [json.dumps({"text": sentence * 2 + "\n" + sentence}, ensure_ascii=False)] * 2
    code, output = run(["claims", "mine", "-", "--min-sentences", "2"], "\n".join(lines) + "\n")
    assert code == 0, output
    rows = [line.split("\t") for line in output.splitlines()]
    assert rows[0] == ["phrase", "sentences", "articles", "example"]
    phrases = {row[0]: row for row in rows[1:]}
    assert "敲门喊话" in phrases and phrases["敲门喊话"][2] == "2"
    assert not any("上门" in phrase for phrase in phrases)


def test_mine_never_proposes_fragments_of_masked_words() -> None:
    # keyword filters delete 信 from 信用卡 and leave 贷用卡 (cleaning.masking): its pieces
    # sit beside collection terms in every such sentence but are not words to add
    texts = [
        "逾期后贷用卡被催收公司拿去起诉。",
        "逾期后贷用卡被催收公司多次提起。",
        "贷用卡逾期催收找上门。",
    ]
    lines = [json.dumps({"text": text}, ensure_ascii=False) for text in texts]
    code, output = run(["claims", "mine", "-", "--min-sentences", "2"], "\n".join(lines) + "\n")
    assert code == 0, output
    phrases = [line.split("\t")[0] for line in output.splitlines()[1:]]
    assert not any("用" in phrase for phrase in phrases), phrases


def test_mine_takes_db_after_the_subcommand_too(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    open_store(str(db)).dispose()
    for args in (["claims", "mine", "--db", str(db)], ["claims", "--db", str(db), "mine"]):
        code, output = run(args)
        assert code == 0 and output.splitlines()[0].startswith("phrase\t"), output
    code, output = run(["claims", "mine", "--db", str(tmp_path / "none.db")])
    assert code == 2 and "there is no corpus" in output, output


def test_rule_version_is_exported() -> None:
    assert RULE_VERSION.startswith("claims-")


def test_the_card_describes_every_claim_value() -> None:
    from corpus.export.schema import CLAIM_COLUMNS

    described = {column.name: column.description for column in CLAIM_COLUMNS}
    assert all(word in described["polarity"] for word in ("positive", "negative", "partial"))
    for modality in ("certain", "possible", "habitual", "obligation", "prohibition"):
        assert modality in described["modality"]
    assert "conditional" in described["modality"] and "reported" in described["modality"]
    assert "rule_id" in described["checks"] and "kind" in described["checks"]


def test_a_bad_rules_path_in_the_environment_stops_crawl_and_reprocess_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEBTCORPUS_CLAIM_RULES", str(tmp_path / "none.yaml"))
    db = str(tmp_path / "corpus.db")
    open_store(db).dispose()  # reprocess reads a corpus; crawl would make one
    for args in (["crawl", "--db", db, "http://127.0.0.1:9/"], ["reprocess", "--db", db]):
        code, output = run(args)
        assert code != 0 and "does not exist" in output and "Traceback" not in output
