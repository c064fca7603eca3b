"""The sample site's HTTP server: static pages, faults, caching headers, a control endpoint.

`serve()` prints the base URL as the first line on stdout and serves until SIGTERM/SIGINT;
`start_in_thread()` runs the same server in a daemon thread for in-process use.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from samplesite.content import Article, Block, load_articles
from samplesite.faults import Faults
from samplesite.generate import GeneratedSite
from samplesite.pages import Page, build_pages, make_page, not_found_page, render_article
from samplesite.templates.common import SiteView
from samplesite.variants import VARIANTS


class EditError(ValueError):
    """A control request that cannot be applied (unknown path, text not found)."""


class LoadMeter:
    """How many requests the server is answering at once, and the most it has seen: lets a
    test check what a crawl's politeness limits promise."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = 0

    def __enter__(self) -> LoadMeter:
        with self._lock:
            self.in_flight += 1
            self.requests += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.in_flight -= 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "requests": self.requests,
            }

    def reset(self) -> None:
        with self._lock:
            self.max_in_flight = self.in_flight
            self.requests = 0


class SiteState:
    """Everything the handler serves, plus the per-process state (edits, the flaky page)."""

    def __init__(self, base_url: str, generate: int) -> None:
        self.base_url, self.generate, self.template = base_url, generate, "default"
        self.pages, self.views = build_pages(base_url, generate)
        self.articles = {article.path: article for article in load_articles()}
        self._edits: dict[str, tuple[Article, Page]] = {}
        self._lock = threading.Lock()
        redirect_target = self.views["wp"].articles[0].path
        self.faults = Faults(self.static_page, redirect_target)
        self.generated = GeneratedSite(generate, self.views) if generate else None
        self.load = LoadMeter()

    def static_page(self, path: str) -> Page | None:
        with self._lock:
            edited = self._edits.get(path)
        return edited[1] if edited else self.pages.get(path)

    def page(self, raw_path: str) -> Page:
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        found = self.faults.page(path)
        if found is None and self.generated is not None and path.startswith("/gen/"):
            found = self.generated.page(path)
        if found is None and parts.query:
            found = self.static_page(f"{path}?{unquote(parts.query)}")
        if found is None:
            found = self.static_page(path)
        return found or not_found_page()

    def edit(self, path: str, request_body: str) -> Page:
        """Append a paragraph, or apply {"replace": [old, new]}; the page gets a new ETag."""
        with self._lock:
            current = self._edits[path][0] if path in self._edits else self.articles.get(path)
            if current is None:
                raise EditError(f"no article at {path!r}")
            blocks = _edited_blocks(current.blocks, request_body)
            article = dataclasses.replace(current, blocks=blocks)
            page = render_article(self._view_for(article), article, last_modified=time.time())
            self._edits[path] = (article, page)
            return page

    def reset(self) -> None:
        """Undo edits, re-arm the flaky page, serve the default template and clear the load
        figures, as if the server had just started."""
        if self.template != "default":
            self.switch_template("default")
        with self._lock:
            self._edits.clear()
        self.faults.rearm()
        self.load.reset()

    def switch_template(self, name: str) -> None:
        """Serve every page in the template variant `name` (samplesite.variants) from now on;
        edited articles keep their edits."""
        if name not in VARIANTS:
            raise EditError(f"no template {name!r}; known: {', '.join(sorted(VARIANTS))}")
        pages, views = build_pages(self.base_url, self.generate, name)
        with self._lock:
            self.pages, self.views, self.template = pages, views, name
            for path, (article, _) in list(self._edits.items()):
                page = render_article(views[article.site], article, last_modified=time.time())
                self._edits[path] = (article, page)
        if self.generated is not None:
            self.generated = GeneratedSite(self.generate, views)

    def _view_for(self, article: Article) -> SiteView:
        return self.views[article.site]


def _edited_blocks(blocks: tuple[Block, ...], request_body: str) -> tuple[Block, ...]:
    try:
        command: Any = json.loads(request_body)
    except ValueError:
        command = None
    if isinstance(command, dict) and "replace" in command:
        old, new = command["replace"]
        if not any(old in block.text for block in blocks):
            raise EditError(f"text {old!r} is not in the article")
        return tuple(dataclasses.replace(b, text=b.text.replace(old, new)) for b in blocks)
    text = request_body.strip()
    if not text:
        raise EditError('empty edit: send text to append or {"replace": [old, new]}')
    return (*blocks, Block(text))


def _not_modified(page: Page, headers: Any) -> bool:
    """True if the request's validators match the page (If-None-Match wins over the date)."""
    if page.status != 200:
        return False
    if_none_match = headers.get("If-None-Match")
    if if_none_match and page.etag:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return page.etag in tags or "*" in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since and page.last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(page.last_modified) <= since
    return False


