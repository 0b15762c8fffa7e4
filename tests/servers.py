"""Real test servers on 127.0.0.1: a scriptable stub for OpenAI-compatible and qa-verify/1 clients.

``StubServer`` listens on 127.0.0.1 (port 0: the system picks a free one) and answers each request
with the next scripted behaviour, or with its default when the script is empty. The default judges
like a well-behaved server: ``POST .../chat/completions`` gets a chat completion whose JSON verdict
is "unsupported" when the record's answer contains ``WRONG`` and "supported" otherwise, ``POST
.../verify`` gets a qa-verify/1 reply by the same rule, and ``GET .../info`` gets 404 unless
``info`` is set. Every request is recorded (method, path, headers, body, arrival time) so tests can
assert what the client sent and when.

Behaviours are plain functions ``Request -> Response``; the helpers below build the faults the spot
check must survive: error statuses with ``Retry-After``, HTML, malformed JSON, truncated or refused
replies, a verdict wrapped in prose, a server that sends headers and then nothing (the client's
read timeout fires), one that closes the connection halfway through the body, one that resets it
there (RST, not FIN), and one that trickles the body a byte at a time (no read ever times out).

Threads are daemons, loops are bounded, and ``stop()`` releases any request that is hanging or
trickling.

Run as a program (``python tests/servers.py --log FILE [--die-after N] [--info-id ID]``) it is the
same stub in a process of its own: it prints ``listening on URL``, logs every POST (path and the
qa-verify/1 item ids) to FILE as one JSON line, and with ``--die-after N`` kills itself with
SIGKILL when request N + 1 arrives, after answering N: a verifier that dies halfway through a run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def guard_loopback(monkeypatch: Any, *, client_only: bool = False) -> list[Any]:
    """Fail the test on any connection to an address that is not loopback; return the list of
    addresses connected to. ``client_only``: ``socket.create_connection`` fails too (the client
    under test must not use it; a test's own raw connections do)."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(address: Any) -> None:
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in LOOPBACK_HOSTS:
            raise AssertionError(f"connection attempted to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        check(address)
        raise AssertionError("socket.create_connection is not how the client connects")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    if client_only:
        monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempts

STUB_MODEL = "acme/judge-1"  # independent of the generators the tests use (GPT-4o)
HANG_SECONDS = 5.0  # a hanging reply is released after this long, or when the server stops
TRICKLE_INTERVAL = 0.05  # seconds between the bytes of a trickled body
TRICKLE_SECONDS = 30.0  # a trickle ends after this long, or when the server stops


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    time: float  # time.monotonic() on arrival

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def user_content(self) -> str:
        """The user message of a chat completion request ("" when it has none)."""
        try:
            messages = self.json["messages"]
            return next(str(m["content"]) for m in messages if m["role"] == "user")
        except (ValueError, KeyError, TypeError, StopIteration):
            return ""

    def section(self, name: str) -> str | None:
        """A section (question, context, answer) of the judge's message, inside its fence."""
        return fenced_section(self.user_content, name)


def fenced_section(content: str, name: str) -> str | None:
    """The text between ``<name-MARKER>`` and ``</name-MARKER>``, MARKER as the message's first
    line gives it: what a judge that follows the prompt reads as that section."""
    found = re.match(r"Marker: ([0-9a-f]+)\n", content)
    if found is None:
        return None
    marker = found.group(1)
    inside = re.search(rf"<{name}-{marker}>\n(.*)\n</{name}-{marker}>", content, re.S)
    return inside.group(1) if inside is not None else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # normal | hang (headers, then nothing) | cut (half the body, then FIN) | reset (half the
    # body, then RST) | trickle (the body one byte every TRICKLE_INTERVAL)
    mode: str = "normal"


Behaviour = Callable[[Request], Response]


# ------------------------------------------------------------------------------------------
# behaviours


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:
    return Response(status, json.dumps(payload).encode("utf-8"),
                    {"Content-Type": "application/json", **(headers or {})})


def status(code: int, payload: Any = None, headers: dict[str, str] | None = None) -> Behaviour:
    """Reply ``code`` with an OpenAI-style error body (or ``payload``) and extra headers."""
    body = payload if payload is not None else {"error": {"message": f"status {code}"}}
    return lambda request: json_response(body, code, headers)


def raw(body: bytes, content_type: str = "application/json", code: int = 200) -> Behaviour:
    return lambda request: Response(code, body, {"Content-Type": content_type})


def hang() -> Behaviour:
    """Headers (with a Content-Length) and then no body: the client's read timeout must fire."""
    return lambda request: Response(200, b"{}" * 50, {"Content-Type": "application/json"},
                                    mode="hang")


def cut() -> Behaviour:
    """A 200 whose body stops halfway, then the connection is closed."""
    def behave(request: Request) -> Response:
        response = answer(request)
        response.mode = "cut"
        return response
    return behave


def reset() -> Behaviour:
    """A 200 whose body stops halfway, then the connection is reset (RST: SO_LINGER 0)."""
    def behave(request: Request) -> Response:
        response = answer(request)
        response.mode = "reset"
        return response
    return behave


def trickle() -> Behaviour:
    """Headers, then a long body one byte at a time: every read gets data in time, the reply
    never completes. Only a limit on the whole request ends it."""
    return lambda request: Response(200, b" " * 4096 + b"{}",
                                    {"Content-Type": "application/json"}, mode="trickle")


def chat(content: str | None, *, model: str | None = STUB_MODEL, finish: str | None = "stop",
         refusal: str | None = None) -> Behaviour:
    """A chat completion with the given message content."""
    def behave(request: Request) -> Response:
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if refusal is not None:
            message["refusal"] = refusal
        payload: dict[str, Any] = {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        }
        if model is not None:
            payload["model"] = model
        return json_response(payload)
    return behave


def verdict_json(verdict: str = "supported", score: float = 0.9, rationale: str = "stated in the "
                 "context") -> str:
    return json.dumps({"rationale": rationale, "verdict": verdict, "score": score})


def judged(request: Request, model: str | None = STUB_MODEL) -> Response:
    """What a good judge answers: unsupported when the answer contains WRONG."""
    found = request.section("answer")
    wrong = found is not None and "WRONG" in found
    text = verdict_json("unsupported", 0.1, "the context says otherwise") if wrong \
        else verdict_json()
    return chat(text, model=model)(request)


def qa_verify(request: Request) -> Response:
    """A qa-verify/1 reply by the same rule."""
    results = []
    for item in request.json["items"]:
        wrong = "WRONG" in item["answer"]
        results.append({"id": item["id"], "verdict": "unsupported" if wrong else "supported",
                        "score": 0.1 if wrong else 0.9, "rationale": "judged by the stub"})
    return json_response({"protocol": "qa-verify/1", "results": results})


def answer(request: Request) -> Response:
    """The default: a good judge for either protocol."""
    if request.path.endswith("/chat/completions"):
        return judged(request)
    if request.path.endswith("/verify"):
        return qa_verify(request)
    return json_response({"error": "not found"}, 404)


def echo_authorization(code: int = 400) -> Behaviour:
    """An error whose message repeats the Authorization header (a careless server)."""
    def behave(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        return json_response({"error": {"message": f"invalid key in header '{header}'"}}, code)
    return behave


def echo_in_rationale(verdict: str = "unsupported") -> Behaviour:
    """A verdict whose rationale (and model name) repeat the Authorization header."""
    def behave(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        return chat(verdict_json(verdict, 0.2, f"judged with {header}"))(request)
    return behave


def info(verifier_id: str, max_batch: int | None = None) -> Behaviour:
    payload: dict[str, Any] = {"protocol": "qa-verify/1", "verifier": {"id": verifier_id}}
    if max_batch is not None:
        payload["max_batch"] = max_batch
    return lambda request: json_response(payload)


# ------------------------------------------------------------------------------------------
# the server


class StubServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[Request] = []
        self.queue: deque[Behaviour] = deque()
        self.default: Behaviour = answer
        self.info: Behaviour | None = None
        self.closing = threading.Event()
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, *behaviours: Behaviour) -> None:
        """Answer the next POST requests with these behaviours, in order."""
        with self.lock:
            self.queue.extend(behaviours)

    def next_behaviour(self, request: Request) -> Behaviour:
        with self.lock:
            self.requests.append(request)
            if request.method == "GET":
                return self.info or (lambda r: json_response({"error": "not found"}, 404))
            return self.queue.popleft() if self.queue else self.default

    def posts(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == "POST"]

    def start(self) -> StubServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout, limit, cancelled request) is not a server fault; printing
        # its traceback would land in the output of the command under test.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: StubServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms wait for a delayed ACK between headers and body

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = Request(self.command, self.path,
                          {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
        response = self.server.next_behaviour(request)(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.mode == "hang":
            self.wfile.flush()
            self.server.closing.wait(HANG_SECONDS)
            self.close_connection = True
            return
        if response.mode == "cut":
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if response.mode == "reset":
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            time.sleep(0.02)  # let the client read the headers and the first half
            self.close_connection = True
            # Linger on, zero seconds: close() drops the connection with RST instead of FIN. The
            # descriptor is detached and closed here, so nothing shuts it down politely later.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            os.close(self.connection.detach())
            return
        if response.mode == "trickle":
            self.close_connection = True
            deadline = time.monotonic() + TRICKLE_SECONDS
            for byte in response.body:
                if self.server.closing.wait(TRICKLE_INTERVAL) or time.monotonic() > deadline:
                    return
                try:
                    self.wfile.write(bytes((byte,)))
                except OSError:  # the client gave up
                    return
            return
        self.wfile.write(response.body)


def free_port() -> int:
    """A port nobody listens on right now (for a server started by another process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def many(behaviour: Behaviour, count: int) -> Iterable[Behaviour]:
    return [behaviour] * count


# ------------------------------------------------------------------------------------------
# the stub as a process of its own


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the test stub verifier in its own process")
    parser.add_argument("--log", required=True, help="append one JSON line per POST here")
    parser.add_argument("--die-after", type=int, default=None, metavar="N",
                        help="answer N POST requests, then SIGKILL this process on the next")
    parser.add_argument("--info-id", default=None, help="answer GET /info with this verifier id")
    args = parser.parse_args(argv)
    server = StubServer()
    if args.info_id:
        server.info = info(args.info_id)
    answered = [0]
    log = open(args.log, "a", encoding="utf-8")  # noqa: SIM115 (open for the process's life)

    def logged(request: Request) -> Response:
        items = request.json.get("items", []) if request.path.endswith("/verify") else []
        log.write(json.dumps({"path": request.path, "ids": [i.get("id") for i in items]}) + "\n")
        log.flush()
        if args.die_after is not None and answered[0] >= args.die_after:
            # As abrupt as a crash or an OOM kill: no reply, no FIN from this program; the kernel
            # tears the connections down.
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
            time.sleep(5)  # pragma: no cover (the signal arrives first)
        answered[0] += 1
        return answer(request)

    server.default = logged
    print(f"listening on {server.url}", flush=True)
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main()
