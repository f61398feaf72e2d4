"""A local HTTP server that answers with recorded, real-format payloads (no internet)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# A handler gets (path, query, headers) and returns (status, headers, body).
Handler = Callable[[str, dict[str, list[str]], dict[str, str]], tuple[int, dict[str, str], bytes]]


@dataclass
class FakeServer:
    url: str
    routes: dict[str, Handler]
    requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)


@contextmanager
def fake_server(routes: dict[str, Handler]) -> Iterator[FakeServer]:
    state: FakeServer

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.requests.append((parts.path, query, headers))
            handler = state.routes.get(parts.path)
            if handler is None:
                status, extra, body = 404, {}, b"not found"
            else:
                status, extra, body = handler(parts.path, query, headers)
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    state = FakeServer(url=f"http://127.0.0.1:{server.server_address[1]}", routes=routes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
