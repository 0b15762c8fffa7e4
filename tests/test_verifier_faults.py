"""Verifier faults, end to end: every run ends in bounded time with its exit code and a clear line.

The faults a spot check meets in the wild, each against a real server on 127.0.0.1 (the stub of
tests/servers.py, in this process or in a process of its own that is killed halfway). A mock
transport is used only where a real server cannot produce the fault: a failed name look-up.

Already covered elsewhere, and not repeated here: connection refused before the run
(test_spot_check ``test_unreachable_verifier_is_inconclusive``, test_http_client
``test_connection_refused``); a read timeout on headers-then-nothing with a short read timeout;
FIN mid-body (``cut``); 200 HTML and bad chat completions from an OpenAI-compatible judge; a
429 storm with ``Retry-After: 0``; the request budget; an in-process server closing its socket
halfway. This module adds: DNS failure (mock transport, and the real transport over a failing
resolver); RST mid-body; a body trickled a byte at a time and headers-then-nothing under a long
read timeout (both ended by ``timeout.total``); 429 storms with huge ``Retry-After`` values in
seconds and as HTTP dates; 200 HTML or JSON of the wrong shape from a qa-verify/1 server; and a
verifier process SIGKILLed after answering N requests, whose cached verdicts a re-run against a
fresh process never sends again.

Every outcome: the README's exit code (INCONCLUSIVE = 3), an ``error:`` line naming the verifier
URL, no traceback, and the token in no output and no file.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Repo, Result, Runner, dump_yaml
from servers import (
    STUB_MODEL,
    Request,
    Response,
    StubServer,
    answer,
    guard_loopback,
    hang,
    json_response,
    raw,
    reset,
    status,
    trickle,
)

from provenance.spot import run as spot_check
from provenance.spot.http_client import HttpError, HttpSettings, Session, Timeouts

pytestmark = pytest.mark.network

DATA = "data/qa.jsonl"
CACHE = ".git/qa-provenance/verdicts.jsonl"
TOKEN_ENV = "QA_FAULT_TOKEN"
TOKEN = "sk-fault-5e1d0c9b8a7f6e5d4c3b2a1908f7e6d5"
VERIFIER = "acme/fault-verifier-1"  # configured and named by /info: one cache key for all servers
SERVERS = Path(__file__).with_name("servers.py")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
                   "http_proxy", "https_proxy", "all_proxy", "no_proxy")


# ------------------------------------------------------------------------------------------
# fixtures and helpers


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quick backoff (10 ms, Retry-After still honoured), a token to keep secret, no proxies."""
    monkeypatch.setattr(spot_check, "HttpSettings", functools.partial(HttpSettings, backoff=0.01))
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection to anything but loopback fails the test (the DNS tests use `.invalid`)."""
    guard_loopback(monkeypatch)


def rows(count: int, wrong: bool = False) -> list[dict[str, Any]]:
    """Extractive QA records every verifier here supports; with ``wrong``, records the stub
    flags (their answer says WRONG)."""
    return [{"question": f"How much does item {i} weigh?",
             "answer": f"{i + 1} grams" + (" WRONG" if wrong else ""),
             "context": f"In the catalogue, item {i} weighs {i + 1} grams."} for i in range(count)]


def record_ids(count: int) -> set[str]:
    """The ids (content hashes) spot-check gives the records of ``rows(count)``."""
    return {spot_check._record_hash(row) for row in rows(count)}


def setup(repo: Repo, count: int, verifier: dict[str, Any], wrong: bool = False) -> None:
    repo.jsonl(DATA, rows(count, wrong))
    repo.sidecar(DATA)
    configure(repo, verifier)


def configure(repo: Repo, verifier: dict[str, Any]) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml({"verifier": verifier}))


def qa_verify(url: str, **extra: Any) -> dict[str, Any]:
    """A qa-verify/1 verifier with small timeouts; the token comes from TOKEN_ENV."""
    settings: dict[str, Any] = {
        "kind": "http", "url": url, "model": VERIFIER, "token_env": TOKEN_ENV,
        "batch_size": 2, "concurrency": 1, "max_attempts": 3,
        "timeout": {"connect": 1, "read": 1, "total": 2},
    }
    settings.update(extra)
    return settings


def judge(stub: StubServer, **extra: Any) -> dict[str, Any]:
    """An OpenAI-compatible judge (one record a request) with small timeouts."""
    settings: dict[str, Any] = {
        "kind": "openai", "url": f"{stub.url}/v1", "model": STUB_MODEL,
        "token_env": TOKEN_ENV, "concurrency": 2, "max_attempts": 3,
        "timeout": {"connect": 1, "read": 1, "total": 2},
    }
    settings.update(extra)
    return settings


def timed(run: Runner, *args: str) -> tuple[Result, float]:
    start = time.monotonic()
    result = run("spot-check", *args)
    return result, time.monotonic() - start


def errors(result: Result) -> list[str]:
    """The report's error lines, without their indentation and label."""
    return [line[len("  error: "):] for line in result.out.splitlines()
            if line.startswith("  error: ")]


