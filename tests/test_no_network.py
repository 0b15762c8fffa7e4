"""`check` never touches the network: the guard of tests/conftest.py, and check runs under it.

Every test not marked ``network`` runs with sockets forbidden, in the test process and in the Python
programs it starts (tests/nosocket/sitecustomize.py). These tests show the guard refuses what it
should, allows what it must (asyncio's AF_UNIX self-pipe, a ``network`` test's loopback use), and
that full ``check`` runs over every real sample format pass under it, in-process and as a
subprocess, as does a local ``spot-check``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import NOSOCKET, REAL, Repo, Runner, SocketForbidden, SocketState, socket_guard

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REFUSED = "sockets are forbidden in this test"


def _refused(attempt: Callable[[], Any]) -> list[str]:
    """Run ``attempt``, which must be refused; return (and clear) what the guard recorded, so the
    deliberate refusal does not fail this test at teardown."""
    with pytest.raises(SocketForbidden, match=REFUSED):
        attempt()
    refused, SocketState.refused = SocketState.refused, []
    return refused


@pytest.mark.parametrize(("attempt", "recorded"), [
    (lambda: socket.create_connection(("127.0.0.1", 9), timeout=1), "socket.getaddrinfo"),
    (lambda: socket.socket().close(), "address family 2"),
    (lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close(), "address family 10"),
    (lambda: socket.getaddrinfo("localhost", 80), "socket.getaddrinfo"),
    (lambda: socket.gethostbyname("localhost"), "socket.gethostbyname"),
    (lambda: socket.gethostbyaddr("127.0.0.1"), "socket.gethostbyaddr"),
    (lambda: socket.getnameinfo(("127.0.0.1", 80), 0), "socket.getnameinfo"),
], ids=["create_connection", "inet", "inet6", "getaddrinfo", "gethostbyname", "gethostbyaddr",
        "getnameinfo"])
def test_the_network_is_refused_in_the_test_process(attempt: Callable[[], Any],
                                                    recorded: str) -> None:
    [what] = _refused(attempt)
    assert recorded in what


def test_unix_sockets_can_be_made_but_connect_nowhere(tmp_path: Path) -> None:
    """asyncio's event loop opens an AF_UNIX socketpair for its self-pipe (spot-check runs on
    asyncio.run): creating one is allowed; connecting or binding one is not."""
    asyncio.run(asyncio.sleep(0))
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"x")
        assert right.recv(1) == b"x"
    with socket.socket(socket.AF_UNIX) as unix:
        [bind] = _refused(lambda: unix.bind(str(tmp_path / "s")))
        [connect] = _refused(lambda: unix.connect("/run/anything.sock"))
    assert bind.startswith("socket.bind") and connect.startswith("socket.connect")


def test_a_refusal_the_code_swallows_is_still_recorded() -> None:
    """The fixture fails a test whose code caught the error (here: as any Exception)."""
    with contextlib.suppress(Exception):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    refused, SocketState.refused = SocketState.refused, []
    assert refused and refused[0].startswith("socket.getaddrinfo")


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd,
                          timeout=60)


@pytest.mark.parametrize("code", [
    "import socket; socket.socket()",
    "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
    "except BaseException:\n    pass\nprint('swallowed')",
    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9/', timeout=1)",
    "import threading, socket\n"
    "t = threading.Thread(target=lambda: socket.getaddrinfo('localhost', 80))\nt.start(); t.join()"
    "\nprint('after the thread')",
], ids=["socket", "swallowed", "urllib", "thread"])
def test_a_python_started_by_the_test_cannot_open_a_socket(code: str) -> None:
    result = _python(code)
    assert result.returncode == socket_guard.EXIT_STATUS, result.stdout + result.stderr
    assert f"qa-provenance test guard: {REFUSED}" in result.stderr
    assert "<string>" in result.stderr  # where the attempt was made
    assert "swallowed" not in result.stdout and "after the thread" not in result.stdout


def test_a_python_started_by_the_test_may_run_an_event_loop() -> None:
    result = _python("import asyncio; asyncio.run(asyncio.sleep(0)); print('ok')")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr


def test_the_child_guard_loads_no_module_of_its_own_but_itself() -> None:
    """tests/test_startup.py counts the modules a check loads: the guard may add only itself."""
    code = "import sys; print(' '.join(sorted(sys.modules)))"
    guarded = set(_python(code).stdout.split())
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={k: v for k, v in os.environ.items()
                                if k not in (socket_guard.ENV, "PYTHONPATH")}).stdout.split()
    assert guarded - set(plain) == {"sitecustomize"}


@pytest.mark.network
def test_a_network_test_may_use_loopback() -> None:
    """A ``network`` test runs without the guard, and so do the programs it starts."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    result = _python("import socket; socket.socket().close(); print('ok')")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr


# check over every real sample format, with sockets forbidden


@pytest.fixture
def samples(repo: Repo) -> Repo:
    """The example data repository (its configuration, sidecars, manifest and embedded records)
    with every real sample of tests/fixtures/real under data/real: JSON, JSONL, CSV, Parquet, Git
    LFS pointers, dataset cards, Croissant metadata naming URLs, a malformed file."""
    shutil.copytree(EXAMPLES, repo.root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".qa-provenance-cache"))
    shutil.copytree(REAL, repo.path("data/real"))
    return repo


def _assert_checked(code: int, out: str, err: str) -> None:
    assert code == 1, out + err  # the examples fail on purpose; nothing is inconclusive
    assert REFUSED not in out + err and "Traceback" not in err
    assert "data files checked" in out
    assert "data/self_judged.jsonl" in out and "QP010" in out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_check_in_process_opens_no_socket(samples: Repo, run: Runner, fmt: str) -> None:
    result = run("check", "--format", fmt, "--summary-file", "summary.md")
    if fmt == "text":
        _assert_checked(result.code, result.out, result.err)
    assert result.code == 1, result.out + result.err
    assert "data/self_judged.jsonl" in result.out
    assert "data/self_judged.jsonl" in samples.read("summary.md")
    assert SocketState.refused == []


def test_check_as_a_subprocess_opens_no_socket(samples: Repo) -> None:
    result = subprocess.run([sys.executable, "-m", "provenance", "check", "-v"],
                            cwd=samples.root, capture_output=True, text=True, timeout=120)
    _assert_checked(result.returncode, result.stdout, result.stderr)
    assert str(NOSOCKET) in os.environ["PYTHONPATH"]  # the child ran guarded


def test_local_spot_check_as_a_subprocess_opens_no_socket(samples: Repo) -> None:
    """The embedded verifier needs no server: with asyncio's self-pipe, nothing else is opened."""
    result = subprocess.run([sys.executable, "-m", "provenance", "spot-check"],
                            cwd=samples.root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert REFUSED not in result.stdout + result.stderr and "Traceback" not in result.stderr
    assert "data/landmarks_unverified.jsonl" in result.stdout
