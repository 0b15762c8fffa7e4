"""One large JSONL file's records scanned by several processes at once.

The record scan is Python work per record (a JSON parse, a key, a dictionary hit), which the GIL
keeps on one core. A file of at least ``PARALLEL_MIN_BYTES`` is cut at line boundaries into one
part per core; each part is scanned in a process of its own (``workers``) and the parts'
aggregates are merged in file order (``per_record.merge``), so the result is the one a single pass
gives. Where a worker cannot start or fails, the caller scans in one pass.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provenance.checks.per_record import RecordScan, merge, scan
from provenance.diversity import accumulator
from provenance.diversity.accumulator import Diversity
from provenance.identity.independence import Judge
from provenance.reading.profiles import Profile
from provenance.reading.readers import ReadError, jsonl_part
from provenance.speed import workers

PARALLEL_MIN_BYTES = 64 << 20
CHUNK = 1 << 20


def parts_for(size: int) -> int:
    """How many processes a file of ``size`` bytes is worth: one per core, or 1 (no split)."""
    return min(workers.cores(), 8) if size >= PARALLEL_MIN_BYTES else 1


def split(path: Path, parts: int) -> list[tuple[int, int]]:
    """Byte ranges [start, end) covering the file, each starting at the beginning of a line."""
    size = path.stat().st_size
    starts = [0]
    with open(path, "rb") as handle:
        for index in range(1, parts):
            handle.seek(max(size * index // parts, starts[-1]))
            handle.readline()  # on to the start of the next line
            start = handle.tell()
            if start > starts[-1] and start < size:
                starts.append(start)
    return list(zip(starts, [*starts[1:], size]))


def scan_parts(path: Path, ranges: Sequence[tuple[int, int]], profile: Profile,
               judge: Judge) -> RecordScan | None:
    """Each range scanned by a worker process; a ``ReadError`` is the earliest part's. None when
    a worker cannot be started or fails (the caller then scans in one pass)."""
    both = scan_parts_with(path, ranges, profile, judge, False)
    return None if both is None else both[0]


def scan_parts_with(path: Path, ranges: Sequence[tuple[int, int]], profile: Profile,
                    judge: Judge, collect: bool) -> tuple[RecordScan, Diversity | None] | None:
    """``scan_parts``, each part also gathering its source diversity when ``collect``; the
    parts' accumulators merge in file order into what one pass gives."""
    outcomes = workers.each_once(__name__, [(path, start, end, profile, judge, collect)
                                            for start, end in ranges])
    if outcomes is None:
        return None
    for kind, value in outcomes:
        if kind == "error":
            raise value  # a ReadError, from the earliest part that has one
    scans = [value[0] for _, value in outcomes]
    found = [value[1] for _, value in outcomes if value[1] is not None]
    return merge(scans), (accumulator.merge(found) if found else None)


def _work() -> None:
    """A worker: one request in, one outcome out."""

    path, start, end, profile, judge, collect = workers.receive(sys.stdin.buffer)
    try:
        outcome: tuple[str, Any] = ("scan", _scan_part(path, start, end, profile, judge,
                                                       collect))
    except ReadError as exc:
        outcome = ("error", exc)
    workers.send(sys.stdout.buffer, outcome)


def _scan_part(path: Path, start: int, end: int, profile: Profile, judge: Judge,
               collect: bool = False) -> tuple[RecordScan, Diversity | None]:

    records = jsonl_part(path, start, end, _line_at(path, start))
    diversity = Diversity(accumulator.Fields.of(profile)) if collect else None
    if diversity is not None:
        records = accumulator.observe(records, diversity)
    return scan(records, profile, judge), diversity


def _line_at(path: Path, offset: int) -> int:
    """The number of the line that starts at ``offset``: one more than the newlines before it."""
    newlines = 0
    with open(path, "rb") as handle:
        remaining = offset
        while remaining > 0 and (chunk := handle.read(min(CHUNK, remaining))):
            newlines += chunk.count(b"\n")
            remaining -= len(chunk)
    return newlines + 1


if __name__ == "__main__":
    _work()
