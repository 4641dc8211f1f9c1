"""A small threaded HTTP server on 127.0.0.1 for the fakes: one thread per request, so a stalled
request (the slow LLM, an injected API latency) never holds up the others."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
MAX_BODY_BYTES = 1 << 20


class Request:
    """What a fake's handler needs of one request."""

    def __init__(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


# (status, content type, body)
Response = tuple[int, str, bytes]
Handler = Callable[[Request], Response]


def json_response(payload: object, status: int = 200) -> Response:
    # ensure_ascii=False: WeChat and OpenAI-compatible servers answer in UTF-8, Chinese unescaped.
    return status, "application/json; charset=utf-8", json.dumps(payload, ensure_ascii=False).encode("utf-8")


class LoopbackServer:
    """Serves `handler` on a free port of 127.0.0.1 in a background thread until `stop()`."""

    def __init__(self, handler: Handler, port: int = 0) -> None:
        self._handler = handler
        self._server = ThreadingHTTPServer((HOST, port), _request_handler(handler))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="loopback", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class LoopbackFake:
    """A fake endpoint answered by `handle` on its own `LoopbackServer`; started and stopped with `with`."""

    def __init__(self) -> None:
        self._server = LoopbackServer(self.handle)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _request_handler(handler: Handler) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the clients under test use it

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY_BYTES)
            body = self.rfile.read(length) if length else b""
            try:
                status, content_type, payload = handler(Request(self.command, parts.path, query, body))
            except Exception as error:  # a fake's bug must show as a 500, not a hung client
                status, content_type, payload = 500, "text/plain", repr(error).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the benchmark prints a table
            return

    return _Handler
