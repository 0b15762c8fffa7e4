"""The HTTP client: loopback rules, redaction, Retry-After, retries, budget and timeouts.

Most tests drive a real stub server on 127.0.0.1 (tests/servers.py); a few fault-injection tests
use ``httpx.MockTransport`` where a real server would make the test slow (an HTTP-date
Retry-After, for instance). Tests that reach a loopback socket are marked ``network``; the others,
the remote-URL refusal among them, run with sockets forbidden (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import email.utils
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from servers import (
    StubServer,
    cut,
    echo_authorization,
    free_port,
    hang,
    json_response,
    raw,
    status,
)

from provenance import __version__
from provenance.spot.http_client import (
    MAX_RETRY_AFTER,
    BudgetExhausted,
    HttpError,
    HttpSettings,
    RemoteNotAllowed,
    Session,
    Timeouts,
    is_loopback,
    redact,
    retry_after_seconds,
)

T = TypeVar("T")
TOKEN = "sk-test-7f3a9c2e1b5d4f60a8e2c9b7d1f3a5e7"
FAST = Timeouts(connect=2.0, read=2.0, write=2.0, pool=2.0)


def settings(url: str, **kwargs: Any) -> HttpSettings:
    kwargs.setdefault("timeouts", FAST)
    kwargs.setdefault("backoff", 0.01)
    return HttpSettings(url, **kwargs)


def in_session(config: HttpSettings, work: Callable[[Session], Awaitable[T]]) -> T:
    async def main() -> T:
        async with Session(config) as session:
            return await work(session)
    return asyncio.run(main())


def post(session: Session, body: dict[str, Any] | None = None) -> Awaitable[Any]:
    return session.post_json("/v1/chat/completions", body or {"x": 1})


# ------------------------------------------------------------------------------------------
# pure helpers


@pytest.mark.parametrize(("url", "shown"), [
    ("http://alice:s3cret@127.0.0.1:8080/v1?key=abc#frag", "http://127.0.0.1:8080/v1"),
    ("https://token@api.example.com/v1/", "https://api.example.com/v1/"),
    ("http://[::1]:9000/x", "http://[::1]:9000/x"),
    ("http://localhost", "http://localhost"),
])
def test_redact_drops_userinfo_query_and_fragment(url: str, shown: str) -> None:
    assert redact(url) == shown


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:1/", True),
    ("http://127.8.9.10/", True),
    ("http://[::1]:80/", True),
    ("http://localhost:8080", True),
    ("http://LocalHost", True),
    ("http://judge.localhost/", True),
    ("http://192.0.2.1:8080/", False),
    ("http://0.0.0.0:8080/", False),
    ("http://localhost.example.com/", False),
    ("http://127.0.0.1.nip.io/", False),
    ("https://api.openai.com/v1", False),
    ("http://user:pw@127.0.0.1@192.0.2.1/", False),
])
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_retry_after_seconds_and_http_dates() -> None:
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds("1") == 1.0
    assert retry_after_seconds(" 2 ") == 2.0
    assert retry_after_seconds("86400") == MAX_RETRY_AFTER
    assert retry_after_seconds("-1") is None
    assert retry_after_seconds("soon") is None
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert retry_after_seconds(date, now=now) == pytest.approx(7.0)
    past = email.utils.formatdate(now - 100, usegmt=True)
    assert retry_after_seconds(past, now=now) == 0.0
    far = email.utils.formatdate(now + 3600, usegmt=True)
    assert retry_after_seconds(far, now=now) == MAX_RETRY_AFTER


# ------------------------------------------------------------------------------------------
# what may be contacted


def test_remote_url_is_refused_before_any_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(socket.socket, "connect", forbidden)
    with pytest.raises(RemoteNotAllowed) as caught:
        Session(settings("http://alice:s3cret@192.0.2.1:8080/v1"))
    message = str(caught.value)
    assert "http://192.0.2.1:8080/v1 is not on this machine" in message
    assert "s3cret" not in message and "alice" not in message
    Session(settings("http://192.0.2.1:8080/v1", allow_remote=True))  # allowed: no connect yet


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "127.0.0.1:8080", "file:///etc/passwd"])
def test_only_http_urls(url: str) -> None:
    with pytest.raises(HttpError, match="must start with http"):
        Session(settings(url))


@pytest.mark.network
def test_loopback_ignores_proxy_settings(stub: StubServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # a "proxy" nobody listens on
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    reply = in_session(settings(stub.url), post)
    assert reply["choices"]
    assert len(stub.posts()) == 1


# ------------------------------------------------------------------------------------------
# headers and the token


@pytest.mark.network
def test_token_is_sent_as_bearer_and_user_agent_is_set(stub: StubServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_TOKEN", TOKEN)
    in_session(settings(stub.url, token_env="JUDGE_TOKEN"), post)
    headers = stub.posts()[0].headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["user-agent"] == f"qa-provenance/{__version__}"
    assert headers["content-type"] == "application/json"


@pytest.mark.network
def test_no_token_no_authorization_header(stub: StubServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUDGE_TOKEN", raising=False)
    in_session(settings(stub.url, token_env="JUDGE_TOKEN"), post)
    assert "authorization" not in stub.posts()[0].headers


@pytest.mark.network
def test_an_echoed_token_is_scrubbed_from_errors(stub: StubServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_TOKEN", TOKEN)
    stub.script(echo_authorization(401))
    with pytest.raises(HttpError) as caught:
        in_session(settings(stub.url, token_env="JUDGE_TOKEN"), post)
    message = str(caught.value)
    assert "HTTP 401" in message and "invalid key" in message
    assert TOKEN not in message and TOKEN[:12] not in message


@pytest.mark.network
def test_an_echoed_token_at_the_cut_off_leaves_no_part_behind(
        stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The error hint is shortened to 200 characters: a token across that edge must not leak."""
    monkeypatch.setenv("JUDGE_TOKEN", TOKEN)
    padding = "x" * 185
    stub.script(lambda request: json_response(
        {"error": {"message": f"{padding} {request.headers['authorization']}"}}, 403))
    with pytest.raises(HttpError) as caught:
        in_session(settings(stub.url, token_env="JUDGE_TOKEN"), post)
    assert "sk-test" not in str(caught.value)


