"""Contamination scan speed and memory: one training JSONL against 10,000 evaluation records.

Run by hand: ``python bench/contamination.py [--gib 1] [--eval 10000]``. Generates seeded
question/answer/context records (words drawn from a Zipf-like vocabulary) and evaluation
questions, plants a few hundred of them in the training file (verbatim, upper-cased, lightly
edited), then measures in child processes, each timed alone:

Times are CPU seconds of each child (the machine may be shared), medians of ``--runs``; the
runs go round by round (the parse loop, then each of ours), so that drift hits all alike.

- the peer: an orjson parse loop over the same file (``for line in f: orjson.loads(line)``);
- ours: ``Scanner`` reading the same file against the evaluation set's fingerprints (one pass,
  the compiled per-record pass where it was built, the full matcher on the records it flags),
  with the peak resident memory, the wall clock and the share of records sent to the matcher;
  then the same in one process without the compiled pass (``QA_PROVENANCE_NO_EXTENSION=1``:
  the batch pre-test in Python), as a user without a C compiler at install time has it;
- with ``--reference``, the record-by-record matcher without the pre-test, whose count of
  records with matches must be the same.

Targets (issue 16): at most 2x the parse loop; peak memory under 300 MB. Also prints what the
near-duplicate search would cost with MinHash signatures (rensa, if installed) per question.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GIB = 1 << 30
PROJECT = Path(__file__).resolve().parent.parent


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    words = [f"w{n}" for n in range(50_000)]
    weights = list(itertools.accumulate(1 / (n + 1) for n in range(50_000)))
    return words, weights


def generate(folder: Path, size: int, evaluation: int, seed: int = 11) -> tuple[int, int]:
    rng = random.Random(seed)
    words, weights = vocabulary(rng)

    def text(low: int, high: int) -> str:
        return " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(low, high)))

    questions = [text(6, 24) + "?" for _ in range(evaluation)]
    with open(folder / "eval.jsonl", "w", encoding="utf-8") as handle:
        for question in questions:
            handle.write(json.dumps({"question": question, "answer": text(1, 4)}) + "\n")
    passages = [text(80, 140) for _ in range(2_000)]
    planted = 0
    records = 0
    written = 0
    with open(folder / "train.jsonl", "w", encoding="utf-8") as handle:
        while written < size:
            question = text(6, 20) + "?"
            if records % 2_000 == 7:
                source = rng.choice(questions)
                question = rng.choice([source, source.upper(), source + " exactly"])
                planted += 1
            record = {"question": question, "answer": text(1, 15),
                      "context": rng.choice(passages), "generator": "gpt-4o-mini"}
            line = json.dumps(record) + "\n"
            handle.write(line)
            written += len(line)
            records += 1
    return records, planted


PEER = """
import sys, time, orjson
t, w = time.process_time(), time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        orjson.loads(line)
print(time.process_time() - t, time.perf_counter() - w)
"""

OURS = """
import resource, sys, time
from pathlib import Path
from provenance.config import Config
from provenance.contamination.fingerprints import build
from provenance.contamination.run import Scanner, prefilter_of
from provenance.contamination import parallel
parallel.PARALLEL_MIN_BYTES = 1 << 62 if sys.argv[2] == "one" else 0
parallel.PARALLEL_MIN_BYTES_COMPILED = parallel.PARALLEL_MIN_BYTES
root = Path(sys.argv[1])
scanner = Scanner(Config(root=root), lambda p: "x", None)
prints = build(scanner._items("eval.jsonl", None), scanner.settings)
pre = prefilter_of(prints)
def children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
t, w, c = time.process_time(), time.perf_counter(), children()
hits = sum(1 for _ in scanner._scan("train.jsonl", prints))
elapsed, wall = time.process_time() - t + children() - c, time.perf_counter() - w
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(elapsed, peak, hits, pre.flagged / max(pre.seen, 1), worker, int(pre._bind is not None),
      wall)
