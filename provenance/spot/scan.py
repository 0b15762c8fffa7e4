"""The sampling pass: one file's bottom-k rows, read whole or in parts that merge exactly.

A row's rank depends only on the file's key and the row's position (``sampling.row_rank``), and
a JSONL row's position is its byte offset, which any reader of a byte range knows without reading
what precedes it. So a file can be cut at line boundaries into parts, each part keeps its own
bottom-k, and the bottom-k of the parts' rows together is exactly the bottom-k one pass would
keep: whether the parts ran in processes on one machine (``sample_parts``) or in the jobs of a CI
matrix (``spot-check --shard``). Line numbers are counted per part and shifted when parts are put
back in file order. Every record is still parsed, so a line that is not JSON is found wherever
it is, as before.
"""

from __future__ import annotations

import hashlib
import heapq
import queue
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from provenance.speed import workers

Progress = Callable[[int], None]
PROGRESS_EVERY = 8 << 20  # bytes between two progress reports
_POLL = 0.2  # seconds: how often a waiting parent looks up (Ctrl-C is raised between two looks)


@dataclass(frozen=True)
class Row:
    """One kept row: its rank, its position (byte offset in JSONL, else the record's index), the
    line it is on (counted from the start of its part until parts are merged) and its record."""

    rank: int
    position: int
    data: Any
    location: str
    line: int | None


@dataclass
class PartSample:
    """A part's (or a whole file's) bottom-k rows, smallest (rank, position) first.

    ``count`` is the part's records (duplicates included), ``lines`` its lines (blank ones too,
    so later parts' line numbers can be shifted), ``first`` the data of its first record."""

    count: int = 0
    lines: int = 0
    rows: list[Row] = field(default_factory=list)
    first: Any = None
    has_first: bool = False


def merge(parts: Sequence[PartSample], k: int) -> PartSample:
    """The parts of one file, in file order, as one pass over the file would have sampled it."""
    merged = PartSample()
    rows: list[Row] = []
    for part in parts:
        shift = merged.lines
        for row in part.rows:
            if row.line is not None and row.location.startswith("line "):
                line = row.line + shift
                row = replace(row, line=line, location=f"line {line}")
            rows.append(row)
        if part.has_first and not merged.has_first:
            merged.first, merged.has_first = part.first, True
        merged.count += part.count
        merged.lines += part.lines
    merged.rows = heapq.nsmallest(k, rows, key=lambda r: (r.rank, r.position))
    return merged


def sample_jsonl(path: Path, key: bytes, k: int, start: int = 0, end: int | None = None,
                 progress: Progress | None = None) -> PartSample:
    """The bottom-k of the lines that start in bytes [start, end) (``start`` at a line's start).

    Line numbers count from 1 at ``start``; a ``ReadError`` names the line the same way. A
    compressed file is read whole (``start`` 0), positions counted in the bytes it holds."""
    from provenance.reading.compressed import StreamError, open_data
    from provenance.reading.readers import (
        BLANK_RUN,
        BOM,
        JSON_SPACE,
        ReadError,
        _fast_loads,
        skip_blank_lines,
    )

    loads = _fast_loads()
    keyed = hashlib.blake2b(key=key, digest_size=16)  # copied per row: the key block is done
    from_bytes = int.from_bytes
    heap: list[tuple[int, int, int, Any]] = []  # (-rank, -position, line, data): worst on top
    part = PartSample()
    position, reported, number = start, start, 0
    skipped = blank_run = 0  # lines passed over by skip_blank_lines; blank lines in a row
    try:
        with open_data(path) as handle:
            if start:
                handle.seek(start)
            for index, raw in enumerate(handle, 1):
                number = index + skipped
                if end is not None and position >= end:
                    number -= 1
                    break
                offset = position
                position += len(raw)
                if progress is not None and position - reported >= PROGRESS_EVERY:
                    progress(position - reported)
                    reported = position
                if offset == 0 and raw.startswith(BOM):
                    raw = raw[len(BOM):]
                if not raw.strip(JSON_SPACE):
                    blank_run += 1
                    if blank_run >= BLANK_RUN:
                        lines, size = skip_blank_lines(handle, None if end is None
                                                       else end - position)
                        skipped += lines
                        number += lines  # the last line read so far
                        position += size
                    continue
                blank_run = 0
                try:
                    value = loads(raw)
                except (ValueError, RecursionError):
                    raise ReadError("record is not valid JSON", number) from None
                part.count += 1
                if not part.has_first:
                    part.first, part.has_first = value, True
                row = keyed.copy()  # the same as sampling.row_rank(key, offset), faster
                row.update(offset.to_bytes(8, "big"))
                rank = from_bytes(row.digest(), "big")
                if len(heap) < k:
                    heapq.heappush(heap, (-rank, -offset, number, value))
                elif k and (rank < -heap[0][0] or (rank == -heap[0][0] and offset < -heap[0][1])):
                    heapq.heapreplace(heap, (-rank, -offset, number, value))
    except OSError as exc:
        raise ReadError(f"cannot read data file: {exc.strerror or exc}") from None
    except StreamError as exc:
        raise ReadError(exc.message, number + 1) from None
    if progress is not None and position > reported:
        progress(position - reported)
    part.lines = number
    part.rows = sorted((Row(-r, -p, data, f"line {line}", line) for r, p, line, data in heap),
                       key=lambda row: (row.rank, row.position))
    return part


