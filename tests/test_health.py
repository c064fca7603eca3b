"""Crawl health: checks after a run, stored with it, shown by `runs show`, sent to a real
webhook receiver and a real SMTP server on 127.0.0.1 when one fails."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from corpus.cli import cli
from corpus.crawl_contract import ExitCode
from corpus.errors import ConfigError
from corpus.health.checks import SiteFigures, share_checks, trend_checks
from corpus.health.config import HealthSettings
from corpus.health.notify import webhook_body
from corpus.models import CrawlRun, Page
from corpus.profiles import load_profile, profile_path
from corpus.store import Store
from samplesite.content import load_articles
from samplesite.server import start_in_thread
from tests.health_receivers import SmtpReceiver, WebhookReceiver, free_port

FIGURES = SiteFigures(pages=40, articles=10, with_date=9, with_author=2, long_text=10, errors=1)


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


def crawl(base_url: str, db: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "corpus", "crawl", "--site", str(profile)]
    argv += ["--base-url", base_url, "--db", str(db), "--fail-on-health", *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_a_template_without_dates_fails_the_date_check_and_notifies_once(
    fresh_sample_site: str, tmp_path: Path, webhook: WebhookReceiver, smtp: SmtpReceiver
) -> None:
    db = tmp_path / "corpus.db"
    # the hand-written profile, plus a second webhook nothing listens on: its failure is
    # logged in one line and loses nothing
    dead = f"http://127.0.0.1:{free_port()}/gone"
    profile = tmp_path / "sample-wp.yaml"
    data = yaml.safe_load(profile_path("sample-wp").read_text("utf-8"))
    profile.write_text(yaml.safe_dump({**data, "health": {"webhook": dead}}), "utf-8")
    notify = ("--health-webhook", webhook.url, "--health-email", "ops@example.cn")
    notify += ("--smtp", smtp.address)

    first = crawl(fresh_sample_site, db, profile, *notify)
    assert first.returncode == 0, first.stderr
    assert "health: all" in first.stdout
    assert not webhook.posts and not smtp.messages  # a healthy run sends nothing

    switch = f"{fresh_sample_site}/_control/template?name=nodates"
    urllib.request.urlopen(switch, data=b"", timeout=10).close()
    second = crawl(fresh_sample_site, db, profile, *notify)
    assert second.returncode == ExitCode.UNHEALTHY, second.stderr
    assert "sample-wp date-share: 0% of" in second.stderr

    assert len(webhook.posts) == 1 and len(smtp.messages) == 1
    post = webhook.posts[0]
    assert post["msgtype"] == "text" and "date-share" in post["text"]["content"]
    assert post["content"]["text"] == post["text"]["content"]  # Feishu reads this one
    assert [c["check"] for c in post["debtcorpus"]["failed"]] == ["date-share"]
    recipients, mail = smtp.messages[0]
    assert recipients == ["ops@example.cn"]
    assert "crawl run 2" in mail["Subject"] and "date-share" in mail.get_payload()
    dead_lines = [line for line in second.stderr.splitlines() if dead in line]
    assert len(dead_lines) == 2  # the one-line log, and the summary of who was told
    assert "could not notify" in dead_lines[0]

    check_stored_runs(db, webhook.url, dead)
    shown = CliRunner().invoke(cli, ["runs", "show", "2", "--db", str(db)])
    assert shown.exit_code == 0
    assert "health:             FAILED" in shown.output
    assert "FAIL sample-wp date-share" in shown.output
    assert "ok   sample-wp articles" in shown.output


def check_stored_runs(db: Path, webhook: str, dead: str) -> None:
    """Both runs finished with their health stored; the crawls fetched only 127.0.0.1."""
    store = Store(str(db))
    with store.session() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        hosts = {urlsplit(url).hostname for url in session.scalars(select(Page.final_url))}
    assert [run.status for run in runs] == ["finished", "finished"]
    assert runs[0].health is not None and runs[0].health["ok"]
    assert runs[1].health is not None and not runs[1].health["ok"]
    assert runs[1].health["notified"][webhook] == "sent"
    assert runs[1].health["notified"][dead].startswith("failed")
    assert hosts == {"127.0.0.1"}, f"the crawls fetched from {hosts}"
    store.dispose()


def test_shares_are_judged_against_the_profile() -> None:
    checks = {c.check: c for c in share_checks("s", FIGURES, HealthSettings())}
    assert checks["date-share"].ok and checks["text-share"].ok
    assert "author-share" not in checks  # off by default
    strict = HealthSettings(min_date_share=0.95, min_author_share=0.5)
    checks = {c.check: c for c in share_checks("s", FIGURES, strict)}
    assert not checks["date-share"].ok and not checks["author-share"].ok
    assert checks["author-share"].message == "20% of 10 articles have an author (at least 50%)"
    few = SiteFigures(pages=3, articles=2, with_date=0, with_author=0, long_text=0, errors=0)
    assert share_checks("s", few, HealthSettings()) == []  # too few articles to judge


def test_counts_are_judged_against_earlier_runs() -> None:
    before = [
        SiteFigures(40, 10, 9, 0, 10, 1, {"list-page": 20}),
        SiteFigures(40, 12, 9, 0, 10, 3, {"list-page": 20}),
    ]
    half = SiteFigures(40, 5, 5, 0, 5, 2, {"list-page": 20, "too-short": 15})
    checks = {c.check: c for c in trend_checks("s", half, before, HealthSettings())}
    assert not checks["articles"].ok  # 5 < 11 * (1 - 0.5)
    assert checks["errors"].ok  # 2 errors: below the floor of 5
    assert not checks["rejects:too-short"].ok  # 0% -> 38% of the pages
    steady = SiteFigures(40, 11, 9, 0, 10, 2, {"list-page": 21})
    checks = {c.check: c for c in trend_checks("s", steady, before, HealthSettings())}
    assert all(c.ok for c in checks.values()) and set(checks) == {"articles", "errors", "rejects"}
    assert trend_checks("s", steady, [], HealthSettings()) == []  # a site's first run


def test_webhook_body_fits_the_chat_bots() -> None:
    details = {"run_id": 1}
    chat = webhook_body("https://oapi.dingtalk.com/robot/send?access_token=x", "m", details)
    assert chat["msgtype"] == "text" and chat["text"] == {"content": "m"}
    assert chat["msg_type"] == "text" and chat["content"] == {"text": "m"}
    slack = webhook_body("https://hooks.slack.com/services/T/B/x", "m", details)
    assert slack == {"text": "m", "debtcorpus": details}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--smtp", "mail.example.cn:x"], "--smtp: 'mail.example.cn:x' is not an SMTP server"),
        (["--health-webhook", "ftp://x/"], "--health-webhook 'ftp://x/' is not an http(s) URL"),
        (["--health-email", "nobody"], "--health-email: 'nobody' is not an e-mail address"),
    ],
)
def test_bad_notifier_options_are_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    db = tmp_path / "corpus.db"
    result = CliRunner().invoke(cli, ["crawl", "--site", "sample-wp", "--db", str(db), *args])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert expected in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not db.exists()


def test_a_bad_health_section_is_one_line(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\nstart_urls: [/a/]\nhealth: {min_date_share: 2}\n", "utf-8")
    with pytest.raises(ConfigError, match=r"health.min_date_share: .*less than or equal to 1"):
        load_profile(str(profile))
    profile.write_text("name: p\nstart_urls: [/a/]\nhealth: {min_dates: 0.5}\n", "utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'health.min_dates'; known keys: email"):
        load_profile(str(profile))


def test_the_sample_site_switches_templates() -> None:
    server, base_url = start_in_thread()
    try:
        article = next(iter(load_articles()))
        page = f"{base_url.rstrip('/')}{article.path}"
        before = urllib.request.urlopen(page, timeout=10).read().decode(article.encoding)
        assert article.published[:10] in before or article.published_text in before

        def control(query: str, data: bytes | None = None) -> dict[str, str]:
            url = f"{base_url}_control/template{query}"
            with urllib.request.urlopen(url, data=data, timeout=10) as answer:
                return dict(json.load(answer))

        assert control("") == {"template": "default"}
        assert control("?name=nodates", b"") == {"template": "nodates"}
        after = urllib.request.urlopen(page, timeout=10).read().decode(article.encoding)
        assert article.published[:10] not in after and article.published_text not in after
        assert article.title in after  # the same page, only its dates gone
        with pytest.raises(urllib.error.HTTPError) as refused:
            control("?name=nope")
        assert refused.value.code == 400
        urllib.request.urlopen(f"{base_url}_control/reset", data=b"", timeout=10).close()
        assert control("") == {"template": "default"}
    finally:
        server.shutdown()
        server.server_close()