"""

REFERENCE = """
import sys, time
from pathlib import Path
from provenance.config import Config
from provenance.contamination.fingerprints import build
from provenance.contamination.match import matches
from provenance.contamination.run import Scanner
root = Path(sys.argv[1])
scanner = Scanner(Config(root=root), lambda p: "x", None)
prints = build(scanner._items("eval.jsonl", None), scanner.settings)
t = time.process_time()
hits = sum(1 for _, _, q, a in scanner._records("train.jsonl") if matches(prints, q, a))
print(time.process_time() - t, hits)
"""

MINHASH = """
import sys, time, orjson
from provenance.contamination.normalize import words
import rensa
qs = []
with open(sys.argv[1], "rb") as handle:
    for n, line in enumerate(handle):
        if n == 20000: break
        qs.append(words(orjson.loads(line)["question"]))
t = time.perf_counter()
for q in qs:
    m = rensa.RMinHash(num_perm=64, seed=1); m.update(q); m.digest()
print((time.perf_counter() - t) / len(qs) * 1e6)
"""


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def child(script: str, *args: str, pure: bool = False) -> list[str]:
    env = {**os.environ, "QA_PROVENANCE_NO_EXTENSION": "1" if pure else "0"}
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, check=False, cwd=PROJECT, env=env)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return done.stdout.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0, help="training file size in GiB")
    parser.add_argument("--eval", type=int, default=10_000, help="evaluation records")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, median reported")
    parser.add_argument("--reference", action="store_true",
                        help="also time the record-by-record matcher, and compare its count")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        started = time.perf_counter()
        records, planted = generate(folder, int(args.gib * GIB), args.eval)
        print(f"generated {records} training records ({args.gib} GiB, {planted} planted) and "
              f"{args.eval} evaluation records in {time.perf_counter() - started:.0f} s")
        train = str(folder / "train.jsonl")
        # Interleaved, round by round: a shared machine's speed drifts over minutes, and a
        # ratio of medians taken minutes apart would carry the drift.
        cases = ("one", "parts", "python")
        peer_runs: list[list[str]] = []
        all_runs: dict[str, list[list[str]]] = {how: [] for how in cases}
        for _ in range(args.runs):
            peer_runs.append(child(PEER, train))
            for how in cases:
                all_runs[how].append(child(OURS, temp, "parts" if how == "parts" else "one",
                                           pure=how == "python"))
        peer, peer_wall = (median([float(run[i]) for run in peer_runs]) for i in (0, -1))
        print("\n| case | ours | orjson parse loop | ratio | target |\n|---|---|---|---|---|")
        for how in cases:
            runs = all_runs[how]
            if how == "one":
                hits, flagged, compiled = int(runs[0][2]), float(runs[0][3]), runs[0][5] == "1"
            elif how == "python":
                python_hits, python_flagged = int(runs[0][2]), float(runs[0][3])
            mine, my_wall = (median([float(run[i]) for run in runs]) for i in (0, -1))
            peak, worker = (max(float(run[i]) for run in runs) for i in (1, 4))
            label = {"one": "one process", "parts": "a worker process per core",
                     "python": "one process, without the compiled pass"}[how]
            print(f"| scan {args.gib} GiB vs {args.eval} evaluation records, {label}, CPU | "
                  f"{mine:.2f} s | {peer:.2f} s | {mine / peer:.2f} | <= 2.0 |")
            print(f"| the same, wall clock | {my_wall:.2f} s | {peer_wall:.2f} s | "
                  f"{my_wall / peer_wall:.2f} | <= 2.0 |")
            print(f"| peak memory | {peak:.0f} MB" + (f" (+ {worker:.0f} MB a worker)"
                                                       if how == "parts" else "")
                  + " | | | < 300 MB |")
        print(f"\ncompiled pass in use: {'yes' if compiled else 'NO (not built)'}; records "
              f"with matches: {hits} (planted: {planted}; without the compiled pass: "
              f"{python_hits}); records sent to the full matcher: {flagged:.2%} (without the "
              f"compiled pass: {python_flagged:.2%})")
        if args.reference:
            cpu, found = child(REFERENCE, temp)
            print(f"record-by-record matcher (no pre-test): {float(cpu):.2f} s CPU = "
                  f"{float(cpu) / peer:.1f}x, records with matches: {found}")
        try:
            per = float(child(MINHASH, train)[0])
            print(f"MinHash (rensa, 64 permutations) per training question: {per:.1f} us; "
                  f"for {records} records {per * records / 1e6:.1f} s")
        except SystemExit:
            print("rensa not installed: MinHash comparison skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
