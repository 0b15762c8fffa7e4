"""The reference server under hostile load, over real sockets on 127.0.0.1: half-sent requests,
bodies over the limit, items over the budget, a full pool, clients that vanish.

No timing assertions: each test only asks that the server still answers (with a generous
timeout). bench/server_load.py measures how fast. Every loop here is bounded and every socket
is closed by the test that opened it."""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from provenance.spot import server as server_module
from provenance.spot.server import Limits, VerifierServer

pytestmark = pytest.mark.network

ITEM = {"id": "a1", "question": "What is the capital of Australia?", "answer": "Canberra",
        "context": ["Canberra is the capital city of Australia."]}
PATIENCE = 20.0  # seconds a test waits for the server before it fails (never a speed claim)


@contextlib.contextmanager
def serving(limits: Limits | None = None) -> Iterator[tuple[VerifierServer, list[str]]]:
    lines: list[str] = []
    server = VerifierServer("127.0.0.1", 0, limits=limits, log=lines.append)
    server.start_background()
    try:
        yield server, lines
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def sockets() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    try:
        yield opened
    finally:
        for sock in opened:
            sock.close()


def open_socket(server: VerifierServer, opened: list[socket.socket]) -> socket.socket:
    sock = socket.create_connection(server.server_address[:2], timeout=PATIENCE)
    opened.append(sock)
    return sock


