"""A large JSONL training file compared by several processes at once.

The batched scan is Python work that the GIL keeps on one core. A file of at least
``PARALLEL_MIN_BYTES`` is cut at line boundaries into one part per core; each part is scanned by a
worker process (``speed.workers``) that rebuilds the fingerprints and the pre-test from the
evaluation items (1 to 2 s of CPU for 10,000 items, hence the high thresholds), and the
parts' matches are put back in file order. As in one pass, the first line that
cannot be read ends the scan: the parts after it are dropped. Where a worker cannot start or
fails, the caller scans in one pass.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from provenance.contamination import prefilter
from provenance.contamination.fingerprints import Fingerprints, build
from provenance.contamination.match import Match
from provenance.contamination.scan import scan_jsonl
from provenance.reading.profiles import Profile
from provenance.speed import parallel_scan, workers

PARALLEL_MIN_BYTES = 512 << 20
# With the compiled pass a part scans several times faster, so the workers' rebuild (about 1.7 s
# of CPU each for 10,000 items, bench/contamination.py) pays only on larger files.
PARALLEL_MIN_BYTES_COMPILED = 4 << 30


def scan_parts(path: Path, profile: Profile, prints: Fingerprints
               ) -> list[tuple[int, list[Match]]] | None:
    """What ``scan_jsonl`` gives of the whole file, or None when it is not worth splitting or a
    worker fails."""
    from provenance.reading.compressed import kind_of

    try:
        least = PARALLEL_MIN_BYTES_COMPILED if prefilter.available() else PARALLEL_MIN_BYTES
        if kind_of(path) is not None or path.stat().st_size < least:
            return None
        parts = min(workers.cores(), 8)
        if parts < 2:
            return None
        ranges = parallel_scan.split(path, parts)
    except OSError:
        return None
    if len(ranges) < 2:
        return None
    try:
        requests = [(path, start, end, parallel_scan._line_at(path, start), profile,
                     prints.items, prints.settings) for start, end in ranges]
    except OSError:
        return None
    outcomes = workers.each_once(__name__, requests)
    if outcomes is None:
        return None
    found: list[tuple[int, list[Match]]] = []
    for rows, stopped in outcomes:
        found += rows
        if stopped:
            break  # an unreadable line ends the scan, as in one pass
    return found


def _work() -> None:
    """A worker: one part in, its matches (and whether an unreadable line ended it) out."""
    path, start, end, first_line, profile, items, settings = workers.receive(sys.stdin.buffer)
    prints = build(items, settings)
    stopped: list[int] = []
    rows: Any = list(scan_jsonl(path, profile, prints, prefilter.build(prints), start, end,
                                first_line, stopped))
    workers.send(sys.stdout.buffer, (rows, bool(stopped)))


if __name__ == "__main__":
    _work()