# ------------------------------------------------------------------------------------------
# retries


@pytest.mark.network
def test_429_with_retry_after_is_honoured(stub: StubServer) -> None:
    stub.script(status(429, headers={"Retry-After": "1"}))
    session_box: list[Session] = []

    async def work(session: Session) -> Any:
        session_box.append(session)
        return await post(session)

    assert in_session(settings(stub.url), work)["choices"]
    first, second = stub.posts()
    assert 0.9 <= second.time - first.time < 3.0
    assert session_box[0].retries == 1 and session_box[0].requests_sent == 2


@pytest.mark.network
def test_500_then_success(stub: StubServer) -> None:
    stub.script(status(500), status(503))
    assert in_session(settings(stub.url), post)["choices"]
    assert len(stub.posts()) == 3


@pytest.mark.network
def test_retries_give_up_after_max_attempts(stub: StubServer) -> None:
    stub.script(*[status(502)] * 5)
    with pytest.raises(HttpError) as caught:
        in_session(settings(stub.url, max_attempts=3), post)
    assert str(caught.value) == (f"POST {stub.url}/v1/chat/completions: HTTP 502 "
                                 "(gave up after 3 attempts)")
    assert len(stub.posts()) == 3


@pytest.mark.network
def test_client_errors_are_not_retried(stub: StubServer) -> None:
    stub.script(status(400, {"error": {"message": "bad   model\nname"}}))
    with pytest.raises(HttpError) as caught:
        in_session(settings(stub.url), post)
    assert str(caught.value).endswith("HTTP 400 (bad model name)")
    assert len(stub.posts()) == 1


@pytest.mark.network
def test_404_is_none_when_missing_is_fine(stub: StubServer) -> None:
    assert in_session(settings(stub.url), lambda s: s.get_json("/info", missing_ok=True)) is None
    with pytest.raises(HttpError, match="HTTP 404"):
        in_session(settings(stub.url), lambda s: s.get_json("/info"))


@pytest.mark.network
@pytest.mark.parametrize(("behaviour", "kind"), [
    (raw(b"<html><body>Bad gateway</body></html>", "text/html; charset=utf-8"), "text/html"),
    (raw(b'{"choices": [', "application/json"), "application/json"),
    (raw(b"", "application/json"), "application/json"),
])
def test_a_reply_that_is_not_json_is_an_error_not_retried(stub: StubServer, behaviour: Any,
                                                          kind: str) -> None:
    stub.script(behaviour)
    with pytest.raises(HttpError) as caught:
        in_session(settings(stub.url), post)
    assert f"the reply is not JSON ({kind})" in str(caught.value)
    assert len(stub.posts()) == 1


@pytest.mark.network
def test_read_timeout_fires_and_is_retried_then_given_up(stub: StubServer) -> None:
    stub.script(hang(), hang())
    quick = Timeouts(connect=2.0, read=0.3, write=2.0, pool=2.0)
    start = time.monotonic()
    with pytest.raises(HttpError) as caught:
        in_session(settings(stub.url, timeouts=quick, max_attempts=2), post)
    assert "read timeout" in str(caught.value)
    assert "gave up after 2 attempts" in str(caught.value)
    assert time.monotonic() - start < 3.0


