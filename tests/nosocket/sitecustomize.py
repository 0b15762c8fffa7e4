"""The test suite's socket guard, for the Python programs the tests start.

``tests/conftest.py`` forbids sockets for every test not marked ``network``: in its own process
with an audit hook, and in child processes (``python -m provenance check ...``, pre-commit and
the hook it runs, and their own children) by putting this folder first on ``PYTHONPATH`` and
setting ``QA_PROVENANCE_TEST_FORBID_SOCKETS=1``. Python imports ``sitecustomize`` at start-up,
so each such child installs the same audit hook before running any code of its own.

Refused: creating any socket but an AF_UNIX one, and on any socket ``connect``, ``bind``,
``sendto`` and ``sendmsg``; name and service look-ups (``getaddrinfo``, ``gethostbyname`` and
``gethostbyname_ex``, ``gethostbyaddr``, ``getnameinfo``, ``getservbyname``, ``getservbyport``).
AF_UNIX sockets may be *created* because ``asyncio`` opens a ``socketpair()`` for its event loop's
self-pipe (``spot-check`` runs on ``asyncio.run``, even with the local verifier); with connect and
bind refused, such a socket can only talk to its own pair. ``gethostname()`` is allowed: it reads
the kernel's name and sends nothing.

A refused event in a child prints what was attempted and where on stderr and ends the process
with exit status 86 at once (``os._exit``): no ``except`` clause in the program can swallow it.
Only ``sys`` and ``os`` are imported (both are loaded at start-up anyway; not even
``__future__``): tests/test_startup.py
asserts which modules a check loads. This module is also loaded by conftest.py, which uses
``refusal`` for its in-process hook.
"""

import os
import sys

ENV = "QA_PROVENANCE_TEST_FORBID_SOCKETS"
EXIT_STATUS = 86
AF_UNIX = 1  # socket.AF_UNIX on Linux, macOS and the BSDs; the socket module is not imported here

_REFUSED_EVENTS = frozenset({
    "socket.bind", "socket.connect", "socket.sendto", "socket.sendmsg",
    "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo",
    "socket.getservbyname", "socket.getservbyport", "socket.sethostname",
})


def refusal(event: str, args: tuple[object, ...]) -> "str | None":  # no __future__ import
    """Why the audit event ``event`` is refused, or None when it is allowed."""
    if not event.startswith("socket."):
        return None
    if event == "socket.__new__":  # args: the socket, family, type, proto
        if args[1] == AF_UNIX:
            return None
        return f"a socket of address family {args[1]!r} (socket.__new__)"
    if event in _REFUSED_EVENTS:
        shown = args[1:] if event in ("socket.bind", "socket.connect", "socket.sendto",
                                      "socket.sendmsg") else args
        return f"{event}{tuple(shown)!r}"
    return None


def message(what: str) -> str:
    return (f"sockets are forbidden in this test, refused: {what}. qa-provenance check must not "
            "touch the network; a test that needs a loopback server is marked `network` "
            "(tests/conftest.py, tests/nosocket/sitecustomize.py)")


def _child_hook(event: str, args: tuple[object, ...]) -> None:
    what = refusal(event, args)
    if what is None:
        return
    lines = [f"qa-provenance test guard: {message(what)}", "  most recent call first:"]
    depth = 1
    while True:
        try:
            frame = sys._getframe(depth)
        except ValueError:  # past the outermost frame
            break
        lines.append(f"    {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        depth += 1
    try:  # fd 2 rather than sys.stderr, which may be None or replaced
        os.write(2, ("\n".join(lines) + "\n").encode("utf-8", "replace"))
    finally:
        os._exit(EXIT_STATUS)


if __name__ == "sitecustomize" and os.environ.get(ENV) == "1":
    sys.addaudithook(_child_hook)