class SampleHandler(BaseHTTPRequestHandler):
    server: SampleServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.18.0"
    sys_version = ""

    def do_GET(self) -> None:
        self._respond(include_body=True)

    def do_HEAD(self) -> None:
        self._respond(include_body=False)

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        try:
            if parts.path == "/_control/edit":
                target = parse_qs(parts.query).get("path", [""])[0]
                page = state.edit(target, body)
                reply = {"path": target, "etag": page.etag, "last_modified": page.last_modified}
            elif parts.path == "/_control/reset":
                state.reset()
                reply = {"reset": True}
            elif parts.path == "/_control/template":
                reply = self._template(parts.query)
            elif parts.path == "/_control/latency":
                reply = self._latency(parts.query)
            else:
                self._send(
                    make_page(405, "text/plain; charset=utf-8", b"method not allowed\n"), True
                )
                return
        except (EditError, ValueError) as error:
            self._send(make_page(400, "text/plain; charset=utf-8", f"{error}\n".encode()), True)
            return
        self._send(make_page(200, "application/json", json.dumps(reply).encode()), True)

    def _latency(self, query: str) -> dict[str, Any]:
        """`POST /_control/latency?ms=MS` changes the delay before each answer (`--latency-ms`)."""
        milliseconds = int(parse_qs(query).get("ms", [""])[0])
        if milliseconds < 0:
            raise ValueError(f"latency must be 0 or more, not {milliseconds} ms")
        self.server.latency_seconds = milliseconds / 1000
        return {"latency_ms": milliseconds}

    def _template(self, query: str) -> dict[str, Any]:
        """`/_control/template?name=NAME` switches the template; without a name, says which."""
        name = parse_qs(query).get("name", [""])[0]
        if name:
            self.server.state.switch_template(name)
        return {"template": self.server.state.template}

    def _respond(self, include_body: bool) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/_control/template":
            try:
                reply = json.dumps(self._template(parts.query)).encode()
            except EditError as error:
                self._send(make_page(400, "text/plain; charset=utf-8", f"{error}\n".encode()), True)
                return
            self._send(make_page(200, "application/json", reply), include_body)
            return
        if self.path == "/_control/load":
            load = json.dumps(self.server.state.load.snapshot()).encode()
            self._send(make_page(200, "application/json", load), include_body)
            return
        # the request counts as in flight until its answer is ready, not until it is written:
        # a client may read the last byte, and send its next request, before this thread is
        # scheduled again to count the first one done (seen once as 3 in flight with a limit
        # of 2 under CPU load), while requests that really overlap overlap in the latency
        with self.server.state.load:
            page = self._page()
        self._send(page, include_body)

    def _page(self) -> Page:
        if self.server.latency_seconds:
            time.sleep(self.server.latency_seconds)
        page = self.server.state.page(self.path)
        if _not_modified(page, self.headers):
            page = Page(304, page.content_type, b"", page.last_modified, page.etag)
        return page

    def _send(self, page: Page, include_body: bool) -> None:
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        if page.status != 304:
            self.send_header("Content-Length", str(len(page.body)))
        if page.etag and page.status in (200, 304):
            self.send_header("ETag", page.etag)
        if page.last_modified is not None and page.status in (200, 304):
            self.send_header("Last-Modified", formatdate(page.last_modified, usegmt=True))
        for name, value in page.extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if include_body and page.status != 304:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence access logs: stdout carries only the base URL."""


class SampleServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: SiteState
    # a fixed delay before each GET/HEAD answer, to behave like a remote site in benchmarks
    latency_seconds: float = 0.0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up mid-response are normal for crawlers; report the rest on stderr."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def make_server(
    host: str = "127.0.0.1", port: int = 0, generate: int = 0, latency_ms: int = 0
) -> tuple[SampleServer, str]:
    """A bound server with its pages rendered, and its base URL (with trailing slash)."""
    server = SampleServer((host, port), SampleHandler)
    base = f"http://{host}:{server.server_address[1]}"
    server.state = SiteState(base, generate)
    server.latency_seconds = latency_ms / 1000
    return server, base + "/"


def start_in_thread(
    host: str = "127.0.0.1", port: int = 0, generate: int = 0, latency_ms: int = 0
) -> tuple[SampleServer, str]:
    """Serve in a daemon thread; call `server.shutdown()` and `server.server_close()` when done."""
    server, base_url = make_server(host, port, generate, latency_ms)
    threading.Thread(target=server.serve_forever, name="samplesite", daemon=True).start()
    return server, base_url


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(host: str, port: int, generate: int, latency_ms: int = 0) -> None:
    """Print the base URL as the first stdout line, then serve until SIGTERM or SIGINT."""
    server, base_url = make_server(host, port, generate, latency_ms)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(base_url, flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