@pytest.mark.network
def test_connection_closed_mid_body_is_retried(stub: StubServer) -> None:
    stub.script(cut())
    assert in_session(settings(stub.url), post)["choices"]
    assert len(stub.posts()) == 2


@pytest.mark.network
def test_connection_closed_mid_body_every_time(stub: StubServer) -> None:
    stub.script(cut(), cut())
    with pytest.raises(HttpError, match="closed the connection mid-reply"):
        in_session(settings(stub.url, max_attempts=2), post)


@pytest.mark.network
def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(HttpError) as caught:
        in_session(settings(url, max_attempts=2), post)
    assert "connection failed" in str(caught.value)


@pytest.mark.network
def test_budget_counts_every_request_including_retries(stub: StubServer) -> None:
    stub.script(status(500))
    sessions: list[Session] = []

    async def work(session: Session) -> None:
        sessions.append(session)
        await post(session)  # 500, then success: two requests
        with pytest.raises(BudgetExhausted, match="request budget of 3 spent"):
            await post(session)
            await post(session)

    in_session(settings(stub.url, max_requests=3), work)
    assert len(stub.posts()) == 3
    assert sessions[0].requests_sent == 3


@pytest.mark.network
def test_budget_holds_when_more_requests_wait_than_run(stub: StubServer) -> None:
    async def work(session: Session) -> list[Any]:
        return await asyncio.gather(*(post(session) for _ in range(10)), return_exceptions=True)

    results = in_session(settings(stub.url, concurrency=2, max_requests=3), work)
    assert sum(isinstance(r, BudgetExhausted) for r in results) == 7
    assert len(stub.posts()) == 3


@pytest.mark.network
def test_concurrency_is_bounded(stub: StubServer) -> None:
    import threading

    active = [0, 0]  # now, peak
    guard = threading.Lock()

    def slow(request: Any) -> Any:
        with guard:
            active[0] += 1
            active[1] = max(active[1], active[0])
        time.sleep(0.05)
        with guard:
            active[0] -= 1
        return json_response({"ok": True})

    stub.default = slow

    async def work(session: Session) -> list[Any]:
        return await asyncio.gather(*(post(session) for _ in range(12)))

    assert len(in_session(settings(stub.url, concurrency=3), work)) == 12
    assert active[1] <= 3


# ------------------------------------------------------------------------------------------
# fault injection with httpx.MockTransport


def mocked(config: HttpSettings, handler: Callable[[httpx.Request], httpx.Response],
           work: Callable[[Session], Awaitable[T]], waits: list[float],
           monkeypatch: pytest.MonkeyPatch) -> T:
    """Run ``work`` with the session's client answering from ``handler``; record the waits
    tenacity is told to sleep, and sleep none of them."""
    original = Session._wait

    def record(self: Session, state: Any) -> float:
        waits.append(original(self, state))
        return 0.0

    monkeypatch.setattr(Session, "_wait", record)

    async def main() -> T:
        async with Session(config) as session:
            await session._client.aclose()
            session._client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
            return await work(session)

    return asyncio.run(main())


def test_retry_after_as_an_http_date_sets_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    replies = [
        httpx.Response(503, headers={"Retry-After": email.utils.formatdate(
            time.time() + 5, usegmt=True)}),
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(200, json={"ok": True}),
    ]
    waits: list[float] = []
    result = mocked(settings("http://127.0.0.1:9"), lambda request: replies.pop(0), post,
                    waits, monkeypatch)
    assert result == {"ok": True}
    assert 3.0 < waits[0] <= 5.0  # the date's second resolution
    assert waits[1] == 2.0


def test_backoff_without_retry_after_grows_with_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    with pytest.raises(HttpError, match="HTTP 500"):
        mocked(settings("http://127.0.0.1:9", backoff=1.0, max_attempts=5),
               lambda request: httpx.Response(500), post, waits, monkeypatch)
    # tenacity computes a wait after the last attempt too (it never sleeps it)
    assert len(waits) in (4, 5)
    for attempt, wait in enumerate(waits):
        cap = min(2.0 ** attempt, 8.0)
        assert cap / 2 <= wait <= cap


def test_408_425_and_connect_errors_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            return httpx.Response(408)
        if len(calls) == 3:
            return httpx.Response(425)
        return httpx.Response(200, json={"ok": 1})

    waits: list[float] = []
    assert mocked(settings("http://127.0.0.1:9"), handler, post, waits, monkeypatch) == {"ok": 1}
    assert len(calls) == 4


def test_an_unexpected_transport_error_is_reported_by_class_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.UnsupportedProtocol(f"secret detail {TOKEN}", request=request)

    with pytest.raises(HttpError) as caught:
        mocked(settings("http://127.0.0.1:9"), handler, post, [], monkeypatch)
    assert str(caught.value) == "POST http://127.0.0.1:9/v1/chat/completions: UnsupportedProtocol"
