"""Site profiles found by name (a user's sites folder, the current folder, the bundled ones)
and by path; a run and its articles take the profile's name, whatever --site said."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from corpus.cli import cli
from corpus.crawl_contract import CrawlRequest
from corpus.errors import ConfigError
from corpus.models import Article, CrawlRun
from corpus.profiles import SITES_ENV, load_profile, profile_dir, profile_path, stored_site
from corpus.store import Store

# Two law-blog articles: the list page and what it links to, depth 1, two pages at most.
MY_PROFILE = """name: {name}
start_urls: [/law/]
follow: ['/law/']
article_patterns: ['/law/.+\\.html$']
depth: 1
max_pages: 3
"""


def write(folder: Path, file_name: str, name: str) -> Path:
    path = folder / file_name
    path.write_text(MY_PROFILE.format(name=name), "utf-8")
    return path


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A working folder (the current directory) and a user's sites folder, both empty."""
    work, sites = tmp_path / "work", tmp_path / "sites"
    work.mkdir()
    sites.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv(SITES_ENV, raising=False)
    return work, sites


def test_a_name_finds_yaml_or_yml_in_the_current_folder(folders: tuple[Path, Path]) -> None:
    work, _ = folders
    write(work, "my.yml", "my-news")
    assert profile_path("my") == work / "my.yml"
    assert load_profile("my").name == "my-news"
    write(work, "other.yaml", "other")
    assert profile_path("other") == work / "other.yaml"


def test_the_sites_folder_wins_over_the_current_one_and_the_bundled_one(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    work, sites = folders
    write(work, "my.yaml", "from-work")
    write(sites, "my.yaml", "from-sites")
    write(sites, "sample-law.yml", "my-law")
    assert load_profile("sample-law").name == "sample-law"  # bundled until the folder is used
    monkeypatch.setenv(SITES_ENV, str(sites))
    assert load_profile("my").name == "from-sites"
    assert load_profile("sample-law").name == "my-law"
    assert load_profile("sample-news").name == "sample-news"


def test_a_path_is_read_as_given(folders: tuple[Path, Path]) -> None:
    _, sites = folders
    path = write(sites, "x.yml", "by-path")
    assert load_profile(str(path)).name == "by-path"
    assert load_profile("../sites/x.yml").name == "by-path"
    with pytest.raises(ConfigError, match=re.escape("no site profile '../sites/none.yml'")):
        load_profile("../sites/none.yml")


def test_an_unknown_name_lists_every_profile_found(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, sites = folders
    write(sites, "mine.yaml", "mine")
    monkeypatch.setenv(SITES_ENV, str(sites))
    with pytest.raises(ConfigError, match=r"no site profile 'nope'; known profiles: mine, sample"):
        profile_path("nope")


def test_requests_and_schedules_keep_a_profile_findable_from_anywhere(
    folders: tuple[Path, Path],
) -> None:
    work, _ = folders
    write(work, "my.yml", "my-news")
    assert stored_site("sample-law") == "sample-law"
    assert stored_site("my") == str(work / "my.yml")
    assert stored_site(str(profile_dir() / "sample-wp.yaml")) == "sample-wp"
    request = CrawlRequest(sites=(stored_site("./my.yml"), "sample-law"))
    assert request.label() == "my-news,sample-law"


def test_sites_dir_option_and_a_missing_folder(folders: tuple[Path, Path], db_path: Path) -> None:
    _, sites = folders
    result = CliRunner().invoke(
        cli, ["crawl", "--site", "my", "--sites-dir", str(sites / "none"), "--db", str(db_path)]
    )
    assert result.exit_code != 0 and "--sites-dir: no such folder" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not db_path.exists()
    unknown = CliRunner().invoke(
        cli, ["crawl", "--site", "my", "--sites-dir", str(sites), "--db", str(db_path)]
    )
    assert unknown.exit_code == 2 and "no site profile 'my'" in unknown.output


@pytest.mark.slow
def test_a_crawl_of_a_users_profile_records_the_profiles_name(
    folders: tuple[Path, Path], sample_site: str, db_path: Path
) -> None:
    _, sites = folders
    write(sites, "my.yml", "my-news")
    args = ["crawl", "--site", "my", "--sites-dir", str(sites), "--base-url", sample_site]
    result = CliRunner().invoke(cli, [*args, "--db", str(db_path), "-s", "DOWNLOAD_DELAY=0"])
    assert result.exit_code == 0, result.output
    store = Store(str(db_path))
    with store.session() as session:
        run = session.scalars(select(CrawlRun)).one()
        article_sites = set(session.scalars(select(Article.site)))
    assert run.site == "my-news" and article_sites == {"my-news"}
    assert run.settings["sites"] == [str(sites / "my.yml")]  # `crawl --resume` finds it again
    store.dispose()


def test_a_profile_that_is_not_yaml_is_one_line_with_its_place(tmp_path: Path) -> None:
    broken = tmp_path / "bad.yaml"
    broken.write_text("name: bad\nstart_urls: [http://127.0.0.1:1/\n", "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_profile(str(broken))
    message = str(raised.value)
    assert "\n" not in message and f"profile {broken} is not valid YAML" in message
    assert re.search(r"at line \d+, column \d+$", message), message