def assert_outcome(repo: Repo, result: Result, code: int, outcome: str) -> None:
    """Exit code, summary line, no traceback; the token in no output and no file."""
    assert result.code == code, result.out + result.err
    assert result.out.splitlines()[-1].startswith(f"qa-provenance spot-check: {outcome} ("), \
        result.out
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert TOKEN not in result.out + result.err
    for path in repo.root.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def judged_key(row: dict[str, Any]) -> str:
    """The verdict cache's key for a row: a hash of exactly what the verifier was sent."""
    sent = [row["question"], row["answer"], [row["context"]], False]
    return hashlib.sha256(json.dumps(sent, ensure_ascii=False).encode("utf-8")).hexdigest()


def cached_ids(repo: Repo) -> set[str]:
    """The record ids whose verdicts are in the cache (which keys them by what was judged)."""
    if not repo.exists(CACHE):
        return set()
    rows_ = [json.loads(line) for line in repo.read(CACHE).splitlines()]
    assert all(row["verifier"] == VERIFIER for row in rows_)
    record_of = {judged_key(row): spot_check._record_hash(row)
                 for row in [*rows(50), *rows(50, wrong=True)]}
    return {record_of[row["id"]] for row in rows_}


def sent_ids(stub: StubServer) -> list[str]:
    return [i["id"] for r in stub.posts() if r.path.endswith("/verify") for i in r.json["items"]]


# ------------------------------------------------------------------------------------------
# DNS failure: no real resolver is asked


def failing_name(host: str) -> httpx.ConnectError:
    # What httpx raises when the name does not resolve (httpcore maps socket.gaierror to it).
    return httpx.ConnectError(f"[Errno {socket.EAI_NONAME}] Name or service not known "
                              f"({host})")


