"""`debtcorpus browse`: Datasette on the sample-site corpus, its metadata and views, and the
search box driven in headless Chromium (DevTools protocol): 上门 finds exactly the articles
that contain it, and the Chinese renders in a CJK font."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from corpus.cli import cli
from corpus.store import open_store
from tests.test_search import ingest_sample_site, scan
from tests.test_search_arrays import build_arrays

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
QUERY = "上门"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode("utf-8"))


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


@pytest.fixture(scope="module")
def corpus(sample_site: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browse") / "corpus.db"
    ingest_sample_site(str(path), sample_site)
    store = open_store(str(path))
    build_arrays(store)  # every token: the search query's common words go through them
    store.dispose()
    return path


@pytest.fixture(scope="module")
def browse(corpus: Path) -> Iterator[str]:
    command = [sys.executable, "-m", "corpus", "browse", "--db", str(corpus), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        printed = process.stdout.readline().strip()  # --port 0: the URL says the port it got
        base, _, database = printed.rpartition("/")
        assert database == "corpus" and not base.endswith(":0"), printed
        wait_for(f"{base}/-/versions.json", process)
        yield printed
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_ctrl_c_stops_browse_normally(corpus: Path) -> None:
    command = [sys.executable, "-m", "corpus", "browse", "--db", str(corpus), "--port", "0"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )
    assert process.stdout is not None
    base = process.stdout.readline().strip().rpartition("/")[0]
    wait_for(f"{base}/-/versions.json", process)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    assert errors.strip() == "stopped", errors


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    open_store(str(db)).dispose()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(cli, ["browse", "--db", str(db), "--port", port])
    assert result.exit_code == 2, result.output
    assert f"127.0.0.1:{port}" in result.output and "choose another --port" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "http://" not in result.output


def as_json(url: str) -> Any:
    return json.loads(get(url))


def test_search_box_query_finds_exactly_the_articles(browse: str, corpus: Path) -> None:
    query = urllib.parse.quote(QUERY)
    rows = as_json(f"{browse}/articles.json?_search={query}&_shape=array&_size=max")
    assert {row["id"] for row in rows} == scan(str(corpus), QUERY) != set()
    ranked = as_json(f"{browse}/search.json?q={query}&_shape=array")
    assert {row["article_id"] for row in ranked} == scan(str(corpus), QUERY)
    assert all("<mark>" in row["snippet"] for row in ranked)
    comments = as_json(f"{browse}/comments.json?_search={query}&_shape=array&_size=max")
    assert {row["id"] for row in comments} == scan(str(corpus), QUERY, comments=True)


def test_search_query_ranks_as_debtcorpus_search(browse: str, corpus: Path) -> None:
    """The `search` canned query's rows are `debtcorpus search`'s hits, in its order, with
    its scores, ranked by the posting arrays (the plugin's search_ids)."""
    from corpus.search import search
    from corpus.search.matching import parse_query
    from corpus.search.sqlite import ranked_by_arrays

    store = open_store(str(corpus))
    for query in (QUERY, "催收 上门", "逾期 协商", "微粒贷"):
        rows = as_json(f"{browse}/search.json?q={urllib.parse.quote(query)}&_shape=array")
        with store.session() as session:
            hits = search(session, query, limit=200)
            parsed = parse_query(query)
            by_arrays = ranked_by_arrays(session, parsed.words, 200)
        assert [row["article_id"] for row in rows] == [hit.article_id for hit in hits] != []
        # the query rounds to 3 places, a Hit to 4: equal within both roundings
        scores = zip((row["score"] for row in rows), (hit.score for hit in hits), strict=True)
        assert all(abs(shown - score) <= 0.00056 for shown, score in scores)
        assert (by_arrays is not None) == (query != "微粒贷")  # 3 characters: verified
    store.dispose()
    assert as_json(f"{browse}/search.json?q=%2C%2C&_shape=array") == []


def test_metadata_describes_tables_and_offers_queries(browse: str) -> None:
    metadata = as_json(browse.rsplit("/", 1)[0] + "/-/metadata.json")
    tables = metadata["databases"]["corpus"]["tables"]
    assert tables["articles"]["columns"]["text"].startswith("Clean main text")
    assert "facets" in tables["claims_view"] and "lender" in tables["claims_view"]["facets"]
    queries = set(metadata["databases"]["corpus"]["queries"])
    wanted = {"search", "claims_by_lender_and_type", "copies_of_article", "runs_with_errors"}
    assert wanted | {"articles_of_cluster"} <= queries
    for name in wanted:
        assert get(f"{browse}/{name}")  # each canned query runs
    for table in ("comments", "claims", "claims_view"):  # each links to its article
        assert '<a href="/corpus/articles/' in get(f"{browse}/{table}"), table


def test_articles_facet_by_month_and_a_month_filters_them(browse: str, corpus: Path) -> None:
    engine = create_engine(f"sqlite:///{corpus}")
    with engine.connect() as connection:
        months = dict(
            connection.execute(
                text(
                    "SELECT substr(published_at, 1, 7), count(*) FROM articles "
                    "WHERE published_at IS NOT NULL GROUP BY 1"
                )
            ).all()
        )
    engine.dispose()
    assert len(months) > 1
    page = as_json(f"{browse}/articles.json?_facet_size=max")
    facet = page["facet_results"]["published_at"]
    assert facet["type"] == "month" and not facet["truncated"]
    shown = {value["value"]: value["count"] for value in facet["results"]}
    assert shown == months
    assert list(shown) == sorted(shown, reverse=True)  # newest month first
    month = max(months, key=lambda m: months[m])
    chosen = next(v for v in facet["results"] if v["value"] == month)
    url = chosen["toggle_url"].replace(".json?", ".json?_shape=array&_size=max&", 1)
    rows = as_json(url)
    assert len(rows) == months[month] and all(r["published_at"][:7] == month for r in rows)
    metadata = as_json(browse.rsplit("/", 1)[0] + "/-/metadata.json")
    assert {"month": "published_at"} in metadata["databases"]["corpus"]["tables"]["articles"][
        "facets"
    ]


def test_raw_pages_render_as_text_and_json_is_readable(browse: str, corpus: Path) -> None:
    previews = as_json(f"{browse}/page_previews.json?_shape=array&status=200&_size=5")
    assert previews and all(row["text_preview"] for row in previews)
    assert any("催收" in row["text_preview"] for row in previews)
    assert "催收" in get(f"{browse}/pages?status=200&_size=5")  # bodies shown as text
    engine = create_engine(f"sqlite:///{corpus}")
    with engine.connect() as connection:
        headers = connection.scalar(text("SELECT headers FROM pages LIMIT 1"))
        tags = connection.scalars(text("SELECT tags FROM articles")).all()
    engine.dispose()
    assert "\\u" not in headers + "".join(tags) and any("催" in t or "贷" in t for t in tags)


class DevTools:
    """A minimal Chrome DevTools protocol client over one page's WebSocket."""

    def __init__(self, websocket_url: str) -> None:
        import websocket

        self.socket = websocket.create_connection(websocket_url, timeout=30)
        self.ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == number:
                assert "error" not in message, message
                return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait(self, expression: str, seconds: float = 30) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if value := self.evaluate(expression):
                return value
            time.sleep(0.2)
        raise AssertionError(f"never true in the page: {expression}")


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[DevTools]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("browser test: install Debian's chromium (apt-get install chromium)")
    if "CJK" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout:
        pytest.skip("browser test: install Debian's fonts-noto-cjk for Chinese glyphs")
    pytest.importorskip("websocket", reason="browser test: pip install websocket-client")
    port = free_port()
    profile = tmp_path / "profile"
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    command += [f"--remote-debugging-port={port}", "--window-size=1280,1000", "about:blank"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/json/version", process)  # type: ignore[arg-type]
        pages = as_json(f"http://127.0.0.1:{port}/json/list")
        page = next(p for p in pages if p["type"] == "page")
        yield DevTools(page["webSocketDebuggerUrl"])
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.browser
def test_search_box_in_chromium(
    browse: str, corpus: Path, chromium: DevTools, tmp_path: Path
) -> None:
    chromium.call("Page.enable")
    chromium.call("Page.navigate", url=f"{browse}/articles")
    chromium.wait("document.readyState === 'complete' && !!document.querySelector('#_search')")
    chromium.evaluate("document.querySelector('#_search').focus()")
    chromium.call("Input.insertText", text=QUERY)
    chromium.evaluate("document.querySelector('#_search').form.querySelector('[type=submit]')"
                      ".click()")  # fmt: skip
    chromium.wait("location.search.includes('_search') && document.readyState === 'complete'")
    titles = chromium.evaluate(
        "[...document.querySelectorAll('table.rows-and-columns tbody td.col-title')]"
        ".map(td => td.innerText)"
    )
    expected = scan(str(corpus), QUERY)
    assert len(titles) == len(expected) and all(titles)
    assert chromium.evaluate("document.querySelector('#_search').value") == QUERY
    fonts = platform_fonts(chromium, "table.rows-and-columns tbody td.col-title")
    assert any("CJK" in font["familyName"] for font in fonts), fonts
    chromium.evaluate("document.querySelector('.search-row, form.filters').scrollIntoView()")
    shot = chromium.call("Page.captureScreenshot", format="png")
    screenshot = tmp_path / "browse-search.png"
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    assert screenshot.stat().st_size > 20_000


def platform_fonts(chromium: DevTools, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium drew the element's text with (DevTools CSS domain)."""
    chromium.call("DOM.enable")
    chromium.call("CSS.enable")
    root = chromium.call("DOM.getDocument")["root"]["nodeId"]
    node = chromium.call("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
    return list(chromium.call("CSS.getPlatformFontsForNode", nodeId=node)["fonts"])
