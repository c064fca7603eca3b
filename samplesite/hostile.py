"""A hostile site: what a month-long crawl meets on the open web, served on 127.0.0.1.

`python -m samplesite hostile --port 0` prints its base URL (http://127.0.0.1:PORT) and serves
until stopped. The same server answers as `localhost:PORT`, which stands for *another host*:
links and redirects to it must never be followed by a crawl of 127.0.0.1. Every request is
logged with its Host header; `GET /_log` returns the log as JSON (and is not linked).

Paths (all linked from `/`, except where said):
  /story (+ tracking-parameter and trailing-slash variants), /news/b.html and /m/b.html
                    one story each; b declares its canonical URL, /m/b.html is its mobile copy
  /offsite-link     links to http://localhost:PORT/elsewhere (another host)
  /redirect-offsite 302 to http://localhost:PORT/story
  /loop-a, /loop-b  a redirect loop; /self redirects to itself; /meta-self refreshes to itself
  /to-private       302 to a page robots.txt disallows
  /chain/0          30 redirects in a row before a page
  /busy             429 with Retry-After: 2, then the article; /busy-date the same with an
                    HTTP-date Retry-After; /unavailable 503 twice (no Retry-After), then 200;
                    /busy-forever 429 with a Retry-After of eleven days
  /reset            a Content-Length it never sends: the connection closes mid-body
  /stall            headers, then silence for STALL_SECONDS
  /huge, /huge-stream  HUGE_BYTES with and without Content-Length
  /bomb             a gzip body that inflates to BOMB_BYTES
  /calendar?month=  a calendar whose months never end; /trap/a/ links a/ relative forever
  /gbk-wrong-header, /gbk-undeclared, /utf8-meta-gbk  charsets declared wrongly or not at all
  /report.pdf, /photo  a PDF and a PNG served as text/html; /banner.jpg a linked image
  /cut-gzip         a gzip body cut in half, with a Content-Length that matches the cut
  /broken           unclosed and stray tags, NUL and 0xFF bytes
  /private/secret   disallowed by robots.txt
  /changing         new content on every fetch; /validators  ETag and Last-Modified
"""

from __future__ import annotations

import gzip
import html
import json
import struct
import threading
import time
import zlib
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from samplesite.content import Article, load_articles

STALL_SECONDS = 8.0
HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 64 * 1024 * 1024
CHAIN_HOPS = 30
RETRY_AFTER_SECONDS = 2
CALENDAR_START = 2020 * 12
ROBOTS = "User-agent: *\nDisallow: /private/\n"
STORY_VARIANTS = (
    "/story?utm_source=wechat&utm_medium=social",
    "/story/?spm=a2c4g.11186623",
    "/story?from=timeline#comments",
    "/story/",
    "/story?share_token=8f2a",
    "/story;jsessionid=0A1B2C3D?utm_source=x",
)
B_VARIANTS = ("/news/b.html?share=1&utm_campaign=x", "/m/b.html", "/m/b.html?from=singlemessage")


def _png() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PNG_BYTES = _png()