def normal_request(server: VerifierServer) -> tuple[int, Any]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=PATIENCE)
    try:
        conn.request("POST", "/verify", body=json.dumps({"items": [ITEM]}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def read_reply(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (at most 1 MiB; errors end it too)."""
    chunks: list[bytes] = []
    with contextlib.suppress(OSError):
        for _ in range(1024):
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            if sum(map(len, chunks)) > 1 << 20:
                break
    return b"".join(chunks)


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def enough_descriptors(needed: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover (Windows)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"needs {needed} file descriptors, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


# ------------------------------------------------------------------------------------------
# the measured case of issue 14


def test_slowloris_and_a_32_mb_request_leave_the_server_answering() -> None:
    slow = 1000
    enough_descriptors(2 * slow + 200)
    with serving() as (server, lines), sockets() as opened:
        halves = [b"GET /info HTTP/1.1\r\nHo", b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Le",
                  b"POST /verify HTTP/1.1\r\nContent-Length: 5000\r\n\r\n{\"items\": ["]
        for n in range(slow):  # half-sent requests: a head or a body that never ends
            open_socket(server, opened).sendall(halves[n % len(halves)])
        hostile = open_socket(server, opened)
        hostile.sendall(b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                        b"\r\nContent-Length: 33554432\r\n\r\n")
        sender = threading.Thread(target=_send_quietly, args=(hostile, b"[" * (32 << 20)),
                                  daemon=True)
        sender.start()
        assert wait_for(lambda: server.open_connections >= slow), server.open_connections

        status, reply = normal_request(server)

        assert status == 200 and reply["results"][0]["verdict"] == "supported"
        assert server.open_connections >= slow  # the slow ones are still held, not served
        sender.join(PATIENCE)
        assert not sender.is_alive()
    assert not any("Traceback" in line for line in lines)


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the server refuses it unread and closes
        sock.sendall(data)


# ------------------------------------------------------------------------------------------
# each limit on its own


def test_a_body_over_the_limit_is_413_unread() -> None:
    with serving(Limits(max_body=1000)) as (server, _), sockets() as opened:
        sock = open_socket(server, opened)
        sock.sendall(b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
        reply = read_reply(sock)
        assert reply.startswith(b"HTTP/1.1 413 ")
        assert b"Connection: close" in reply and b"over 1000 bytes" in reply
        assert normal_request(server)[0] == 200


def test_a_body_of_too_many_tiny_values_is_413_before_it_is_parsed() -> None:
    with serving(Limits(max_json_tokens=1000)) as (server, _):
        host, port = server.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=PATIENCE)
        conn.request("POST", "/verify", json.dumps({"items": [ITEM], "pad": [1] * 1001}))
        response = conn.getresponse()
        reply = json.loads(response.read())
        conn.close()
        assert response.status == 413 and "more than 1000 JSON separators" in reply["error"]
        assert normal_request(server)[0] == 200


def test_a_head_over_the_limit_is_431() -> None:
    with serving(Limits(max_head=1024)) as (server, _), sockets() as opened:
        sock = open_socket(server, opened)
        sock.sendall(b"GET /info HTTP/1.1\r\nX-Big: " + b"a" * 4096 + b"\r\n\r\n")
        assert read_reply(sock).startswith(b"HTTP/1.1 431 ")


def test_chunked_bodies_are_refused() -> None:
    with serving() as (server, _), sockets() as opened:
        sock = open_socket(server, opened)
        sock.sendall(b"POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"2\r\n{}\r\n0\r\n\r\n")
        assert read_reply(sock).startswith(b"HTTP/1.1 411 ")


def test_two_content_lengths_are_refused() -> None:
    with serving() as (server, _), sockets() as opened:
        sock = open_socket(server, opened)
        sock.sendall(b"POST /verify HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}")
        assert read_reply(sock).startswith(b"HTTP/1.1 400 ")


def test_a_half_sent_request_is_dropped_at_its_deadline_with_one_log_line() -> None:
    with serving(Limits(head_timeout=0.2, body_timeout=0.2)) as (server, lines), \
            sockets() as opened:
        head = open_socket(server, opened)
        head.sendall(b"POST /verify HTTP/1.1\r\nHost: x\r\n")
        body = open_socket(server, opened)
        body.sendall(b"POST /verify HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"items\"")
        assert read_reply(head) == b"" and read_reply(body) == b""  # closed, without a reply
        assert wait_for(lambda: len(lines) >= 2)
    assert any("no complete request head within 0.2 s" in line for line in lines)
    assert any("request body or the reply took longer" in line for line in lines)
    assert all("\n" not in line for line in lines)


@pytest.mark.parametrize("partial", [b"GET /info HTTP/1.1\r\n",
                                     b"POST /verify HTTP/1.1\r\nContent-Length: 99\r\n\r\n{"])
def test_past_max_connections_the_longest_waiting_one_is_dropped(partial: bytes) -> None:
    with serving(Limits(max_connections=8)) as (server, lines), sockets() as opened:
        for _ in range(20):
            open_socket(server, opened).sendall(partial)
        assert normal_request(server)[0] == 200
        assert wait_for(lambda: server.open_connections <= 8)
    assert any("dropped, the longest-waiting of 8 open connections" in line for line in lines)


def test_an_item_over_its_budget_is_unsure_with_the_reason() -> None:
    with serving(Limits(max_item_chars=200, max_passages=3)) as (server, _):
        host, port = server.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=PATIENCE)
        big = {**ITEM, "id": "big", "context": ["Canberra " * 50]}
        many = {**ITEM, "id": "many", "context": ["Canberra."] * 4}
        conn.request("POST", "/verify", json.dumps({"items": [ITEM, big, many]}))
        results = {r["id"]: r for r in json.loads(conn.getresponse().read())["results"]}
        conn.close()
    assert results["a1"]["verdict"] == "supported"
    assert results["big"]["verdict"] == "unsure" and results["big"]["score"] == 0.5
    assert "more than this server's budget of 200 per item" in results["big"]["rationale"]
    assert results["many"]["verdict"] == "unsure"
    assert "4 context passages, more than this server's budget of 3" in \
        results["many"]["rationale"]


def test_items_left_when_the_time_budget_is_spent_are_unsure() -> None:
    with serving(Limits(request_budget=0.0)) as (server, _):
        host, port = server.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=PATIENCE)
        conn.request("POST", "/verify", json.dumps({"items": [ITEM, {**ITEM, "id": "b"}]}))
        results = json.loads(conn.getresponse().read())["results"]
        conn.close()
    assert [r["verdict"] for r in results] == ["unsure", "unsure"]
    assert all("time budget of 0 s was spent" in r["rationale"] for r in results)


def test_a_hostile_request_under_the_body_limit_is_answered_within_budget() -> None:
    # The shape of issue 14's 6 MB request: a few items, each a huge context of numbers.
    numbers = " ".join(str(n) for n in range(400_000))
    items = [{**ITEM, "id": f"h{n}", "answer": numbers[:5000], "context": [numbers]}
             for n in range(3)]
    with serving() as (server, _):
        host, port = server.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=PATIENCE)
        conn.request("POST", "/verify", json.dumps({"items": items}))
        response = conn.getresponse()
        results = json.loads(response.read())["results"]
        conn.close()
    assert response.status == 200
    assert [r["verdict"] for r in results] == ["unsure"] * 3
    assert all("per item" in r["rationale"] for r in results)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Judging blocks until the test opens the gate (so a worker is busy for as long as it
    needs); the gate opens at the end whatever happens."""
    opened = threading.Event()
    real = server_module._judge

    def held(item: Any, limits: Limits) -> dict[str, Any]:
        opened.wait(PATIENCE)
        return real(item, limits)

    monkeypatch.setattr(server_module, "_judge", held)
    try:
        yield opened
    finally:
        opened.set()


def test_a_full_pool_answers_503_at_once(gate: threading.Event) -> None:
    with serving(Limits(workers=1, queue=0)) as (server, _), sockets() as opened:
        busy = open_socket(server, opened)
        body = json.dumps({"items": [ITEM]}).encode()
        busy.sendall(b"POST /verify HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        assert wait_for(lambda: server._jobs == 1)
        status, reply = normal_request(server)
        assert status == 503 and "busy" in reply["error"]
        gate.set()
        assert read_reply_head(busy).startswith(b"HTTP/1.1 200 ")
        assert normal_request(server)[0] == 200


def read_reply_head(sock: socket.socket) -> bytes:
    data = b""
    for _ in range(1000):
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data:
            break
    return data


def test_clients_that_vanish_are_one_line_each_and_no_traceback(
        gate: threading.Event, capfd: pytest.CaptureFixture[str]) -> None:
    count = 20
    with serving(Limits(workers=2, queue=count, log_burst=1000)) as (server, lines), \
            sockets() as opened:
        body = json.dumps({"items": [ITEM]}).encode()
        for _ in range(count):
            sock = open_socket(server, opened)
            sock.sendall(b"POST /verify HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))
        assert wait_for(lambda: server._jobs == count)
        for sock in opened:  # gone with a reset, before the reply
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        gate.set()
        assert wait_for(lambda: server.open_connections == 0)
        assert normal_request(server)[0] == 200
    gone = [line for line in lines if "went away before the reply" in line]
    assert len(gone) == count, lines
    assert all(line.count("\n") == 0 for line in lines)
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_the_log_is_throttled_and_counts_what_it_left_out() -> None:
    written: list[str] = []
    log = server_module._Log(3, written.append)
    for n in range(10):
        log(f"event {n}")
    assert written == [f"qa-provenance serve-verifier: event {n}" for n in range(3)]
    log._second = -1  # the next second begins
    log("event 10")
    assert written[-1] == ("qa-provenance serve-verifier: event 10 (7 more lines like these not "
                           "shown)")


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or sys.platform == "win32",
                    reason="POSIX signals")
def test_serve_verifier_logs_vanished_clients_in_few_lines_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "provenance", "serve-verifier", "--host", "127.0.0.1", "--port",
         "0", "--max-body", "2000", "--workers", "1", "--request-budget", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().rsplit(":", 1)[1])
        with sockets() as opened:
            for _ in range(50):
                open_raw(port, opened).sendall(b"GET /info HTTP/1.1\r\n")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
            conn.request("GET", "/info")
            assert conn.getresponse().status == 200
            conn.close()
            big = open_raw(port, opened)  # --max-body holds
            big.sendall(b"POST /verify HTTP/1.1\r\nContent-Length: 2001\r\n\r\n")
            assert read_reply(big).startswith(b"HTTP/1.1 413 ")
        assert process.stderr is not None  # the sockets are closed: wait for the first line
        assert select.select([process.stderr], [], [], PATIENCE)[0]
        first = process.stderr.readline()
        time.sleep(0.2)  # let it see the rest of the closes
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=PATIENCE)
        err = first + rest
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    lines = err.splitlines()
    assert "Traceback" not in err
    assert 1 <= len(lines) <= 11  # ten a second, then one line that counts the rest
    assert all(line.startswith("qa-provenance serve-verifier: ") for line in lines)


def open_raw(port: int, opened: list[socket.socket]) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    opened.append(sock)
    return sock


@pytest.mark.parametrize("flag", ["--workers", "--max-body", "--request-budget"])
def test_serve_verifier_refuses_a_limit_that_is_not_positive(run: Any, flag: str) -> None:
    result = run("serve-verifier", "--port", "0", flag, "0")
    assert result.code == 2 and f"{flag} must be more than 0" in result.err
