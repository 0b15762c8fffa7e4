"""The reference qa-verify/1 server, over real sockets on 127.0.0.1 (and the CLI that starts it)."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from provenance.reading import schema
from provenance.spot.local_verifier import VERIFIER_ID
from provenance.spot.server import MAX_BATCH, VerifierServer

pytestmark = pytest.mark.network  # every test serves or connects on loopback

ITEM = {
    "id": "a1",
    "question": "What is the capital of Australia?",
    "answer": "Canberra",
    "context": ["Canberra is the capital city of Australia."],
    "source": "data/qa.jsonl:1",
}


def connect(server: VerifierServer) -> http.client.HTTPConnection:
    host, port = server.server_address[:2]
    return http.client.HTTPConnection(str(host), int(port), timeout=5)


def call(conn: http.client.HTTPConnection, method: str, path: str, body: Any = None,
         raw: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    conn.request(method, path, body=data, headers={"Content-Type": "application/json",
                                                   **(headers or {})})
    response = conn.getresponse()
    payload = response.read()
    return response.status, json.loads(payload) if payload else None


@pytest.fixture
def conn(reference_server: VerifierServer) -> Iterator[http.client.HTTPConnection]:
    connection = connect(reference_server)
    yield connection
    connection.close()


def test_info_names_the_local_verifier_and_its_batch_limit(
        conn: http.client.HTTPConnection) -> None:
    code, info = call(conn, "GET", "/info")
    assert code == 200
    assert info["protocol"] == "qa-verify/1"
    assert info["verifier"]["id"] == VERIFIER_ID
    assert info["max_batch"] == MAX_BATCH
    # The info document is the response schema's $defs/info.
    from jsonschema import Draft202012Validator

    info_schema = schema.load_schema("verify-response")
    validator = Draft202012Validator({**info_schema["$defs"]["info"],
                                      "$defs": info_schema["$defs"]})
    assert list(validator.iter_errors(info)) == []


def test_verify_judges_a_batch_by_the_local_verifier(conn: http.client.HTTPConnection) -> None:
    wrong = {**ITEM, "id": "b2", "answer": "Sydney"}
    request = {"protocol": "qa-verify/1", "items": [ITEM, wrong]}
    assert schema.validate("verify-request", request) == []
    code, reply = call(conn, "POST", "/verify", request)
    assert code == 200
    assert schema.validate("verify-response", reply) == []
    results = {r["id"]: r for r in reply["results"]}
    assert results["a1"]["verdict"] == "supported"
    assert results["b2"]["verdict"] in ("unsupported", "unsure")
    assert 0 <= results["b2"]["score"] <= 1 and results["b2"]["rationale"]
    assert reply["verifier"]["id"] == VERIFIER_ID


def test_bad_items_get_per_item_errors_not_verdicts(conn: http.client.HTTPConnection) -> None:
    request = {"items": [{"id": "x", "question": "q", "answer": "a", "context": "not a list"},
                         {"question": "no id"}, "not an object"]}
    code, reply = call(conn, "POST", "/verify", request)
    assert code == 200
    assert schema.validate("verify-response", reply) == []
    assert [("error" in r) for r in reply["results"]] == [True, True, True]
    assert reply["results"][0]["id"] == "x"


@pytest.mark.parametrize(("raw", "status"), [
    (b"not json", 400),
    (b"[1, 2]", 400),
    (json.dumps({"items": []}).encode(), 400),
    (json.dumps({"items": [ITEM] * (MAX_BATCH + 1)}).encode(), 400),
    (b"[" * 100_000, 400),
])
def test_bad_requests_are_refused_and_the_connection_stays_usable(
        conn: http.client.HTTPConnection, raw: bytes, status: int) -> None:
    code, reply = call(conn, "POST", "/verify", raw=raw)
    assert code == status and "error" in reply
    code, _ = call(conn, "GET", "/info")  # the same keep-alive connection still works
    assert code == 200


def test_unknown_paths_are_404_and_the_unread_body_does_not_poison_the_connection(
        conn: http.client.HTTPConnection) -> None:
    big = {"protocol": "qa-verify/1", "items": [ITEM]}
    for _ in range(3):
        code, reply = call(conn, "POST", "/chat/completions", big)
        assert code == 404 and "POST /verify" in reply["error"]
    code, reply = call(conn, "POST", "/verify", big)  # same connection
    assert code == 200 and reply["results"][0]["verdict"] == "supported"
    assert call(conn, "GET", "/nothing")[0] == 404


def test_a_broken_content_length_is_a_400_not_a_crash(reference_server: VerifierServer) -> None:
    host, port = reference_server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=5) as sock:
        sock.sendall(b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        chunks = []
        for _ in range(100):  # the server closes the connection after this reply
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        reply = b"".join(chunks).decode()
    assert reply.startswith("HTTP/1.1 400")
    assert "bad request size" in reply


def test_server_with_a_custom_identity_on_port_zero() -> None:
    server = VerifierServer("127.0.0.1", 0, verifier_id="acme/judge-2")
    server.start_background()
    try:
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        conn = connect(server)
        assert call(conn, "GET", "/info/")[1]["verifier"]["id"] == "acme/judge-2"
        conn.close()
    finally:
        server.shutdown()
        server.server_close()


def test_ipv6_loopback_when_available() -> None:
    try:
        server = VerifierServer("::1", 0)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    server.start_background()
    try:
        assert server.url.startswith("http://[::1]:")
        conn = http.client.HTTPConnection("::1", int(server.server_address[1]), timeout=5)
        assert call(conn, "GET", "/info")[0] == 200
        conn.close()
    finally:
        server.shutdown()
        server.server_close()


def test_delay_is_applied_per_verify_request() -> None:
    server = VerifierServer("127.0.0.1", 0, delay=0.2)
    server.start_background()
    try:
        conn = connect(server)
        start = time.monotonic()
        assert call(conn, "POST", "/verify", {"items": [ITEM]})[0] == 200
        assert time.monotonic() - start >= 0.2
        conn.close()
    finally:
        server.shutdown()
        server.server_close()


def test_serve_verifier_command_on_port_zero_prints_the_port_and_stops() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "provenance", "serve-verifier", "--host", "127.0.0.1",
         "--port", "0", "--verifier-id", "acme/judge-3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "acme/judge-3" in line and "listening on http://127.0.0.1:" in line
        port = int(line.rsplit(":", 1)[1])
        assert port > 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        assert call(conn, "GET", "/info")[1]["verifier"]["id"] == "acme/judge-3"
        conn.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_verifier_reports_a_port_in_use(run: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run("serve-verifier", "--port", str(port))
    assert result.code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.err
