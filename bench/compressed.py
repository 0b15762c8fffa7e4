"""Reading compressed JSONL: qa-provenance against the plainest loop that does the same work.

Run by hand from the project root: `python bench/compressed.py` (`--mib 64` by default, about a
minute on 2 cores). It writes seeded QA records as JSONL, gzip- and zstd-compresses them, and
measures CPU seconds (median of `--runs`, after a warm-up) of:

- records: every record read by `readers.read_data` (the record pass of `check`) against
  `gzip.open` (or `zstd.open`) + an orjson loop over its lines;
- facts:   `datafile.inspect` (digest of the stored bytes, record count, first and last record
  parsed: what `check` reads of every file) against the same loop.

Each line prints ours, the peer and the ratio (ours / peer).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from provenance.reading import datafile, readers
from provenance.reading.compressed import _zstd


def write_records(path: Path, size: int, seed: int) -> None:
    rng = random.Random(seed)
    words = [f"w{n}" for n in range(5000)]
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < size:
            line = json.dumps({
                "question": " ".join(rng.choices(words, k=14)) + "?",
                "answer": " ".join(rng.choices(words, k=6)),
                "context": " ".join(rng.choices(words, k=60)),
                "model_name": "openai/gpt-4o-2024-08-06",
            }) + "\n"
            handle.write(line)
            written += len(line)


def cpu(action: Callable[[], object], runs: int) -> float:
    action()  # warm-up: the page cache and imports
    times = []
    for _ in range(runs):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


def peer_loop(path: Path, opener: Callable[..., object]) -> int:
    import orjson

    count = 0
    with opener(path, "rb") as handle:  # type: ignore[operator]
        for line in handle:
            if line.strip():
                orjson.loads(line)
                count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=64, help="MiB of JSONL before compression")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    zstd = _zstd()
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "qa.jsonl"
        write_records(plain, int(args.mib * (1 << 20)), seed=7)
        raw = plain.read_bytes()
        files = {"gzip": (Path(folder) / "qa.jsonl.gz", gzip.compress(raw, 6, mtime=0),
                          gzip.open),
                 "zstd": (Path(folder) / "qa.jsonl.zst", zstd.compress(raw), zstd.open)}
        lines = raw.count(b"\n")
        print(f"{args.mib:g} MiB of JSONL, {lines} records")
        for kind, (path, stored, opener) in files.items():
            path.write_bytes(stored)
            assert datafile.inspect(path).records == peer_loop(path, opener)

            def records(path: Path = path) -> int:
                return sum(1 for _ in readers.read_data(path, "jsonl"))

            peer = cpu(lambda path=path, opener=opener: peer_loop(path, opener), args.runs)
            for case, action in (("records", records),
                                 ("facts", lambda path=path: datafile.inspect(path))):
                ours = cpu(action, args.runs)
                print(f"{kind} {case}: ours {ours:.3f} s CPU, {kind} + orjson loop {peer:.3f} s, "
                      f"ratio {ours / peer:.2f} ({len(stored) / (1 << 20):.1f} MiB stored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
