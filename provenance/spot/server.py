"""The reference qa-verify/1 server: the local grounding check behind HTTP.

Standard library only (``http.server``), so a team can run it anywhere, wrap another model behind
the same protocol, and so the tests talk to a real server. ``--delay`` adds latency per request
for benchmarks.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from provenance import __version__
from provenance.spot.verifiers import PROTOCOL

MAX_BODY = 32 * 1024 * 1024
MAX_BATCH = 64


class VerifierServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the default 5 drops bursts of new connections into SYN retries

    def __init__(self, host: str, port: int, *, delay: float = 0.0,
                 verifier_id: str | None = None) -> None:
        if ":" in host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)
        from provenance.spot.local_verifier import VERIFIER_ID

        self.delay = delay
        self.verifier_id = verifier_id or VERIFIER_ID

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def start_background(self, poll_interval: float = 0.1) -> threading.Thread:
        """Serve on a daemon thread; ``shutdown()`` returns within ``poll_interval``."""
        thread = threading.Thread(target=self.serve_forever, args=(poll_interval,), daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: VerifierServer
    protocol_version = "HTTP/1.1"
    server_version = f"qa-provenance-verifier/{__version__}"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds the
    # body until the client's delayed ACK (~40 ms per reply on a keep-alive connection).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: a request log would print record content

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/info":
            self._send(200, {"protocol": PROTOCOL,
                             "verifier": {"id": self.server.verifier_id, "version": __version__},
                             "max_batch": MAX_BATCH})
        else:
            self._send(404, {"error": "not found: GET /info or POST /verify"})

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            # The body is not read, so the connection cannot carry another request.
            self.close_connection = True
            self._send(413 if length > MAX_BODY else 400, {"error": "bad request size"})
            return
        # Read the body whatever the path, or its bytes would be taken for the next request on
        # this keep-alive connection.
        raw = self.rfile.read(length) if length else b""
        if self.path.rstrip("/") != "/verify":
            self._send(404, {"error": "not found: POST /verify"})
            return
        if not raw:
            self._send(400, {"error": "bad request size"})
            return
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            self._send(400, {"error": "the request is not JSON"})
            return
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
            self._send(400, {"error": f"'items' must be a list of 1 to {MAX_BATCH} items"})
            return
        if self.server.delay:
            time.sleep(self.server.delay)
        self._send(200, {"protocol": PROTOCOL, "verifier": {"id": self.server.verifier_id},
                         "results": [_judge(item) for item in items]})

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _judge(item: Any) -> dict[str, Any]:
    from provenance.spot.local_verifier import verify

    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return {"id": str(item.get("id")) if isinstance(item, dict) else "?",
                "error": "item needs an id"}
    question, answer, context = item.get("question"), item.get("answer"), item.get("context")
    if not isinstance(question, str) or not isinstance(answer, str) or not isinstance(
            context, list) or not all(isinstance(c, str) for c in context):
        return {"id": item["id"], "error": "item needs question, answer and context[] strings"}
    verdict = verify(question, answer, context)
    return {"id": item["id"], "verdict": verdict.verdict, "score": verdict.score,
            "rationale": verdict.rationale}
