"""`debtcorpus eval extraction DIR` on a small folder laid out like the shared benchmarks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaning.extract.scoring import token_f1, tokens
from corpus.cli import cli

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
    assert data["date_accuracy"] == {"correct": 1, "pages": 1, "accuracy": 1.0}
    assert data["author_accuracy"]["pages"] == 1


def test_text_report_prints_means_medians_and_accuracy(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "extraction", str(folder), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "F1 mean" in result.output and "F1 med" in result.output
    assert "trafilatura" in result.output and "readability" in result.output
    assert "date_accuracy" in result.output


def test_a_folder_without_the_layout_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "extraction", str(tmp_path)])
    assert result.exit_code != 0
    assert "index.jsonl" in result.output
