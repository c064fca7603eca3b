"""`debtcorpus eval extraction DIR` on a small folder laid out like the shared benchmarks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaning.extract.scoring import token_f1, tokens
from corpus.cli import cli
from corpus.extraction_bench import inputs_digest

PARAGRAPH = (
    "借款人逾期以后，催收人员一般会先通过短信和电话提醒还款，不得使用暴力、威胁或者辱骂的方式催收，"
    "也不得向借款人的亲友透露债务信息。"
)


def article_html(body: str, extra: str = "") -> str:
    paragraphs = "".join(f"<p>{body}第{n}段。</p>" for n in range(4))
    return (
        "<html><head><meta charset='gbk'><title>催收规定_示例站</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/a'>资讯</a></div>"
        f"<div class='article'><h1>催收规定</h1><div class='info'>2024-05-06 10:20 作者:王敏</div>"
        f"<div class='content'>{paragraphs}</div>{extra}</div>"
        "<div class='footer'>Copyright © 2024 示例站 京ICP备12345678号</div></body></html>"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pages").mkdir()
    (tmp_path / "gold").mkdir()
    pages = {
        "good": (article_html(PARAGRAPH), "2024-05-06 10:20", "王敏"),
        "noisy": (article_html(PARAGRAPH, "<p>本文链接:http://x.cn/1.html</p>"), None, None),
    }
    rows = []
    for page_id, (html, date, author) in pages.items():
        (tmp_path / "pages" / f"{page_id}.html").write_bytes(html.encode("gb18030"))
        gold = "\n".join(f"{PARAGRAPH}第{n}段。" for n in range(4))
        (tmp_path / "gold" / f"{page_id}.txt").write_text(gold, encoding="utf-8")
        row = {"id": page_id, "url": f"http://x.cn/{page_id}.html", "page_type": "article"}
        if date:
            row |= {"gold_date": date, "gold_author": author}
        rows.append(json.dumps(row, ensure_ascii=False))
    (tmp_path / "index.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def test_tokens_are_cjk_characters_and_latin_runs() -> None:
    assert tokens("微粒贷 App2.0, ok!") == ["微", "粒", "贷", "app2", "0", "ok"]
    score = token_f1("催收 电话", "催收电话 多")
    assert (score.precision, round(score.recall, 2)) == (1.0, 0.8)
    assert token_f1("", "").f1 == 1.0 and token_f1("", "催收").f1 == 0.0


def test_json_report_scores_three_systems_and_metadata(folder: Path) -> None:
    result = CliRunner().invoke(
        cli, ["eval", "extraction", str(folder), "--json", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pages"] == 2
    assert set(data["systems"]) == {"debtcorpus", "trafilatura", "readability"}
    ours = data["systems"]["debtcorpus"]
    assert ours["mean_f1"] > 0.95 and ours["median_recall"] > 0.95
    assert ours["low_pages"] == []
    assert data["date_accuracy"]["debtcorpus"] == {"correct": 1, "pages": 1, "accuracy": 1.0}
    assert set(data["date_accuracy"]) == {"debtcorpus", "htmldate", "trafilatura"}
    assert data["date_accuracy"]["htmldate"]["pages"] == 1
    assert data["author_accuracy"]["debtcorpus"]["pages"] == 1
    assert set(data["author_accuracy"]) == {"debtcorpus", "trafilatura"}
    assert data["by_page_type"]["article"]["pages"] == 2
    assert len(data["inputs_sha256"]) == 64


def test_text_report_prints_means_medians_and_accuracy(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "extraction", str(folder), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "F1 mean" in result.output and "F1 med" in result.output
    assert "trafilatura" in result.output and "readability" in result.output
    assert "date_accuracy" in result.output and "htmldate" in result.output
    assert "mean of folds" in result.output and "page_type=article" in result.output


def test_a_folder_without_the_layout_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "extraction", str(tmp_path)])
    assert result.exit_code != 0
    assert "index.jsonl" in result.output


def _site_folder(tmp_path: Path, hosts: list[str]) -> Path:
    """One page per entry of `hosts` (a host may repeat: several pages of one site)."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "gold").mkdir()
    rows = []
    for n, host in enumerate(hosts):
        (tmp_path / "pages" / f"p{n}.html").write_bytes(article_html(PARAGRAPH).encode("gb18030"))
        gold = "\n".join(f"{PARAGRAPH}第{k}段。" for k in range(4))
        (tmp_path / "gold" / f"p{n}.txt").write_text(gold, encoding="utf-8")
        row = {"id": f"p{n}", "url": f"http://{host}/{n}.html", "page_type": "article"}
        rows.append(json.dumps(row))
    (tmp_path / "index.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def test_folds_keep_each_site_in_one_fold_and_report_held_out_means(tmp_path: Path) -> None:
    hosts = ["a.cn", "a.cn", "a.cn", "www.b.cn", "b.cn", "c.cn", "d.cn"]
    folder = _site_folder(tmp_path, hosts)
    args = ["eval", "extraction", str(folder), "--json", "--workers", "1", "--folds", "3"]
    data = json.loads(CliRunner().invoke(cli, args).output)
    folds = data["site_folds"]["folds"]
    assert [row["pages"] for row in folds] == [3, 2, 2]  # a.cn alone, www.b.cn with b.cn
    assert sum(row["sites"] for row in folds) == data["sites"] == 4
    means = data["site_folds"]["mean_of_folds"]["mean_f1"]
    assert set(means) == {"debtcorpus", "trafilatura", "readability"}
    assert means["debtcorpus"] > 0.95


def test_compare_prints_how_each_fold_moved(tmp_path: Path) -> None:
    folder = _site_folder(tmp_path, ["a.cn", "b.cn"])
    args = ["eval", "extraction", str(folder), "--json", "--workers", "1", "--folds", "2"]
    earlier = json.loads(CliRunner().invoke(cli, args).output)
    earlier["site_folds"]["folds"][0]["mean_f1"]["debtcorpus"] -= 0.1
    earlier["pages_f1"]["p0"] -= 0.1
    saved = tmp_path / "earlier.json"
    saved.write_text(json.dumps(earlier), encoding="utf-8")
    result = CliRunner().invoke(cli, [*args[:-1], "2", "--compare", str(saved)])
    compared = json.loads(result.output)["compared"]
    assert compared["folds"][0] == pytest.approx(0.1) and compared["folds"][1] == 0.0
    assert list(compared["pages"]) == ["p0"]


def test_title_first_scores_the_headline_with_the_text(tmp_path: Path) -> None:
    folder = _site_folder(tmp_path, ["a.cn"])
    gold = "催收规定\n" + (folder / "gold" / "p0.txt").read_text(encoding="utf-8")
    (folder / "gold" / "p0.txt").write_text(gold, encoding="utf-8")
    base = ["eval", "extraction", str(folder), "--json", "--workers", "1", "--folds", "1"]
    plain = json.loads(CliRunner().invoke(cli, base).output)["systems"]["debtcorpus"]
    titled = json.loads(CliRunner().invoke(cli, [*base, "--title-first"]).output)
    assert titled["systems"]["debtcorpus"]["mean_recall"] == 1.0 > plain["mean_recall"]


def test_the_inputs_digest_changes_with_any_page_or_gold_byte(tmp_path: Path) -> None:
    folder = _site_folder(tmp_path, ["a.cn"])
    before = inputs_digest(folder)
    assert inputs_digest(folder) == before
    gold = folder / "gold" / "p0.txt"
    gold.write_text(gold.read_text(encoding="utf-8") + "。", encoding="utf-8")
    assert inputs_digest(folder) != before


@pytest.mark.parametrize("earlier", ["not json\n", "[1, 2]\n"])
def test_a_compare_file_that_is_no_report_is_a_clean_error(
    folder: Path, tmp_path: Path, earlier: str
) -> None:
    """Refused in one line, exit code 2, before any page is scored (no traceback)."""
    report_file = tmp_path / "before.json"
    report_file.write_text(earlier, encoding="utf-8")
    args = ["eval", "extraction", str(folder), "--compare", str(report_file)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "before.json" in result.output and "--json report" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("option", ["--folds", "--workers"])
def test_zero_folds_or_workers_is_refused(folder: Path, option: str) -> None:
    result = CliRunner().invoke(cli, ["eval", "extraction", str(folder), option, "0"])
    assert result.exit_code == 2, result.output
    assert option in result.output
