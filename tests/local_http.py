"""A real HTTP server on 127.0.0.1, in a thread, whose routes misbehave on request.

Each route serves bytes with a status, and can stall before answering, promise more bytes than
it sends (a dropped connection), omit Content-Length, or fail a number of times first. Every
request is recorded in ``hits`` so tests can assert that nothing was fetched.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    body: bytes = b""
    file: Path | None = None  # served instead of body, read on each request
    status: int = 200
    content_type: str = "application/octet-stream"
    stall: float = 0.0  # seconds to wait before answering
    send_only: int | None = None  # announce len(body) but send only this many bytes, then close
    chunked: bool = False  # no Content-Length: the size is only known at the end
    fail_first: int = 0  # answer 503 this many times before serving the body
    headers: dict[str, str] = field(default_factory=dict)


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.hits.append(self.path)
                    route = server.routes.get(self.path)
                    if route is not None and route.fail_first > 0:
                        route.fail_first -= 1
                        route = Route(b"busy", status=503)
                if route is None:
                    route = Route(b"not found", status=404, content_type="text/plain")
                if route.stall:
                    time.sleep(route.stall)
                if route.file is not None:
                    route = Route(route.file.read_bytes(), status=route.status, content_type=route.content_type,
                                  send_only=route.send_only, chunked=route.chunked, headers=route.headers)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                if route.chunked:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(route.body)
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(route.body)))
                if route.send_only is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                body = route.body if route.send_only is None else route.body[: route.send_only]
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    self.wfile.write(body)
                if route.send_only is not None:
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.port = self.httpd.server_address[1]
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def add_file(self, path: str, file: Path) -> str:
        return self.add(path, Route(file=file))

    def add_tree(self, prefix: str, folder: Path) -> None:
        """Serve every file under ``folder`` at ``prefix/<relative path>``."""
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                self.add_file(f"{prefix}/{file.relative_to(folder).as_posix()}", file)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
