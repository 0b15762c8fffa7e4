"""The reference qa-verify/1 server: the local grounding check behind HTTP, built to shed load.

Standard library only (``asyncio``), so a team can run it anywhere, wrap another model behind the
same protocol, and so the tests talk to a real server. One event loop holds the connections (an
idle or slow client costs a socket and a coroutine, never a thread) and judging runs on a small,
bounded pool of worker threads. Every wait has a deadline and every input a size limit
(``Limits``): a half-sent request is dropped, a body over the limit is refused unread (413), a
full queue answers 503 at once, and an item too large to judge, or one left when the request's
time budget is spent, comes back ``unsure`` with the reason. A client that goes away is one log
line, never a traceback. ``--delay`` adds latency per request for benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from provenance import __version__
from provenance.spot.verifiers import PROTOCOL

MAX_BODY = 16 * 1024 * 1024
MAX_BATCH = 64
#: Connections the kernel queues before they are accepted (a burst of clients, not a limit).
BACKLOG = 1024
#: The score of an item the server did not judge: no evidence either way.
UNJUDGED_SCORE = 0.5


@dataclass(frozen=True)
class Limits:
    """What one client, one request and one item may cost. The defaults are in docs/verifiers.md;
    a qa-provenance client sends at most 64 items of at most 4,000 characters a field."""

    max_body: int = MAX_BODY  # bytes in one request body; larger is 413, unread
    # JSON separators (, : [ {) in one body, which bound its values; more is 413. The decoder
    # holds the GIL: 16 MiB of tiny values would stall every connection for about a second.
    max_json_tokens: int = 1_000_000
    max_head: int = 16 * 1024  # bytes of request line and headers; larger is 431
    head_timeout: float = 10.0  # seconds to deliver a whole request head (also keep-alive idle)
    body_timeout: float = 30.0  # seconds to deliver the body once the head is in
    write_timeout: float = 30.0  # seconds for the client to take the reply
    max_connections: int = 1024  # open at once; past it the longest-waiting idle one is dropped
    workers: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    queue: int = 16  # requests waiting for a worker; past it the reply is 503
    max_buffered: int = 64 * 1024 * 1024  # request bytes held in memory at once; past it, 503
    request_budget: float = 10.0  # seconds of judging per request, checked between items
    max_item_chars: int = 500_000  # question + answer + context of one item
    max_passages: int = 512  # context passages of one item
    log_burst: int = 10  # log lines per second; the rest are counted and summarised


class _Log:
    """One line per event on stderr, at most ``burst`` a second: 1,000 clients that give up at
    once are ten lines and a count, not a wall of text."""

    def __init__(self, burst: int, write: Callable[[str], None] | None = None) -> None:
        self.burst = burst
        self.write = write or (lambda line: print(line, file=sys.stderr, flush=True))
        self._second = 0
        self._count = 0
        self._dropped = 0
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self._lock:
            second = int(time.monotonic())
            if second != self._second:
                self._second, self._count = second, 0
            self._count += 1
            if self._count > self.burst:
                self._dropped += 1
                return
            dropped, self._dropped = self._dropped, 0
        suffix = f" ({dropped} more lines like these not shown)" if dropped else ""
        self.write(f"qa-provenance serve-verifier: {message}{suffix}")

    def flush(self) -> None:
        """Say how many lines were left out since the last one shown."""
        with self._lock:
            dropped, self._dropped = self._dropped, 0
        if dropped:
            self.write(f"qa-provenance serve-verifier: ({dropped} more lines like the last "
                       "not shown)")


class _Refuse(Exception):
    """Answer ``status`` with ``message`` and close the connection (its input is not trusted)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class _Conn:
    peer: str
    writer: asyncio.StreamWriter
    waiting_since: float  # when it began waiting for its next request
    busy: bool = False  # a complete request is in; it is not dropped for a newcomer
    served: int = 0  # requests answered on this connection


