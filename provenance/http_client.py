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
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 120.0
    write: float = 30.0
    pool: float = 30.0


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


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """RFC 9110 Retry-After: delay-seconds or an HTTP-date; None when absent or unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    delay = when.timestamp() - (time.time() if now is None else now)
    return min(max(delay, 0.0), MAX_RETRY_AFTER)


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
        from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

        where = f"{method} {redact(self.base + path)}"
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.settings.max_attempts),
                retry=retry_if_exception_type(_Retryable),
                wait=self._wait,
                reraise=True,
            ):
                with attempt:
                    if attempt.retry_state.attempt_number > 1:
                        self.retries += 1
                    return await self._once(method, path, body, where, missing_ok)
        except _Retryable as exc:
            raise HttpError(f"{where}: {exc} (gave up after {self.settings.max_attempts} "
                            "attempts)") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: Any) -> float:
        import random

        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return error.retry_after
        cap = min(self.settings.backoff * 2 ** (state.attempt_number - 1), 8.0)
        return random.uniform(cap / 2, cap)

    async def _once(self, method: str, path: str, body: Mapping[str, Any] | None, where: str,
                    missing_ok: bool) -> Any:
        import httpx

        async with self._semaphore:
            # Checked once a slot is held: a request that waited for one must not overspend.
            if self.settings.max_requests is not None \
                    and self.requests_sent >= self.settings.max_requests:
                raise BudgetExhausted(f"request budget of {self.settings.max_requests} spent")
            self.requests_sent += 1
            content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
            try:
                response = await self._client.request(
                    method, self.base + path, content=content,
                    headers=_JSON_HEADERS if content is not None else None)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
                    httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError,
                    httpx.ReadError, httpx.WriteError) as exc:
                raise _Retryable(_describe(exc)) from None
            except httpx.HTTPError as exc:
                raise HttpError(f"{where}: {_describe(exc)}") from None
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Retryable(f"HTTP {status}",
                             retry_after_seconds(response.headers.get("retry-after")))
        if missing_ok and status == 404:
            return None
        if status >= 400:
            raise HttpError(f"{where}: HTTP {status}{_error_detail(response, self.scrub)}")
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise HttpError(f"{where}: the reply is not JSON ({kind})") from None


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
