"""A local VIES: an HTTP server speaking the REST API's ``POST /check-vat-number`` as the
European Commission's does, so that tests run the real client against it. Numbers it knows are
valid; ``unavailable`` countries answer MS_UNAVAILABLE, as a member state's service that is down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeVies:
    registered: dict[str, tuple[str, str]] = field(default_factory=dict)  # number -> name, address
    unavailable: set[str] = field(default_factory=set)  # country prefixes that are down
    asked: list[str] = field(default_factory=list)
    url: str = ""

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix, rest = str(body.get("countryCode", "")), str(body.get("vatNumber", ""))
        if not prefix or not rest:
            return 400, {"actionSucceed": False, "errorWrappers": [{"error": "INVALID_INPUT"}]}
        number = prefix + rest
        self.asked.append(number)
        if prefix in self.unavailable:
            return 200, {"actionSucceed": False, "errorWrappers": [{"error": "MS_UNAVAILABLE"}]}
        found = self.registered.get(number)
        return 200, {
            "countryCode": prefix,
            "vatNumber": rest,
            "requestDate": "2026-12-02T10:00:00.000Z",
            "valid": found is not None,
            "requestIdentifier": f"WAPIAAAA{len(self.asked):08d}" if found else "",
            "name": found[0] if found else "---",
            "address": found[1] if found else "---",
        }


@contextmanager
def vies_server(given: FakeVies | None = None) -> Iterator[FakeVies]:
    fake = given or FakeVies()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/check-vat-number":
                self._send(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(
                    400, {"actionSucceed": False, "errorWrappers": [{"error": "INVALID_INPUT"}]}
                )
                return
            self._send(*fake.answer(body))

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # quiet in tests
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