def test_dns_failure_via_mock_transport_is_inconclusive(repo: Repo, run: Runner,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        raise failing_name(request.url.host)

    real_client = httpx.AsyncClient

    def client(*args: Any, **kwargs: Any) -> httpx.AsyncClient:
        return real_client(*args, transport=httpx.MockTransport(handler), **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", client)
    setup(repo, 4, qa_verify("http://verifier.invalid:8089", allow_remote=True, max_attempts=2))
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    assert errors(result) == ["cannot reach the verifier: GET http://verifier.invalid:8089/info: "
                              "connection failed (refused, reset or no such host) (gave up after "
                              "2 attempts)"]
    assert f"{DATA}: INCONCLUSIVE 4 of 4 verdicts missing" in result.out
    assert calls == ["GET /info", "GET /info"]  # nothing was sent to /verify
    assert cached_ids(repo) == set()


def test_dns_failure_through_the_real_transport(repo: Repo, run: Runner,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx's own transport over a resolver that knows no `.invalid` name (RFC 6761): the real
    mapping of socket.gaierror to a connection error, without asking the machine's DNS."""
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.endswith(".invalid"):
            looked_up.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    setup(repo, 3, qa_verify("http://judge.example.invalid:8089/", allow_remote=True,
                             max_attempts=3))
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    assert errors(result) == ["cannot reach the verifier: GET http://judge.example.invalid:8089/"
                              "info: connection failed (refused, reset or no such host) (gave up "
                              "after 3 attempts)"]
    assert looked_up == ["judge.example.invalid"] * 3


# ------------------------------------------------------------------------------------------
# connection reset (RST) halfway through the body


def test_reset_mid_body_is_retried_and_the_run_passes(repo: Repo, run: Runner,
                                                      stub: StubServer) -> None:
    stub.script(reset())
    setup(repo, 4, qa_verify(stub.url))
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 0, "PASS")
    assert "4 requests, 1 retries)" in result.out  # /info, two batches, the first sent twice
    assert len(cached_ids(repo)) == 4


def test_reset_mid_body_every_time_is_inconclusive(repo: Repo, run: Runner,
                                                   stub: StubServer) -> None:
    stub.default = reset()
    setup(repo, 4, qa_verify(stub.url))
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    broken = ("the connection broke while reading", "the server closed the connection mid-reply")
    assert errors(result), result.out
    for error in errors(result):
        assert error.startswith(f"POST {stub.url}/verify: "), error
        assert error.endswith("(gave up after 3 attempts)"), error
        assert any(kind in error for kind in broken), error
    assert "4 of 4 verdicts missing" in result.out
    assert len(stub.posts()) == 6  # two batches, three attempts each
    assert cached_ids(repo) == set()


def test_a_fault_does_not_hide_flags_that_decide_the_run(repo: Repo, run: Runner,
                                                         stub: StubServer) -> None:
    """The first batch is lost to resets, the second brings two flags (a census of 6 allows
    none): FAIL, per the pass rule, with the fault still reported."""
    stub.script(reset(), reset(), reset())
    setup(repo, 6, qa_verify(stub.url), wrong=True)
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 1, "FAIL")
    assert f"{DATA}: FAIL 2 of 2 checked records flagged: too many to show" in result.out
    [error] = errors(result)
    assert error.startswith(f"POST {stub.url}/verify: ") and "(gave up after 3 attempts)" in error
    assert len(stub.posts()) == 4  # sending stopped once the flags decided
    assert len(cached_ids(repo)) == 2


# ------------------------------------------------------------------------------------------
# replies that never complete: the request's limit (timeout.total)


def test_a_trickled_body_is_ended_by_the_request_limit(repo: Repo, run: Runner,
                                                       stub: StubServer) -> None:
    """A byte every 50 ms: no read ever waits 0.5 s, only the 1 s limit on the whole request
    ends it. It is not retried: the limit covers the attempts too."""
    stub.default = trickle()
    setup(repo, 4, qa_verify(stub.url, concurrency=2,
                             timeout={"connect": 1, "read": 0.5, "total": 1}))
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    assert errors(result) == [f"POST {stub.url}/verify: no complete reply within 1 s (the "
                              "request's limit, timeout.total)"]
    assert len(stub.posts()) == 2


def test_headers_then_nothing_is_ended_by_the_request_limit(repo: Repo, run: Runner,
                                                            stub: StubServer) -> None:
    """The read timeout (30 s) would wait far longer than the request may take (0.8 s)."""
    stub.default = hang()
    setup(repo, 2, qa_verify(stub.url, timeout={"connect": 1, "read": 30, "total": 0.8}))
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    assert errors(result) == [f"POST {stub.url}/verify: no complete reply within 0.8 s (the "
                              "request's limit, timeout.total)"]


def test_the_limit_includes_the_waits_between_attempts(stub: StubServer) -> None:
    """Two attempts 1 s apart (Retry-After: 1); a third would start past the 1.5 s limit."""
    stub.default = status(503, headers={"Retry-After": "1"})
    config = HttpSettings(stub.url, max_attempts=10, backoff=0.01,
                          timeouts=Timeouts(connect=1, read=1, total=1.5))

    async def main() -> None:
        async with Session(config) as session:
            await session.post_json("/verify", {"items": []})

    start = time.monotonic()
    with pytest.raises(HttpError) as caught:
        asyncio.run(main())
    assert time.monotonic() - start < 1.5
    assert str(caught.value) == (f"POST {stub.url}/verify: HTTP 503, and the server asks to wait "
                                 "1.0 s, past the request's 1.5 s limit (timeout.total)")
    assert len(stub.posts()) == 2


def test_the_request_limit_is_configured_and_validated(repo: Repo, run: Runner) -> None:
    assert Timeouts().total == 300.0
    configure(repo, {"timeout": {"total": 0}})
    result = run("spot-check")
    assert result.code == 2
    assert "verifier.timeout.total: 0 is less than or equal to the minimum of 0" in result.err


# ------------------------------------------------------------------------------------------
# 429 storms


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


@pytest.mark.parametrize("retry_after", [
    lambda: "86400",
    lambda: "31536000",
    lambda: http_date(86400),
    lambda: "Fri, 31 Dec 9999 23:59:59 GMT",
], ids=["a-day", "a-year", "date-a-day-ahead", "date-in-9999"])
def test_a_429_storm_asking_for_more_than_the_client_waits(repo: Repo, run: Runner,
                                                           stub: StubServer,
                                                           retry_after: Any) -> None:
    """A server asking for a pause longer than the 60 s this client ever waits is taken at its
    word: the request gives up at once, and nothing more is sent to it in this run."""
    stub.default = status(429, headers={"Retry-After": retry_after()})
    setup(repo, 6, judge(stub))
    result, seconds = timed(run)
    assert seconds < 2
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    [error] = errors(result)
    assert re.fullmatch(
        rf"POST {re.escape(stub.url)}/v1/chat/completions: rate limited: HTTP 429, and the "
        r"server asks to wait \d+ s, more than the 60 s this client waits; nothing more is "
        r"sent to it until then", error), error
    assert "6 of 6 verdicts missing" in result.out
    assert len(stub.posts()) <= 2  # at most the requests already in flight (concurrency 2)


@pytest.mark.parametrize(("retry_after", "shown"), [
    (lambda: "1", "1.0"),
    (lambda: http_date(30), r"(29|30)"),
], ids=["seconds", "date"])
def test_a_429_storm_within_the_wait_is_ended_by_the_request_limit(
        repo: Repo, run: Runner, stub: StubServer, retry_after: Any, shown: str) -> None:
    stub.default = status(429, headers={"Retry-After": retry_after()})
    setup(repo, 2, judge(stub, max_attempts=10, timeout={"connect": 1, "read": 1,
                                                         "total": 0.5}))
    result, seconds = timed(run)
    assert seconds < 2
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    [error] = errors(result)
    assert re.fullmatch(rf"POST {re.escape(stub.url)}/v1/chat/completions: rate limited: "
                        rf"HTTP 429, and the server asks to wait {shown} s, past the request's "
                        r"0\.5 s limit \(timeout\.total\)", error), error
    assert len(stub.posts()) == 2  # one attempt each: the wait alone would pass the limit


def test_a_429_storm_with_short_waits_ends_within_the_request_limit(
        repo: Repo, run: Runner, stub: StubServer) -> None:
    """Retry-After: 0, each 429 taking 50 ms: retried (10 attempts allowed) until the request's
    0.3 s limit ends it; the message still says the server was rate limiting."""
    rate_limited = status(429, headers={"Retry-After": "0"})

    def slowly(request: Request) -> Response:
        time.sleep(0.05)
        return rate_limited(request)

    stub.default = slowly
    setup(repo, 2, judge(stub, max_attempts=10, timeout={"connect": 1, "read": 1,
                                                         "total": 0.3}))
    result, seconds = timed(run)
    assert seconds < 2
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    assert errors(result)
    for error in errors(result):
        assert error.startswith(f"POST {stub.url}/v1/chat/completions: "), error
        assert "rate limited: HTTP 429" in error and "timeout.total" in error, error
    assert 4 <= len(stub.posts()) < 20


def test_a_429_storm_is_ended_by_attempts_then_the_budget(repo: Repo, run: Runner,
                                                          stub: StubServer) -> None:
    stub.default = status(429, headers={"Retry-After": "0"})
    setup(repo, 6, judge(stub, concurrency=1, max_requests=4))
    result, seconds = timed(run)
    assert seconds < 2
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    assert errors(result) == [
        f"POST {stub.url}/v1/chat/completions: rate limited: HTTP 429 (gave up after 3 attempts)",
        "request budget of 4 spent",
    ]
    assert len(stub.posts()) == 4


# ------------------------------------------------------------------------------------------
# 200 replies that are not verdicts: missing, never cached, and a re-run finishes the job


@pytest.mark.parametrize(("bad", "error"), [
    (raw(b"<!DOCTYPE html><html><body>Login required</body></html>", "text/html"),
     "the reply is not JSON (text/html)"),
    (raw(b'{"results": [{"id": ', "application/json"), "the reply is not JSON (application/json)"),
    (lambda request: json_response({"verdicts": []}), "the verifier's reply has the wrong shape"),
    (lambda request: json_response({"results": [{"id": i["id"], "verdict": "yes", "score": 1}
                                                for i in request.json["items"]]}),
     "the verifier's reply has the wrong shape"),
    (lambda request: json_response({"results": [{"id": "someone-else", "verdict": "supported",
                                                 "score": 1}]}),
     "no result for this item"),
], ids=["html", "truncated-json", "no-results", "bad-verdict", "other-ids"])
def test_a_200_that_is_not_a_verdict_is_missing_and_a_rerun_finishes(
        repo: Repo, run: Runner, stub: StubServer, bad: Any, error: str) -> None:
    stub.script(answer, bad)  # the second of three batches
    setup(repo, 6, qa_verify(stub.url))
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    [line] = errors(result)
    assert error in line
    assert "2 of 6 verdicts missing" in result.out
    bad_ids = set(stub.posts()[1].json["items"][i]["id"] for i in range(2))
    assert cached_ids(repo) == record_ids(6) - bad_ids
    before = len(stub.posts())
    again, _ = timed(run)
    assert_outcome(repo, again, 0, "PASS")
    assert "(4 from cache)" in again.out
    assert set(sent_ids(stub)[-2:]) == bad_ids and len(stub.posts()) == before + 1


# ------------------------------------------------------------------------------------------
# a verifier process killed halfway through the run


class Process:
    """tests/servers.py as a process of its own, logging each POST's item ids to ``log``."""

    def __init__(self, log: Path, *extra: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
        self.log = log
        self.popen = subprocess.Popen(
            [sys.executable, str(SERVERS), "--log", str(log), "--info-id", VERIFIER, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert self.popen.stdout is not None
        line = self.popen.stdout.readline()
        found = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert found, line + self.popen.stderr.read() if self.popen.stderr else line
        self.url = found.group(1)

    def received(self) -> list[list[str]]:
        """The item ids of each POST, in arrival order."""
        if not self.log.exists():
            return []
        return [json.loads(line)["ids"] for line in self.log.read_text().splitlines()]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(timeout=10)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


@pytest.mark.parametrize("answered", [0, 2])
def test_a_verifier_killed_halfway_keeps_its_verdicts_and_a_rerun_finishes(
        repo: Repo, run: Runner, tmp_path: Path, processes: list[Process],
        answered: int) -> None:
    first = Process(tmp_path / "first.log", "--die-after", str(answered))
    processes.append(first)
    setup(repo, 8, qa_verify(first.url, max_attempts=2))
    result, seconds = timed(run)
    assert seconds < 3
    assert first.popen.wait(timeout=5) == -getattr(signal, "SIGKILL", signal.SIGTERM)
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    missing = 8 - 2 * answered
    assert f"{DATA}: INCONCLUSIVE {missing} of 8 verdicts missing" in result.out
    assert errors(result)
    for error in errors(result):
        assert error.startswith(f"POST {first.url}/verify: "), error
        assert "gave up after" in error, error
    assert any("connection failed" in error for error in errors(result))
    # every verdict the killed server gave is on disk, and nothing else
    received = first.received()
    assert len(received) == answered + 1  # the last one killed it
    answered_ids = {i for batch in received[:answered] for i in batch}
    assert cached_ids(repo) == answered_ids

    fresh = Process(tmp_path / "fresh.log")
    processes.append(fresh)
    configure(repo, qa_verify(fresh.url))
    again, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, again, 0, "PASS")
    if answered:
        assert f"({2 * answered} from cache)" in again.out
    sent_again = [i for batch in fresh.received() for i in batch]
    assert not set(sent_again) & answered_ids  # no cached record was sent again
    assert sorted(sent_again) == sorted(record_ids(8) - answered_ids)
    assert cached_ids(repo) == record_ids(8)


def test_a_verifier_killed_under_concurrency_loses_no_verdict(
        repo: Repo, run: Runner, tmp_path: Path, processes: list[Process]) -> None:
    """Requests in flight when the process dies: whatever came back is cached, whatever did not
    is missing, and the re-run sends exactly the rest."""
    first = Process(tmp_path / "first.log", "--die-after", "3")
    processes.append(first)
    setup(repo, 9, qa_verify(first.url, batch_size=1, concurrency=3, max_attempts=2))
    result, seconds = timed(run)
    assert seconds < 3
    assert_outcome(repo, result, 3, "INCONCLUSIVE")
    cached = cached_ids(repo)
    # Request 4 only leaves once a reply came back (concurrency 3), so at least one verdict is
    # in; replies sent just before the kill may be lost to the reset the kill causes.
    assert 1 <= len(cached) < 9
    assert f"{9 - len(cached)} of 9 verdicts missing" in result.out

    fresh = Process(tmp_path / "fresh.log")
    processes.append(fresh)
    configure(repo, qa_verify(fresh.url, batch_size=1, concurrency=3))
    again, _ = timed(run)
    assert_outcome(repo, again, 0, "PASS")
    sent_again = [i for batch in fresh.received() for i in batch]
    assert sorted(sent_again) == sorted(record_ids(9) - cached)


# ------------------------------------------------------------------------------------------
# the stub's fault modes themselves


def test_reset_sends_rst_after_part_of_the_body(stub: StubServer) -> None:
    """What the client sees from ``reset()``: headers and some body, then ECONNRESET."""
    stub.default = reset()
    body = json.dumps({"protocol": "qa-verify/1", "items": [
        {"id": "a", "question": "q", "answer": "a", "context": ["c"], "source": "s"}]}).encode()
    with socket.create_connection(("127.0.0.1", stub.port), timeout=2) as sock:
        sock.sendall(b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        received = b""
        with pytest.raises(ConnectionResetError):
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break  # a FIN: not what reset() promises
                received += chunk
    assert received.startswith(b"HTTP/1.1 200")


def test_trickle_never_stalls_a_read_for_long(stub: StubServer) -> None:
    stub.default = trickle()
    with socket.create_connection(("127.0.0.1", stub.port), timeout=0.5) as sock:
        sock.sendall(b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        start = time.monotonic()
        reads = 0
        while time.monotonic() - start < 0.6:
            assert sock.recv(65536)  # never times out (0.5 s), never ends
            reads += 1
    assert reads >= 5
