"""A real HTTP server on 127.0.0.1 for the update tests (the `site` fixture of conftest.py).

The server answers each path from a table the test fills: a body (bytes), or a behaviour that
misbehaves the way a broken or hostile server does (an error status, a stall, a truncated or
oversized body, a redirect). It runs in a thread and stops with the test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Behaviour = Callable[[BaseHTTPRequestHandler, threading.Event], None]


@dataclass
class Site:
    """The server's table: path -> body or behaviour; `base` is the site's URL."""

    base: str
    routes: dict[str, bytes | Behaviour] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    delay: float = 0.0  # seconds before every answer (to make two updates overlap)

    def serve(self, files: dict[str, str], prefix: str = "/site/") -> str:
        """Serve `files` (layout path -> text) under `prefix`; returns their base URL."""
        self.routes.update({prefix + path: text.encode("utf-8") for path, text in files.items()})
        return self.base + prefix.rstrip("/")


def status(code: int, body: bytes = b"") -> Behaviour:
    def answer(handler: BaseHTTPRequestHandler, release: threading.Event) -> None:
        handler.send_response(code)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def stall(handler: BaseHTTPRequestHandler, release: threading.Event) -> None:
    """Send nothing until the test ends."""
    release.wait(30)


def truncated(body: bytes, announced: int) -> Behaviour:
    def answer(handler: BaseHTTPRequestHandler, release: threading.Event) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(announced))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True

    return answer


def unannounced(body: bytes) -> Behaviour:
    """A body with no Content-Length: its end is the end of the connection."""
    def answer(handler: BaseHTTPRequestHandler, release: threading.Event) -> None:
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True

    return answer


def redirect(location: str) -> Behaviour:
    def answer(handler: BaseHTTPRequestHandler, release: threading.Event) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


@contextmanager
def serving() -> Iterator[Site]:
    """A server on 127.0.0.1, serving nothing until the test fills its table."""
    holder: list[Site] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            table = holder[0]
            if table.delay:
                table.release.wait(table.delay)
            route = table.routes.get(self.path.split("?")[0])
            if route is None:
                status(404, b"not found")(self, table.release)
            elif isinstance(route, bytes):
                status(200, route)(self, table.release)
            else:
                route(self, table.release)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder.append(Site(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        holder[0].release.set()
        server.shutdown()
        server.server_close()
