"""Worker processes: fresh interpreters running one of this package's modules.

Python code that holds the GIL (counting a JSONL file's lines, parsing its records) only uses a
second core from another process. Workers are started as ``python -m provenance.<module>``, never
forked (a run has threads that a fork would copy mid-flight) nor started through multiprocessing
(which re-runs the caller's main module). They talk through pipes, one length-prefixed pickle per
message; whatever goes wrong with a worker, the caller does the work itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

_LENGTH = 8


def cores() -> int:
    """The cores this process may run on (a CI container often has fewer than the machine)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def start(module: str) -> subprocess.Popen[bytes]:
    """A worker running ``module`` (OSError when it cannot start); its stderr is discarded, so a
    crash shows as a closed pipe, not as a traceback in the user's terminal."""
    from provenance.reading import limits

    env = {**os.environ, **limits.environment()}  # read with the run's limits
    here = str(Path(__file__).resolve().parents[2])  # wherever the parent found the package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    return subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)


def each_once(module: str, requests: Sequence[Any]) -> list[Any] | None:
    """One worker per request, all at once, their replies in request order; None when a worker
    could not start or died (the caller then does the work itself)."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for request in requests:
            worker = start(module)
            started.append(worker)
            assert worker.stdin is not None
            send(worker.stdin, request)
        replies = []
        for worker in started:
            assert worker.stdout is not None
            replies.append(receive(worker.stdout))
        return replies
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    finally:
        stop_all(started)


def send(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_LENGTH, "big") + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """The next message; EOFError when the other side is gone."""
    header = stream.read(_LENGTH)
    if len(header) < _LENGTH:
        raise EOFError("worker pipe closed")
    size = int.from_bytes(header, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("worker pipe closed")
    return pickle.loads(data)


def stop_all(started: list[subprocess.Popen[bytes]]) -> None:
    """Close every input first (a worker ends at end of input), so that they all shut down at
    once, then wait; kill one that lingers. Called while a Ctrl-C unwinds, it kills them at once:
    a worker in the middle of a part would not look at its input before the part ends."""
    pending = sys.exc_info()[0]
    interrupted = pending is not None and not issubclass(pending, Exception)
    for worker in started:
        with contextlib.suppress(OSError):
            if worker.stdin is not None:
                worker.stdin.close()
    for worker in started:
        if not interrupted:
            try:
                worker.wait(timeout=5)
                continue
            except subprocess.TimeoutExpired:
                pass
        worker.kill()
        worker.wait()
