"""`site new` and `site check` against real servers on 127.0.0.1: the sample site's four
sites, and the hostile site for scope (it also answers as localhost, another host)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from corpus.cli import cli
from corpus.models import Article, Page
from corpus.profiles import hosts_of, load_profile
from corpus.site_setup.fetch import ScopedFetcher
from corpus.site_setup.patterns import merged, pattern_of, url_shape
from corpus.store import Store
from tests.conftest import start_server

SITES = {"wp": "sample-wp", "portal": "sample-portal", "news": "sample-news", "law": "sample-law"}


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[str]:
    process, base_url = start_server("hostile")
    yield base_url
    process.terminate()
    process.wait(timeout=10)


def site_new(url: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "corpus", "site", "new", url, "--out", str(out), "--delay", "0"]
    return subprocess.run([*argv, *extra], capture_output=True, text=True, timeout=120)


def articles_by_site(db: Path) -> dict[str, set[tuple[str, str]]]:
    """(page path, article path) of each article page, by profile; checks every page's host."""
    store = Store(str(db))
    with store.session() as session:
        rows = session.execute(
            select(Page.site, Page.url, Article.url).join(Article, Article.id == Page.article_id)
        ).all()
        hosts = {urlsplit(url).hostname for url in session.scalars(select(Page.final_url))}
    store.dispose()
    assert hosts == {"127.0.0.1"}, f"the crawl fetched from {hosts}"
    found: dict[str, set[tuple[str, str]]] = {}
    for site, page_url, url in rows:
        found.setdefault(str(site), set()).add((urlsplit(page_url).path, urlsplit(url).path))
    return found


@pytest.mark.slow
def test_site_new_profiles_crawl_the_same_articles_as_the_hand_written_ones(
    fresh_sample_site: str, tmp_path: Path
) -> None:
    made = []
    for key in SITES:
        out = tmp_path / f"made-{key}.yaml"
        done = site_new(f"{fresh_sample_site}/{key}/", out, "--name", f"made-{key}")
        assert done.returncode == 0, done.stderr
        assert f"wrote {out}" in done.stdout
        made.append(str(out))
        profile = load_profile(str(out))  # validated by the profile schema
        assert profile.article_patterns, f"{key}: no article pattern proposed"
        assert "# sampled pages and what the cleaner made of them:" in out.read_text("utf-8")
    # one crawl runs the hand-written and the proposed profiles side by side
    sites = [arg for name in (*SITES.values(), *made) for arg in ("--site", name)]
    db = tmp_path / "corpus.db"
    argv = [sys.executable, "-m", "corpus", "crawl", *sites, "--base-url", fresh_sample_site]
    subprocess.run([*argv, "--db", str(db)], check=True, timeout=600, capture_output=True)
    found = articles_by_site(db)
    for key, hand_written in SITES.items():
        own = f"/{key}/"
        # sample-portal also follows the shared /faults/ pages (outside /portal/) on purpose
        outside = {page for page, _ in found[hand_written] if not page.startswith(own)}
        assert all(page.startswith("/faults/") for page in outside), outside
        expected = {article for page, article in found[hand_written] if page.startswith(own)}
        proposed = {article for _, article in found[f"made-{key}"]}
        assert len(expected) >= 7
        assert proposed == expected, f"{key}: {sorted(proposed ^ expected)}"


def test_site_new_and_check_stay_on_the_host(hostile_site: str, tmp_path: Path) -> None:
    out = tmp_path / "hostile.yaml"
    done = site_new(f"{hostile_site}/", out, "--pages", "20")
    assert done.returncode == 0, done.stderr
    profile = load_profile(str(out))
    assert profile.start_urls == (f"{hostile_site}/",)
    assert "localhost" not in out.read_text("utf-8").split("# sampled pages")[0]
    checked = CliRunner().invoke(cli, ["site", "check", str(out), "--delay", "0"])
    assert checked.exit_code == 0, checked.output
    with urllib.request.urlopen(f"{hostile_site}/_log", timeout=10) as answer:
        log = json.load(answer)
    hosts = {entry["host"] for entry in log}
    assert hosts == {urlsplit(hostile_site).netloc}, f"requests went to {hosts}"
    assert "/private/secret" not in {entry["path"] for entry in log}  # robots.txt obeyed


def test_the_fetcher_never_leaves_its_scope(hostile_site: str) -> None:
    fetcher = ScopedFetcher(hosts_of([hostile_site]), delay_s=0)
    redirected = fetcher.get(f"{hostile_site}/redirect-offsite")
    assert redirected.error == "off-site"
    assert urlsplit(redirected.final_url).hostname == "localhost"
    elsewhere = fetcher.get(redirected.final_url)
    assert elsewhere.error == "off-site"
    assert fetcher.get(f"{hostile_site}/private/secret").error == "robots-forbidden"
    assert {urlsplit(url).hostname for url in fetcher.requested} == {"127.0.0.1"}


def test_site_check_classifies_and_stores_nothing(
    sample_site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["site", "check", "sample-law", "--base-url", sample_site, "--delay", "0"]
    result = CliRunner().invoke(cli, [*args, "--pages", "6"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("article          A ") for line in lines)
    assert any(line.startswith("list-page        - ") for line in lines)
    assert "list, tag or archive page of links" in result.output
    assert "characters, title" in result.output
    assert lines[-1].endswith("nothing stored")
    assert list(tmp_path.iterdir()) == []  # no corpus, no file


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["site", "new", "ftp://x/"], "'ftp://x/' is not an http(s) URL"),
        (["site", "check", "no-such-site"], "no site profile 'no-such-site'"),
        (["site", "check", "sample-law"], "pass --base-url"),
        # a host that is down is down (refused), not closed by robots.txt, as the crawl says
        (["site", "new", "http://127.0.0.1:1/news/"], "refused (the host did not answer"),
    ],
)
def test_bad_input_is_one_line(args: list[str], expected: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert expected in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_site_new_does_not_replace_a_profile(sample_site: str, tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    out.write_text("name: mine\nstart_urls: [/x/]\n", "utf-8")
    result = CliRunner().invoke(cli, ["site", "new", f"{sample_site}/wp/", "--out", str(out)])
    assert result.exit_code != 0 and "exists; give another --out or --force" in result.output
    assert yaml.safe_load(out.read_text("utf-8")) == {"name": "mine", "start_urls": ["/x/"]}


def test_url_shapes_merge_words_seen_three_times() -> None:
    urls = [f"http://h/wp/category/{c}/" for c in ("a", "b", "c")]
    urls += ["http://h/wp/some-slug.html", "http://h/wp/tag/a/", "http://h/wp/page/2/"]
    urls += ["http://h/p/2024/0320/77.html", "http://h/law/category/jrzw/list_2.html"]
    shapes = {url: url_shape(url, "/wp/") for url in urls}
    into = merged(list(shapes.values()))
    pattern = {url: pattern_of(into[shape]) for url, shape in shapes.items()}
    assert pattern["http://h/wp/category/a/"] == r"://[^/]+/wp/category/[^/]+/$"
    assert pattern["http://h/wp/tag/a/"] == r"://[^/]+/wp/tag/a/$"  # one tag: not a pattern yet
    assert pattern["http://h/wp/some-slug.html"] == r"://[^/]+/wp/[^/]+\.html$"
    assert pattern["http://h/wp/page/2/"] == r"://[^/]+/wp/page/\d+/$"
    assert pattern["http://h/p/2024/0320/77.html"] == r"://[^/]+/p/\d+/\d+/\d+\.html$"
    assert pattern["http://h/law/category/jrzw/list_2.html"].endswith(r"/jrzw/list_\d+\.html$")
