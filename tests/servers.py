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
read timeout fires), and one that closes the connection halfway through the body.

Threads are daemons, loops are bounded, and ``stop()`` releases any request that is hanging.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STUB_MODEL = "acme/judge-1"  # independent of the generators the tests use (GPT-4o)
HANG_SECONDS = 5.0  # a hanging reply is released after this long, or when the server stops


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


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "normal"  # normal | hang (headers, then nothing) | cut (half the body, then close)


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
    found = re.search(r"<answer>\n(.*)\n</answer>", request.user_content, re.S)
    wrong = found is not None and "WRONG" in found.group(1)
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
        self.wfile.write(response.body)


def free_port() -> int:
    """A port nobody listens on right now (for a server started by another process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def many(behaviour: Behaviour, count: int) -> Iterable[Behaviour]:
    return [behaviour] * count
