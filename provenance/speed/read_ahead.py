"""Reading data files on background threads, a few files ahead of the checks that use them.

Reading is hashing and line counting, and hashlib releases the GIL: while one file's rules run on
the main thread, the next files are already being read, so a run over large files costs little
more than reading them. At most ``workers + ahead`` files' facts are held at a time (a JSON
file's facts hold its document). Only files of at least ``schedule.READ_AHEAD_MIN_BYTES`` go
through it: for a small file the hand-over costs more than it saves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from provenance.speed.workers import cores

T = TypeVar("T")


def default_workers() -> int:
    """One reader per core, up to two: each reader already keeps a hashing thread busy."""

    return min(2, cores())


class ReadAhead(Generic[T]):
    """``take(name)`` hands out ``read(name)`` for ``names`` in order, computed ahead of time."""

    def __init__(self, names: Sequence[str], read: Callable[[str], T], *,
                 workers: int | None = None, ahead: int = 1) -> None:
        self._names = list(names)
        self._read = read
        self._window = (workers or default_workers()) + ahead
        self._pool = ThreadPoolExecutor(max_workers=workers or default_workers(),
                                        thread_name_prefix="qa-provenance-read")
        self._pending: dict[str, Future[T]] = {}
        self._next = 0
        self._fill()

    def _fill(self) -> None:
        while self._next < len(self._names) and len(self._pending) < self._window:
            name = self._names[self._next]
            self._next += 1
            if name not in self._pending:
                self._pending[name] = self._pool.submit(self._read, name)

    def take(self, name: str) -> T:
        """The facts for ``name``, waited for."""
        return self.claim(name).result()

    def claim(self, name: str) -> Future[T]:
        """The facts for ``name`` to come (being read, or read now if it never was), without
        waiting: for work on the same file that can go on meanwhile."""
        future = self._pending.pop(name, None)
        if future is None:
            future = self._pool.submit(self._read, name)
        self._fill()
        return future

    def close(self) -> None:
        """Stop reading ahead: files not yet started are never opened."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
