"""A bottom-k sketch: the k smallest 64-bit hashes seen, each with how often it was seen.

Below k distinct values it is exact (it holds them all); beyond, the k smallest hashes are a uniform
sample of the distinct values, so their number estimates the distinct count (KMV: (k - 1) / the
k-th smallest hash as a fraction of 2**64) and their counts are the exact counts of a random sample
of values. Memory is bounded by k whatever the file's size, and two sketches merge into exactly the
sketch of the concatenated input: a hash among the k smallest of the whole is among the k smallest
of every part that saw it, so none of its occurrences is lost.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_K = 1 << 16
SPACE = float(1 << 64)


@dataclass
class BottomK:
    k: int = DEFAULT_K
    counts: dict[int, int] = field(default_factory=dict)
    seen: int = 0  # values added, repeats included
    _heap: list[int] = field(default_factory=list)  # negated kept hashes: the largest on top

    def add(self, value: int) -> None:
        self.seen += 1
        counts = self.counts
        if value in counts:
            counts[value] += 1
        elif len(counts) < self.k:
            counts[value] = 1
            heapq.heappush(self._heap, -value)
        elif value < -self._heap[0]:
            del counts[-heapq.heapreplace(self._heap, -value)]
            counts[value] = 1

    def update(self, values: Iterable[int]) -> None:
        """``add`` for each value, inlined: distinct-2 adds every word pair of every question."""
        counts, heap, k = self.counts, self._heap, self.k
        for value in values:
            self.seen += 1
            if value in counts:
                counts[value] += 1
            elif len(counts) < k:
                counts[value] = 1
                heapq.heappush(heap, -value)
            elif value < -heap[0]:
                del counts[-heapq.heapreplace(heap, -value)]
                counts[value] = 1

    @property
    def exact(self) -> bool:
        """Whether every distinct value seen is still held."""
        return len(self.counts) < self.k

    def distinct(self) -> float:
        """The number of distinct values: exact below k, else the KMV estimate."""
        if self.exact:
            return float(len(self.counts))
        return (self.k - 1) * SPACE / (-self._heap[0] + 1)

    def merged(self, other: BottomK) -> BottomK:
        out = BottomK(min(self.k, other.k), seen=self.seen + other.seen)
        total = dict(self.counts)
        for value, count in other.counts.items():
            total[value] = total.get(value, 0) + count
        kept = heapq.nsmallest(out.k, total) if len(total) > out.k else list(total)
        out.counts = {value: total[value] for value in kept}
        out._heap = [-value for value in kept]
        heapq.heapify(out._heap)
        # A value dropped here was also beyond the k smallest of one pass: the sketches agree.
        return out

    def __getstate__(self) -> dict[str, object]:  # the heap is rebuilt, not shipped
        return {"k": self.k, "counts": self.counts, "seen": self.seen}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.k = int(state["k"])  # type: ignore[call-overload]
        self.counts = state["counts"]  # type: ignore[assignment]
        self.seen = int(state["seen"])  # type: ignore[call-overload]
        self._heap = [-value for value in self.counts]
        heapq.heapify(self._heap)


def gini(counts: Iterable[int]) -> float:
    """Gini coefficient of non-negative counts: 0 when all are equal, towards 1 when a few hold
    everything. With n values sorted ascending, G = 2·Σ i·c_i / (n·Σ c_i) - (n + 1) / n."""
    ordered = sorted(counts)
    n, total = len(ordered), sum(ordered)
    if n < 2 or total == 0:
        return 0.0
    weighted = sum(i * c for i, c in enumerate(ordered, 1))
    return 2 * weighted / (n * total) - (n + 1) / n