def sample_items(items: Any, key: bytes, k: int) -> PartSample:
    """The bottom-k of records read whole (JSON, CSV, Parquet), ranked by their index."""
    from provenance.spot.sampling import row_rank

    part = PartSample()
    heap: list[tuple[int, int, Any]] = []
    for index, item in enumerate(items):
        part.count += 1
        if not part.has_first:
            part.first, part.has_first = item.data, True
        rank = row_rank(key, index)
        if len(heap) < k:
            heapq.heappush(heap, (-rank, -index, item))
        elif k and (-rank, -index) > heap[0][:2]:
            heapq.heapreplace(heap, (-rank, -index, item))
    part.rows = sorted((Row(-r, -i, it.data, it.location, it.line) for r, i, it in heap),
                       key=lambda row: (row.rank, row.position))
    return part


# ------------------------------------------------------------------------------------------
# parts on all cores

PARALLEL_MIN_BYTES = 64 << 20  # below this, starting processes costs more than it saves


def parts_for(size: int) -> int:
    """How many processes ``size`` bytes are worth: one per core (at most 8), or 1."""
    return min(workers.cores(), 8) if size >= PARALLEL_MIN_BYTES else 1


def cut(path: Path, start: int, end: int, parts: int) -> list[tuple[int, int]]:
    """Byte ranges [a, b) covering [start, end) (``start`` at a line's start), each starting
    at the beginning of a line: the same ranges for the same bytes, on every machine."""
    starts = [start]
    if parts > 1:
        with open(path, "rb") as handle:
            for index in range(1, parts):
                handle.seek(max(start + (end - start) * index // parts, starts[-1]))
                handle.readline()  # on to the start of the next line
                at = handle.tell()
                if starts[-1] < at < end:
                    starts.append(at)
    return list(zip(starts, [*starts[1:], end]))


def sample_parts(path: Path, ranges: Sequence[tuple[int, int]], key: bytes, k: int,
                 progress: Progress | None = None) -> PartSample | None:
    """Each byte range sampled by a worker process, merged in file order. None when a worker
    cannot start or fails (the caller then reads in one pass); a ``ReadError`` is the earliest
    part's, with the line counted from the file's start.

    The parent only waits on a queue in short steps, so Ctrl-C stops it at once; whatever ends
    the wait, the workers are killed."""
    from provenance.reading.readers import ReadError

    started: list[Any] = []
    inbox: queue.Queue[tuple[int, str, Any]] = queue.Queue()
    try:
        for index, (start, end) in enumerate(ranges):
            worker = workers.start("provenance.spot.scan_worker")
            started.append(worker)
            assert worker.stdin is not None and worker.stdout is not None
            workers.send(worker.stdin, (path, start, end, key, k))
            threading.Thread(target=_listen, args=(index, worker.stdout, inbox),
                             daemon=True).start()
        outcomes: dict[int, tuple[str, Any]] = {}
        while len(outcomes) < len(ranges):
            try:
                index, kind, value = inbox.get(timeout=_POLL)
            except queue.Empty:
                continue
            if kind == "progress":
                if progress is not None:
                    progress(value)
            elif kind == "gone":
                return None
            else:
                outcomes[index] = (kind, value)
    except OSError:
        return None
    finally:
        for worker in started:
            if worker.poll() is None:
                worker.kill()
        for worker in started:
            worker.wait()
    for index in range(len(ranges)):
        kind, value = outcomes[index]
        if kind == "error":
            assert isinstance(value, ReadError)
            from provenance.speed.parallel_scan import _line_at

            line = None if value.line is None else _line_at(path, ranges[index][0]) + value.line - 1
            raise ReadError(value.message, line)
    return merge([outcomes[i][1] for i in range(len(ranges))], k)


def _listen(index: int, stream: Any, inbox: queue.Queue[tuple[int, str, Any]]) -> None:
    """Pass one worker's messages on, then say it is gone when its pipe closes."""
    try:
        while True:
            kind, value = workers.receive(stream)
            inbox.put((index, kind, value))
            if kind != "progress":
                return
    except Exception:
        inbox.put((index, "gone", None))


def work() -> None:
    """A worker: one byte range in; progress reports, then its sample (or its error), out."""
    from provenance.reading.readers import ReadError

    path, start, end, key, k = workers.receive(sys.stdin.buffer)
    out = sys.stdout.buffer

    def report(done: int) -> None:
        workers.send(out, ("progress", done))

    try:
        outcome: tuple[str, Any] = ("sample", sample_jsonl(path, key, k, start, end, report))
    except ReadError as exc:
        outcome = ("error", exc)
    workers.send(out, outcome)

