"""An exclusive advisory lock on a folder, held around each read-modify-write of a provenance file.

The atomic rename alone keeps a file whole, but two runs that both read it, change it and write
it back would each drop the other's change. ``stamp`` and ``spot-check --record`` lock the folder
of the file they rewrite, so such runs take turns. Locking the folder itself leaves no lock file
behind to clean up or to be committed. Where ``flock`` is missing (Windows) the lock is a no-op:
writes stay atomic, only concurrent runs are not serialised.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (blocking until it is free); released on exit, and by
    the system when the process dies. Not reentrant: do not nest two locks on one folder."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no flock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
