"""Reading large JSONL and CSV files in worker processes.

Counting a JSONL file's lines and parsing a CSV file are Python work that holds the GIL; done on
threads of the checking process they compete with the rules for it. In a worker process
(``workers``) they use the second core freely, and the check receives each file's few facts. A
worker that cannot start or fails is replaced by reading in this process.
"""

from __future__ import annotations

import pickle
import queue
import subprocess
import sys
import threading
from pathlib import Path

from provenance.reading import datafile
from provenance.speed import workers

FORMATS = ("jsonl", "csv", "tsv")


class InspectWorkers:
    """Up to ``size`` workers, started on first use, shared by the threads that read ahead."""

    def __init__(self, size: int) -> None:
        self._size = size
        # None stands for a worker that failed: whoever waits for it reads in this process.
        self._idle: queue.SimpleQueue[subprocess.Popen[bytes] | None] = queue.SimpleQueue()
        self._started: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._failed = False

    def inspect(self, path: Path) -> datafile.DataFacts:
        worker = self._take()
        if worker is None:
            return datafile.inspect(path)
        try:
            assert worker.stdin is not None and worker.stdout is not None
            workers.send(worker.stdin, path)
            facts: datafile.DataFacts = workers.receive(worker.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            self._failed = True  # no more workers: read here from now on
            self._idle.put(None)
            return datafile.inspect(path)
        self._idle.put(worker)
        return facts

    def _take(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self._failed:
                return None
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
            if len(self._started) < self._size:
                try:
                    worker = workers.start(__name__)
                except OSError:
                    self._failed = True
                    return None
                self._started.append(worker)
                return worker
        return self._idle.get()  # every worker is busy: wait for one

    def close(self) -> None:
        workers.stop_all(self._started)


def _work() -> None:
    """A worker: a path in, its facts out, until the input ends."""
    while True:
        try:
            path = workers.receive(sys.stdin.buffer)
        except EOFError:
            return
        workers.send(sys.stdout.buffer, datafile.inspect(path))


if __name__ == "__main__":
    _work()
