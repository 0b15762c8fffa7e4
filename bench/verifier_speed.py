"""The local verifier's cost grows linearly with its input: many numbers against many passages.

Run by hand: `python bench/verifier_speed.py [--numbers 790] [--passages 400000]`. Issue 12 measured
~90 s for 790 numbers against 400,000 passages (a loop over the passages per number). Prints the
time per record at 1/4, 1/2 and all of the passages with the per-item budget lifted (time should
double with the size, not quadruple), the same for a short name answer in one passage of 10,000
to 40,000 sentences (the candidate ranking's worst case), then the first record under the
default budget (``unsure`` at once, with the reason).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provenance.spot import local_verifier


def record(numbers: int, passages: int) -> tuple[str, str, list[str]]:
    context = [f"Passage {i} reports a value of {i * 7} units." for i in range(passages)]
    step = max(passages // numbers, 1)
    answer = ", ".join(str(i * 7) for i in range(0, step * numbers, step))
    return "Which values are reported?", answer, context


def _name(index: int) -> str:
    """A made-up name, different for every index below 10**8 ("Bacedafo")."""
    out = ""
    for _ in range(4):
        out += "bcdfghjklmnpqrstvwxz"[index % 20] + "aeiou"[(index // 20) % 5]
        index //= 100
    return out.capitalize()


def ranked(sentences: int) -> tuple[str, str, list[str]]:
    """A short name answer in one passage of many sentences, each holding another name: the
    candidate ranking's worst case (every sentence is a candidate and is scored)."""
    text = " ".join(f"In {1000 + i % 900} Count {_name(i)} of {_name(i + 7)}ia founded the abbey "
                    f"of {_name(i + 3)}ton." for i in range(sentences))
    middle = sentences // 2
    return (f"Who founded the abbey of {_name(middle + 3)}ton?", f"Count {_name(middle - 1)}",
            [text])


def timed_ranked(sentences: int) -> tuple[float, str]:
    question, answer, context = ranked(sentences)
    local_verifier._prepare.cache_clear()
    cpu = time.process_time()
    verdict = local_verifier.verify(question, answer, context)
    return time.process_time() - cpu, f"{verdict.verdict}: {verdict.rationale[:60]}"


def timed(numbers: int, passages: int) -> tuple[float, float, str]:
    """Wall and CPU seconds of one verification, and its verdict (CPU time is what scales;
    wall time also counts other processes on a shared machine)."""
    question, answer, context = record(numbers, passages)
    local_verifier._prepare.cache_clear()
    wall, cpu = time.perf_counter(), time.process_time()
    verdict = local_verifier.verify(question, answer, context)
    return (time.perf_counter() - wall, time.process_time() - cpu,
            f"{verdict.verdict}: {verdict.rationale[:60]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--numbers", type=int, default=790)
    parser.add_argument("--passages", type=int, default=400_000)
    args = parser.parse_args()
    budget = local_verifier.MAX_ITEM_CHARS
    local_verifier.MAX_ITEM_CHARS = 1 << 40
    for share in (4, 2, 1):
        passages = args.passages // share
        wall, cpu, verdict = timed(args.numbers, passages)
        print(f"{args.numbers} numbers, {passages:>7} passages, no budget: {wall:6.2f} s wall, "
              f"{cpu:6.2f} s CPU ({verdict})")
    for sentences in (10_000, 20_000, 40_000):
        cpu, verdict = timed_ranked(sentences)
        print(f"a name answer, one passage of {sentences:>6} sentences, no budget: "
              f"{cpu:6.2f} s CPU ({verdict})")
    local_verifier.MAX_ITEM_CHARS = budget
    wall, _, verdict = timed(args.numbers, args.passages)
    print(f"{args.numbers} numbers, {args.passages:>7} passages, budget {budget:,} characters: "
          f"{wall:6.3f} s ({verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
