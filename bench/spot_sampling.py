"""The spot check's sampling pass over a large JSONL file: one process vs parts on all cores.

Run by hand: `python bench/spot_sampling.py [--gib 2] [--k 93]`. Writes a generated QA JSONL of
``--gib`` GiB to a temporary folder, then times, on the same file: a plain sha256 read (the
floor: any pass must read the bytes), the sampling pass in one process, and in parts on every
core (worker processes, merged exactly). Prints each time and its ratio to the sha256 read, and
checks that both passes drew the same rows. ``--previous`` also times the scheme before the
byte-offset ranks (a canonical-JSON sha256 and an HMAC-SHA256 per record), for comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provenance.speed import workers
from provenance.spot import scan
from provenance.spot.sampling import file_key

WORDS = ["the", "of", "and", "a", "to", "in", "is", "was", "for", "on", "that", "by", "with",
         "as", "at", "from", "his", "her", "it", "an", "were", "are", "which", "this", "river",
         "city", "king", "army", "church", "year", "century", "war"]


def write_data(path: Path, size: int) -> int:
    """About ``size`` bytes of SQuAD-like records (~600 bytes each); returns the record count."""
    rng = random.Random(7)
    block = []
    for index in range(5000):
        context = " ".join(rng.choice(WORDS) for _ in range(110))
        block.append(json.dumps({
            "id": f"q{index}", "question": f"How much does item {index} weigh?",
            "answer": f"{rng.randint(1, 900)} grams",
            "context": [f"In the catalogue, item {index} weighs {rng.randint(1, 900)} grams. "
                        f"{context}"]}) + "\n")
    chunk = "".join(block).encode("utf-8")
    written = records = 0
    with open(path, "wb") as handle:
        while written < size:
            handle.write(chunk)
            written += len(chunk)
            records += len(block)
    return records


def sha256_read(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def previous_pass(path: Path, digest: str, k: int) -> int:
    """The former per-row work: parse, canonical JSON, its sha256, an HMAC of digest, index and
    hash; bottom-k by the HMAC."""
    import heapq
    import hmac

    from provenance.reading.embedded import canonical_bytes
    from provenance.reading.readers import _fast_loads

    loads, heap = _fast_loads(), []  # type: ignore[var-annotated]
    with open(path, "rb") as handle:
        for index, raw in enumerate(handle):
            content = hashlib.sha256(canonical_bytes(loads(raw))).hexdigest()
            message = f"qa-provenance-sample/1\0{digest}\0{index}\0{content}"
            rank = hmac.new(b"bench-key", message.encode(), hashlib.sha256).digest()
            item = (bytes(255 - b for b in rank), index)
            if len(heap) < k:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
    return len(heap)


def timed(label: str, action, floor: float | None = None):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = action()
    seconds = time.perf_counter() - start
    ratio = f"  {seconds / floor:5.2f}x sha256" if floor else ""
    print(f"{label:<34} {seconds:7.2f} s{ratio}", flush=True)
    return seconds, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=2.0)
    parser.add_argument("--k", type=int, default=93)
    parser.add_argument("--previous", action="store_true",
                        help="also time the former per-record scheme")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qa-bench-sampling-") as tmp:
        path = Path(tmp) / "qa.jsonl"
        records = write_data(path, int(args.gib * (1 << 30)))
        size = path.stat().st_size
        print(f"{size / (1 << 30):.2f} GiB, {records} records, {workers.cores()} cores "
              f"(parts: {scan.parts_for(size)})")
        floor, digest = timed("sha256 read", lambda: sha256_read(path))
        key = file_key(b"bench-key", digest)
        _, one = timed("sampling, one process", lambda: scan.sample_jsonl(path, key, args.k),
                       floor)
        ranges = scan.cut(path, 0, size, max(2, scan.parts_for(size)))
        _, parts = timed(f"sampling, {len(ranges)} parts",
                         lambda: scan.sample_parts(path, ranges, key, args.k), floor)
        if args.previous:
            timed("previous scheme, one process", lambda: previous_pass(path, digest, args.k),
                  floor)
        same = parts is not None and parts.rows == one.rows and parts.count == one.count
        print(f"same sample in both: {same}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
