"""The one place that talks HTTP: an httpx AsyncClient per run, retries, a budget, loopback rules.

Everything network-facing is here so the rest of the tool never sees httpx (and a swap to a fork
is one import). Records leave the machine only when the user allows it; the token comes from an
environment variable and never appears in a message, because messages are built here from the
method, a redacted URL and the error class, never from httpx's own text.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from provenance import __version__

_JSON_HEADERS = {"Content-Type": "application/json"}
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


class HttpError(Exception):
    """A request that failed for good; the message is safe to print (no token, no userinfo)."""


class RemoteNotAllowed(HttpError):
    """The URL is not on this machine and the configuration does not allow remote verifiers."""


class BudgetExhausted(HttpError):
    """The run's request budget is spent."""


class _Retryable(Exception):
    def __init__(self, message: str, asked: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.asked = asked  # the server's Retry-After in seconds, uncapped
        self.status = status


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 120.0
    write: float = 30.0
    pool: float = 30.0
    # Wall-clock limit on one request: every attempt from connecting to the last byte of the
    # reply, and the waits between attempts (not the time queued behind the run's other
    # requests). The read timeout bounds each read; only this bounds a server that trickles.
    total: float = 300.0


@dataclass
class _Clock:
    """The time one request has used of its `total`: its attempts and the waits between them."""

    limit: float
    spent: float = 0.0
    last: str = ""  # why the previous attempt failed

    def left(self) -> float:
        return self.limit - self.spent


@dataclass
class HttpSettings:
    url: str
    token_env: str | None = None
    allow_remote: bool = False
    concurrency: int = 8
    max_requests: int | None = None
    max_attempts: int = 4
    timeouts: Timeouts = field(default_factory=Timeouts)
    backoff: float = 0.5  # first retry waits up to this many seconds, doubling each time, max 8 s


def redact(url: str) -> str:
    """The URL without userinfo, query or fragment: what may appear in messages and reports."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token(settings: HttpSettings) -> str | None:
    if not settings.token_env:
        return None
    return os.environ.get(settings.token_env) or None


def retry_after_seconds(value: str | None, now: float | None = None,
                        cap: float | None = MAX_RETRY_AFTER) -> float | None:
    """RFC 9110 Retry-After: delay-seconds or an HTTP-date; None when absent or unusable.

    At most ``cap`` seconds (None: the server's value as it is).
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, OverflowError):
            return None
        delay = max(when.timestamp() - (time.time() if now is None else now), 0.0)
    return delay if cap is None else min(delay, cap)


class Session:
    """One AsyncClient for the run, bounded concurrency, retries with backoff, a request budget."""

    def __init__(self, settings: HttpSettings) -> None:
        if not settings.url.startswith(("http://", "https://")):
            raise HttpError(f"verifier URL must start with http:// or https://: "
                            f"{redact(settings.url)}")
        if not settings.allow_remote and not is_loopback(settings.url):
            raise RemoteNotAllowed(
                f"{redact(settings.url)} is not on this machine; records would leave it. Set "
                "verifier.allow_remote: true to allow that"
            )
        self.settings = settings
        self.base = settings.url.rstrip("/")
        self.requests_sent = 0
        self.retries = 0
        # Set when the server asks for a longer pause than this client waits: until then every
        # request fails at once with this message instead of adding to the storm.
        self._paused_until = 0.0
        self._paused_why = ""
        self._client: Any = None
        self._semaphore = asyncio.Semaphore(settings.concurrency)
        self._secret = token(settings)

    def scrub(self, text: str) -> str:
        """Text from the server, with the token blanked out should the server echo it back."""
        return text.replace(self._secret, "***") if self._secret else text

    async def __aenter__(self) -> Session:
        import httpx

        t = self.settings.timeouts
        headers = {"User-Agent": f"qa-provenance/{__version__}", "Accept": "application/json"}
        if self._secret:
            headers["Authorization"] = f"Bearer {self._secret}"
        size = self.settings.concurrency  # the semaphore never lets more wait for the pool
        self._client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
            timeout=httpx.Timeout(t.read, connect=t.connect, read=t.read, write=t.write,
                                  pool=t.pool),
            headers=headers,
            follow_redirects=False,
            # A loopback verifier is reached directly: never through an HTTP(S)_PROXY from the
            # environment, which would send the records (and the token) to the proxy's host.
            trust_env=not is_loopback(self.settings.url),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get_json(self, path: str, *, missing_ok: bool = False) -> Any:
        return await self._request("GET", path, None, missing_ok=missing_ok)

    async def post_json(self, path: str, body: Mapping[str, Any]) -> Any:
        return await self._request("POST", path, body)

    async def _request(self, method: str, path: str, body: Mapping[str, Any] | None, *,
                       missing_ok: bool = False) -> Any:
        from tenacity import AsyncRetrying, retry_if_exception_type

        where = f"{method} {redact(self.base + path)}"
        clock = _Clock(self.settings.timeouts.total)
        attempts = self.settings.max_attempts
        planned: dict[int, float] = {}

        def plan(state: Any) -> float:
            # tenacity asks for the wait and whether to stop in an order that depends on its
            # version: the wait is drawn once per attempt and both see the same one.
            if state.attempt_number not in planned:
                planned[state.attempt_number] = self._wait(state)
            return planned[state.attempt_number]

        def stop(state: Any) -> bool:
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, _Retryable):
                clock.last = _what(error)
            if state.attempt_number >= attempts:
                return True
            asked = error.asked if isinstance(error, _Retryable) else None
            if asked is not None and (asked > MAX_RETRY_AFTER or asked >= clock.left()):
                return True  # the server wants a longer pause than this request may take
            return plan(state) >= clock.left()

        def wait(state: Any) -> float:
            return max(min(plan(state), clock.left()), 0.0)

        def slept(state: Any) -> None:  # called only for a wait that is slept
            clock.spent += state.next_action.sleep

        number = 0
        try:
            async for attempt in AsyncRetrying(
                stop=stop,
                retry=retry_if_exception_type(_Retryable),
                wait=wait,
                before_sleep=slept,
                reraise=True,
            ):
                with attempt:
                    number = attempt.retry_state.attempt_number
                    if number > 1:
                        self.retries += 1
                    return await self._once(method, path, body, where, missing_ok, clock, number)
        except _Retryable as exc:
            raise HttpError(self._gave_up(where, exc, clock, number)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: Any) -> float:
        import random

        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.asked is not None:
            return min(error.asked, MAX_RETRY_AFTER)
        cap = min(self.settings.backoff * 2 ** (state.attempt_number - 1), 8.0)
        return random.uniform(cap / 2, cap)

    def _gave_up(self, where: str, exc: _Retryable, clock: _Clock, number: int) -> str:
        """The one line saying why a request was given up: safe to print, names the URL."""
        what = _what(exc)
        asked, total = exc.asked, self.settings.timeouts.total
        if asked is not None and asked > MAX_RETRY_AFTER:
            if time.monotonic() < self._paused_until:
                return self._paused_why  # a request that was in flight: the same one line
            why = (f"{where}: {what}, and the server asks to wait {_seconds(asked)} s, more "
                   f"than the {MAX_RETRY_AFTER:.0f} s this client waits; nothing more is sent "
                   "to it until then")
            self._paused_until = time.monotonic() + asked
            self._paused_why = why
            return why
        if number >= self.settings.max_attempts:
            return f"{where}: {what} (gave up after {number} attempts)"
        if asked is not None and asked > 0 and clock.left() > 0:
            return (f"{where}: {what}, and the server asks to wait {_seconds(asked)} s, past "
                    f"the request's {total:g} s limit (timeout.total)")
        return (f"{where}: {what} (gave up after {number} attempts: the request's {total:g} s "
                "limit (timeout.total) leaves no time for another)")

    async def _once(self, method: str, path: str, body: Mapping[str, Any] | None, where: str,
                    missing_ok: bool, clock: _Clock, number: int) -> Any:
        import httpx

        async with self._semaphore:
            # Checked once a slot is held: a request that waited for one must not overspend.
            if time.monotonic() < self._paused_until:
                raise HttpError(self._paused_why)
            if self.settings.max_requests is not None \
                    and self.requests_sent >= self.settings.max_requests:
                raise BudgetExhausted(f"request budget of {self.settings.max_requests} spent")
            self.requests_sent += 1
            content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
            started = time.monotonic()
            try:
                # The whole exchange, body included, within what is left of the request's
                # limit: a server trickling a byte at a time never trips the read timeout.
                response = await asyncio.wait_for(self._client.request(
                    method, self.base + path, content=content,
                    headers=_JSON_HEADERS if content is not None else None),
                    timeout=max(clock.left(), 0.001))
            except asyncio.TimeoutError:
                tries = f"; {number} attempts, the one before: {clock.last}" if number > 1 \
                    else ""
                raise HttpError(f"{where}: no complete reply within {clock.limit:g} s (the "
                                f"request's limit, timeout.total{tries})") from None
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
                    httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError,
                    httpx.ReadError, httpx.WriteError) as exc:
                raise _Retryable(_describe(exc)) from None
            except httpx.HTTPError as exc:
                raise HttpError(f"{where}: {_describe(exc)}") from None
            finally:
                clock.spent += time.monotonic() - started
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Retryable(f"HTTP {status}",
                             retry_after_seconds(response.headers.get("retry-after"), cap=None),
                             status)
        if missing_ok and status == 404:
            return None
        if status >= 400:
            raise HttpError(f"{where}: HTTP {status}{_error_detail(response, self.scrub)}")
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise HttpError(f"{where}: the reply is not JSON ({kind})") from None


def _what(exc: _Retryable) -> str:
    return f"rate limited: {exc}" if exc.status == 429 else str(exc)


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _describe(exc: Exception) -> str:
    names = {
        "ConnectError": "connection failed (refused, reset or no such host)",
        "ConnectTimeout": "connect timeout",
        "ReadTimeout": "read timeout (no reply in time)",
        "WriteTimeout": "write timeout",
        "PoolTimeout": "no free connection in time",
        "RemoteProtocolError": "the server closed the connection mid-reply",
        "ReadError": "the connection broke while reading",
        "WriteError": "the connection broke while sending",
    }
    return names.get(type(exc).__name__, type(exc).__name__)


def _error_detail(response: Any, scrub: Callable[[str], str]) -> str:
    """A short, safe hint from an error reply (its `error.message`), when it has one.

    Scrubbed before it is shortened: cutting first could leave part of an echoed token.
    """
    try:
        data = response.json()
    except ValueError:
        return ""
    message = data.get("error") if isinstance(data, dict) else None
    if isinstance(message, dict):
        message = message.get("message")
    if not isinstance(message, str):
        return ""
    message = scrub(" ".join(message.split()))
    return f" ({message[:200]})"