class VerifierServer:
    """Listens on construction (so a port in use is an error at once); ``serve_forever`` runs
    until ``shutdown``; ``start_background`` serves on a daemon thread."""

    def __init__(self, host: str, port: int, *, delay: float = 0.0,
                 verifier_id: str | None = None, limits: Limits | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        from provenance.spot.local_verifier import VERIFIER_ID

        self.delay = delay
        self.verifier_id = verifier_id or VERIFIER_ID
        self.limits = limits or Limits()
        self.log = _Log(self.limits.log_burst, log)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock: socket.socket | None = socket.create_server((host, port), family=family,
                                                                backlog=BACKLOG)
        self.server_address: tuple[Any, ...] = self._sock.getsockname()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stopped = threading.Event()
        self._stopped.set()
        self._conns: dict[asyncio.Task[None], _Conn] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._jobs = 0  # requests queued or being judged
        self._buffered = 0  # request bytes held in memory
        self._closing = False

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    @property
    def open_connections(self) -> int:
        """Connections held right now (read from another thread: a snapshot)."""
        return len(self._conns)

    def start_background(self, poll_interval: float = 0.1) -> threading.Thread:
        """Serve on a daemon thread; ``shutdown()`` stops it."""
        self._stopped.clear()  # before the thread starts: a shutdown() right away must wait
        thread = threading.Thread(target=self.serve_forever, args=(poll_interval,), daemon=True,
                                  name="qa-verify-server")
        thread.start()
        return thread

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Serve until ``shutdown()`` (or KeyboardInterrupt in the main thread)."""
        del poll_interval  # the event loop wakes on events, not by polling
        self._stopped.clear()
        try:
            asyncio.run(self._serve())
        finally:
            self._stopped.set()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop serving and wait (at most ``timeout`` seconds) until ``serve_forever`` returns."""
        self._closing = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                loop.call_soon_threadsafe(stop.set)
        self._stopped.wait(timeout)

    def server_close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    # --------------------------------------------------------------------------------------
    # connections

    async def _serve(self) -> None:
        assert self._sock is not None, "serve_forever after server_close"
        self._loop = asyncio.get_running_loop()
        self._loop.set_exception_handler(self._loop_error)
        self._stop = asyncio.Event()
        if self._closing:
            return
        self._pool = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="qa-verify")
        # The backlog again: start_server listens anew, by default with room for only 100.
        server = await asyncio.start_server(self._accept, sock=self._sock, backlog=BACKLOG,
                                            limit=self.limits.max_head)
        try:
            await self._stop.wait()
        finally:
            server.close()
            for task, conn in list(self._conns.items()):
                conn.writer.transport.abort()
                task.cancel()
            if self._conns:
                await asyncio.wait(list(self._conns), timeout=5)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self.log.flush()
            self._sock = None  # closed with the asyncio server

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        what = f"{type(error).__name__}: {error}" if error else context.get("message", "?")
        self.log(f"event loop: {what}")

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = _peer(writer)
        if len(self._conns) >= self.limits.max_connections and not self._make_room():
            self.log(f"{peer}: refused, {len(self._conns)} connections open and none idle")
            writer.transport.abort()
            return
        conn = _Conn(peer, writer, time.monotonic())
        self._conns[task] = conn
        try:
            await self._session(reader, conn)
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # one line, and the server goes on
            self.log(f"{peer}: dropped after an internal error ({type(exc).__name__}: {exc})")
        finally:
            self._conns.pop(task, None)
            writer.close()

    def _make_room(self) -> bool:
        """Drop the connection that has waited longest for its request (head or body): it is
        the slowest client, and the one most likely to be holding a place without using it."""
        idle = [(conn.waiting_since, task) for task, conn in self._conns.items() if not conn.busy]
        if not idle:
            return False
        _, task = min(idle, key=lambda pair: pair[0])
        conn = self._conns.pop(task)
        self.log(f"{conn.peer}: dropped, the longest-waiting of "
                 f"{self.limits.max_connections} open connections")
        conn.writer.transport.abort()
        task.cancel()
        return True

    async def _session(self, reader: asyncio.StreamReader, conn: _Conn) -> None:
        """Requests on one keep-alive connection, each with its deadlines, until one closes it."""
        limits = self.limits
        while not self._closing:
            conn.busy, conn.waiting_since = False, time.monotonic()
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), limits.head_timeout)
            except asyncio.IncompleteReadError as exc:
                if exc.partial.strip():
                    self.log(f"{conn.peer}: client went away in the middle of a request head")
                return  # else: a clean close between requests
            except asyncio.LimitOverrunError:
                await self._refuse(conn, _Refuse(431, f"request head over {limits.max_head} "
                                                      "bytes"))
                return
            except asyncio.TimeoutError:
                if conn.served:
                    return  # an idle keep-alive connection: closed without a word
                self.log(f"{conn.peer}: closed, no complete request head within "
                         f"{limits.head_timeout:g} s")
                return
            except ConnectionError as exc:
                self.log(f"{conn.peer}: client went away ({type(exc).__name__})")
                return
            try:
                keep_alive = await self._request(reader, conn, head)
            except _Refuse as refusal:
                await self._refuse(conn, refusal)
                return
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                self.log(f"{conn.peer}: client went away before the reply "
                         f"({type(exc).__name__})")
                return
            except asyncio.TimeoutError:
                self.log(f"{conn.peer}: closed, the request body or the reply took longer than "
                         "its deadline")
                return
            conn.served += 1
            if not keep_alive:
                return

    async def _refuse(self, conn: _Conn, refusal: _Refuse) -> None:
        with contextlib.suppress(ConnectionError, asyncio.TimeoutError):  # it was leaving anyway
            await self._send(conn, refusal.status, {"error": str(refusal)}, close=True,
                             retry_after=refusal.retry_after)

    async def _request(self, reader: asyncio.StreamReader, conn: _Conn, head: bytes) -> bool:
        """One request whose head is in; True when the connection may carry another."""
        limits = self.limits
        method, path, version, headers = _parse_head(head)
        keep_alive = _keeps_alive(version, headers.get("connection", ""))
        if "transfer-encoding" in headers:
            raise _Refuse(411, "send the body with a Content-Length, not chunked")
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise _Refuse(400, "bad request size") from None
        if length < 0:
            raise _Refuse(400, "bad request size")
        if length > limits.max_body:
            raise _Refuse(413, f"the body is over {limits.max_body} bytes")
        if headers.get("expect", "").lower() == "100-continue" and length:
            conn.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body, held = await self._read_body(reader, length)
        conn.busy = True  # the whole request is in: from now on it is being served
        try:
            route = path.split("?", 1)[0].rstrip("/")
            if method == "GET" and route == "/info":
                await self._send(conn, 200, {
                    "protocol": PROTOCOL,
                    "verifier": {"id": self.verifier_id, "version": __version__},
                    "max_batch": MAX_BATCH}, close=not keep_alive)
            elif method == "POST" and route == "/verify":
                if self.delay:  # a remote model's latency: it holds no worker
                    await asyncio.sleep(self.delay)
                if self._jobs >= limits.workers + limits.queue:
                    raise _Refuse(503, "busy: every worker and queue place is taken",
                                  retry_after=1)
                self._jobs += 1
                try:
                    loop = asyncio.get_running_loop()
                    status, payload = await loop.run_in_executor(self._pool, self._verify, body)
                finally:
                    self._jobs -= 1
                await self._send(conn, status, payload, close=not keep_alive)
            elif method == "GET":
                await self._send(conn, 404, {"error": "not found: GET /info or POST /verify"},
                                 close=not keep_alive)
            elif method == "POST":
                await self._send(conn, 404, {"error": "not found: POST /verify"},
                                 close=not keep_alive)
            else:
                await self._send(conn, 405, {"error": "GET /info or POST /verify"},
                                 close=not keep_alive)
        finally:
            self._buffered -= held
        return keep_alive

    async def _read_body(self, reader: asyncio.StreamReader, length: int) -> tuple[bytes, int]:
        """The body within its deadline, counted against the server's memory budget as it
        arrives (a client that trickles holds little; one that floods is refused)."""
        chunks: list[bytes] = []
        held = 0
        deadline = time.monotonic() + self.limits.body_timeout
        try:
            while held < length:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise asyncio.TimeoutError
                chunk = await asyncio.wait_for(reader.read(min(length - held, 1 << 16)), left)
                if not chunk:
                    raise asyncio.IncompleteReadError(b"".join(chunks), length)
                if self._buffered + len(chunk) > self.limits.max_buffered:
                    raise _Refuse(503, "busy: too many request bytes in memory", retry_after=1)
                self._buffered += len(chunk)
                held += len(chunk)
                chunks.append(chunk)
        except BaseException:
            self._buffered -= held
            raise
        return b"".join(chunks), held

    async def _send(self, conn: _Conn, status: int, payload: Any, *, close: bool,
                    retry_after: int | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        reason = http.HTTPStatus(status).phrase
        lines = [f"HTTP/1.1 {status} {reason}",
                 f"Server: qa-provenance-verifier/{__version__}",
                 "Content-Type: application/json",
                 f"Content-Length: {len(data)}"]
        if retry_after is not None:
            lines.append(f"Retry-After: {retry_after}")
        if close:
            lines.append("Connection: close")
        conn.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
        await asyncio.wait_for(conn.writer.drain(), self.limits.write_timeout)

    # --------------------------------------------------------------------------------------
    # judging (on a worker thread)

    def _verify(self, raw: bytes) -> tuple[int, Any]:
        if not raw:
            return 400, {"error": "bad request size"}
        tokens = sum(raw.count(mark) for mark in (b",", b":", b"[", b"{"))
        if tokens > self.limits.max_json_tokens:
            return 413, {"error": f"the body holds more than {self.limits.max_json_tokens} JSON "
                                  "separators"}
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            return 400, {"error": "the request is not JSON"}
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
            return 400, {"error": f"'items' must be a list of 1 to {MAX_BATCH} items"}
        started = time.monotonic()
        results = []
        for item in items:
            spent = time.monotonic() - started
            if spent > self.limits.request_budget or self._closing:
                results.append(_unjudged(item, f"not judged: the request's time budget of "
                                               f"{self.limits.request_budget:g} s was spent"))
            else:
                results.append(_judge(item, self.limits))
        return 200, {"protocol": PROTOCOL, "verifier": {"id": self.verifier_id},
                     "results": results}


def _judge(item: Any, limits: Limits) -> dict[str, Any]:
    from provenance.spot.local_verifier import verify

    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return {"id": str(item.get("id"))[:200] if isinstance(item, dict) else "?",
                "error": "item needs an id"}
    question, answer, context = item.get("question"), item.get("answer"), item.get("context")
    if not isinstance(question, str) or not isinstance(answer, str) or not isinstance(
            context, list) or not all(isinstance(c, str) for c in context):
        return {"id": item["id"], "error": "item needs question, answer and context[] strings"}
    if len(context) > limits.max_passages:
        return _unjudged(item, f"not judged: {len(context)} context passages, more than this "
                               f"server's budget of {limits.max_passages}")
    size = len(question) + len(answer) + sum(len(c) for c in context)
    if size > limits.max_item_chars:
        return _unjudged(item, f"not judged: {size} characters, more than this server's "
                               f"budget of {limits.max_item_chars} per item")
    verdict = verify(question, answer, context, unanswerable=item.get("unanswerable") is True
                     or None)
    return {"id": item["id"], "verdict": verdict.verdict, "score": verdict.score,
            "rationale": verdict.rationale}


def _unjudged(item: Any, reason: str) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return {"id": "?", "error": "item needs an id"}
    return {"id": item["id"], "verdict": "unsure", "score": UNJUDGED_SCORE, "rationale": reason}


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """Method, target, version and headers (names in lower case) of a request head."""
    lines = head.lstrip(b"\r\n").split(b"\r\n")
    parts = lines[0].decode("latin-1").split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha():
        raise _Refuse(400, "not an HTTP/1.x request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon or not name or name != name.strip():
            raise _Refuse(400, "malformed header line")
        key = name.lower()
        if key == "content-length" and key in headers:
            raise _Refuse(400, "bad request size")  # two lengths: which one is the body?
        headers[key] = value.strip()
    return parts[0], parts[1], parts[2], headers


def _keeps_alive(version: str, connection: str) -> bool:
    tokens = {t.strip().lower() for t in connection.split(",")}
    if version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = f"[{peer[0]}]" if ":" in str(peer[0]) else str(peer[0])
        return f"{host}:{peer[1]}"
    return "client"