def gzip_bomb(size: int) -> bytes:
    """A gzip stream of `size` zero bytes (about 1000:1), built without holding them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def article_html(article: Article, canonical: str | None = None, extra: str = "") -> str:
    paragraphs = "".join(f"<p>{html.escape(b.text)}</p>" for b in article.blocks if not b.heading)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(article.title)}"
        f"</title>{link}</head><body><nav><a href='/'>首页</a></nav><article>"
        f"<h1>{html.escape(article.title)}</h1><p class='meta'>{article.published_text}</p>"
        f"{paragraphs}{extra}</article><footer>关于我们 | 联系我们</footer></body></html>"
    )


def index_html() -> str:
    paths = [
        "/story",
        *STORY_VARIANTS,
        "/news/b.html",
        *B_VARIANTS,
        "/offsite-link",
        "/redirect-offsite",
        "/loop-a",
        "/self",
        "/meta-self",
        "/to-private",
        "/busy-forever",
        "/chain/0",
        "/busy",
        "/busy-date",
        "/unavailable",
        "/reset",
        "/stall",
        "/huge",
        "/huge-stream",
        "/bomb",
        "/calendar?month=0",
        "/trap/a/",
        "/gbk-wrong-header",
        "/gbk-undeclared",
        "/utf8-meta-gbk",
        "/report.pdf",
        "/photo",
        "/banner.jpg",
        "/cut-gzip",
        "/broken",
        "/private/secret",
        "/changing",
        "/validators",
    ]
    links = "".join(f'<li><a href="{html.escape(p)}">{html.escape(p)}</a></li>' for p in paths)
    return (
        f"<!doctype html><html><head><title>索引</title></head><body><ul>{links}</ul></body></html>"
    )


class HostileState:
    def __init__(self) -> None:
        articles = load_articles()
        self.articles = {name: articles[i] for i, name in enumerate(("story", "b", "busy", "x"))}
        self.extra = articles[4:12]
        self.log: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.bomb = gzip_bomb(BOMB_BYTES)

    def record(self, path: str, host: str | None) -> int:
        """Log a request; returns how many times this path was asked before."""
        with self.lock:
            self.log.append({"path": path, "host": host, "at": time.time()})
            seen = self.counts.get(path, 0)
            self.counts[path] = seen + 1
            return seen


class HostileHandler(BaseHTTPRequestHandler):
    server: HostileServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        state = self.server.state
        path = urlsplit(self.path).path
        if path == "/_log":
            self._send(200, json.dumps(state.log).encode(), "application/json")
            return
        seen = state.record(self.path, self.headers.get("Host"))
        host = (self.headers.get("Host") or "").split(":")[0]
        if host != "127.0.0.1":
            self._send(200, b"<html><body><p>another host</p></body></html>")
            return
        self._route(path, seen)

    def _route(self, path: str, seen: int) -> None:
        for prefix, handler in _ROUTES:
            if path == prefix or (
                len(prefix) > 1 and prefix.endswith("/") and path.startswith(prefix)
            ):
                handler(self, path, seen)
                return
        self._send(404, b"<html><body>not found</body></html>")

    # --- plumbing
    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"", headers=(("Location", location),))

    def _article(self, name: str, canonical: str | None = None) -> None:
        self._send(200, article_html(self.server.state.articles[name], canonical).encode())

    # --- pages
    def index(self, path: str, seen: int) -> None:
        self._send(200, index_html().encode())

    def robots(self, path: str, seen: int) -> None:
        self._send(200, ROBOTS.encode(), "text/plain")

    def story(self, path: str, seen: int) -> None:
        self._article("story")

    def story_b(self, path: str, seen: int) -> None:
        self._article("b", canonical=f"http://{self.headers.get('Host')}/news/b.html")

    def offsite_link(self, path: str, seen: int) -> None:
        port = self.server.server_address[1]
        body = f'<html><body><a href="http://localhost:{port}/elsewhere">别处</a></body></html>'
        self._send(200, body.encode())

    def redirect_offsite(self, path: str, seen: int) -> None:
        self._redirect(f"http://localhost:{self.server.server_address[1]}/story")

    def loop(self, path: str, seen: int) -> None:
        self._redirect("/loop-b" if path == "/loop-a" else "/loop-a")

    def self_redirect(self, path: str, seen: int) -> None:
        self._redirect("/self", 301)

    def meta_self(self, path: str, seen: int) -> None:
        body = b'<html><head><meta http-equiv="refresh" content="0; url=/meta-self"></head></html>'
        self._send(200, body)

    def to_private(self, path: str, seen: int) -> None:
        self._redirect("/private/moved")

    def busy_forever(self, path: str, seen: int) -> None:
        self._send(429, b"come back next week", headers=(("Retry-After", "999999"),))

    def chain(self, path: str, seen: int) -> None:
        hop = int(path.rsplit("/", 1)[1] or 0)
        if hop >= CHAIN_HOPS:
            self._article("x")
        else:
            self._redirect(f"/chain/{hop + 1}")

    def busy(self, path: str, seen: int) -> None:
        if seen == 0:
            retry_after = str(RETRY_AFTER_SECONDS)
            if path == "/busy-date":
                retry_after = formatdate(time.time() + RETRY_AFTER_SECONDS + 1, usegmt=True)
            status = 429 if path == "/busy" else 503
            self._send(status, b"slow down", headers=(("Retry-After", retry_after),))
        else:
            self._article("busy")

    def unavailable(self, path: str, seen: int) -> None:
        if seen < 2:
            self._send(503, b"<html><body>503</body></html>")
        else:
            self._send(200, article_html(self.server.state.extra[0]).encode())

    def reset(self, path: str, seen: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(article_html(self.server.state.extra[1]).encode()[:2000])
        self.wfile.flush()
        self.close_connection = True
        self.connection.close()

    def stall(self, path: str, seen: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "5000")
        self.end_headers()
        self.wfile.flush()
        time.sleep(STALL_SECONDS)
        self.close_connection = True

    def huge(self, path: str, seen: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if path == "/huge":
            self.send_header("Content-Length", str(HUGE_BYTES))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        chunk = ("<p>" + "催收" * 2000 + "</p>").encode()
        sent = 0
        try:
            while sent < HUGE_BYTES:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            return  # the client gave up at its size cap

    def bomb(self, path: str, seen: int) -> None:
        body = self.server.state.bomb
        self._send(200, body, headers=(("Content-Encoding", "gzip"),))

    def calendar(self, path: str, seen: int) -> None:
        query = parse_qs(urlsplit(self.path).query)
        month = int((query.get("month") or ["0"])[0] or 0)
        links = "".join(f'<a href="/calendar?month={m}">{m}</a> ' for m in (month - 1, month + 1))
        body = f"<html><head><title>日历 {month}</title></head><body>{links}</body></html>"
        self._send(200, body.encode())

    def trap(self, path: str, seen: int) -> None:
        self._send(200, b'<html><body><a href="a/">a</a> <a href="b/">b</a></body></html>')

    def charsets(self, path: str, seen: int) -> None:
        article = self.server.state.extra[2 + ("/gbk-wrong-header", "/gbk-undeclared").index(path)]
        body = article_html(article).replace("<meta charset='utf-8'>", "").encode("gb18030")
        declared = "text/html; charset=utf-8" if path == "/gbk-wrong-header" else "text/html"
        self._send(200, body, declared)

    def utf8_meta_gbk(self, path: str, seen: int) -> None:
        page = article_html(self.server.state.extra[4])
        page = page.replace("<meta charset='utf-8'>", "<meta charset='gb2312'>")
        self._send(200, page.encode("utf-8"), "text/html")

    def cut_gzip(self, path: str, seen: int) -> None:
        whole = gzip.compress(article_html(self.server.state.extra[6]).encode())
        self._send(200, whole[: len(whole) // 2], headers=(("Content-Encoding", "gzip"),))

    def binary(self, path: str, seen: int) -> None:
        self._send(200, PDF_BYTES if path == "/report.pdf" else PNG_BYTES, "text/html")

    def broken(self, path: str, seen: int) -> None:
        article = self.server.state.extra[5]
        paragraphs = "".join(f"<p>{html.escape(b.text)}\x00<td>" for b in article.blocks)
        page = (
            f"<html><head><title>{html.escape(article.title)}</b></title><body><div><table>"
            f"<tr><td><h1>{html.escape(article.title)}</div>{paragraphs}</span></li>"
        )
        self._send(200, page.encode("utf-8") + b"\xff\xfe</body>")

    def private(self, path: str, seen: int) -> None:
        self._article("x")

    def changing(self, path: str, seen: int) -> None:
        article = self.server.state.extra[6]
        extra = f"<p>本页第{seen + 1}次打开,时间{time.time():.6f}</p>"
        self._send(200, article_html(article, extra=extra).encode())

    def validators(self, path: str, seen: int) -> None:
        body = article_html(self.server.state.extra[7]).encode()
        if self.headers.get("If-None-Match") == '"v1"':
            self._send(304, b"", headers=(("ETag", '"v1"'),))
            return
        modified = formatdate(1_700_000_000, usegmt=True)
        self._send(200, body, headers=(("ETag", '"v1"'), ("Last-Modified", modified)))


_ROUTES: tuple[tuple[str, Any], ...] = (
    ("/", HostileHandler.index),
    ("/robots.txt", HostileHandler.robots),
    ("/story", HostileHandler.story),
    ("/story/", HostileHandler.story),
    ("/news/b.html", HostileHandler.story_b),
    ("/m/b.html", HostileHandler.story_b),
    ("/offsite-link", HostileHandler.offsite_link),
    ("/redirect-offsite", HostileHandler.redirect_offsite),
    ("/loop-a", HostileHandler.loop),
    ("/loop-b", HostileHandler.loop),
    ("/self", HostileHandler.self_redirect),
    ("/meta-self", HostileHandler.meta_self),
    ("/to-private", HostileHandler.to_private),
    ("/busy-forever", HostileHandler.busy_forever),
    ("/chain/", HostileHandler.chain),
    ("/busy", HostileHandler.busy),
    ("/busy-date", HostileHandler.busy),
    ("/unavailable", HostileHandler.unavailable),
    ("/reset", HostileHandler.reset),
    ("/stall", HostileHandler.stall),
    ("/huge", HostileHandler.huge),
    ("/huge-stream", HostileHandler.huge),
    ("/bomb", HostileHandler.bomb),
    ("/calendar", HostileHandler.calendar),
    ("/trap/", HostileHandler.trap),
    ("/gbk-wrong-header", HostileHandler.charsets),
    ("/gbk-undeclared", HostileHandler.charsets),
    ("/utf8-meta-gbk", HostileHandler.utf8_meta_gbk),
    ("/report.pdf", HostileHandler.binary),
    ("/banner.jpg", HostileHandler.binary),
    ("/cut-gzip", HostileHandler.cut_gzip),
    ("/photo", HostileHandler.binary),
    ("/broken", HostileHandler.broken),
    ("/private/", HostileHandler.private),
    ("/changing", HostileHandler.changing),
    ("/validators", HostileHandler.validators),
)


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), HostileHandler)
        self.state = HostileState()


def serve_hostile(port: int = 0) -> None:
    server = HostileServer(port)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
