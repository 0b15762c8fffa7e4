"""Confidence intervals on scores, so that drift fires only on changes the sample sizes support.

A score on n items is an estimate. For a proportion (accuracy, exact match: a score in [0, 1])
the Wilson score interval is used: unlike the normal ("Wald") interval it stays inside [0, 1] and
keeps close to its nominal coverage for small n and for scores near 0 or 1, which is where
self-generated test sets (often small, often near-perfect) sit. When the harness reports a
standard error (lm-evaluation-harness's ``*_stderr``, which also covers metrics that are not
proportions), the normal interval ``score ± z·stderr`` is used instead. A score outside [0, 1]
without a standard error has no interval, and the drift rule leaves it out.

A difference of two estimates counts as a change when it is larger than their half-widths
combined in quadrature, ``sqrt(h1² + h2²)``: for symmetric intervals that is the z-test of the
difference at the same confidence; for Wilson intervals the wider side is taken, which errs
towards not firing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

WILSON, NORMAL = "wilson", "normal"


def z_of(confidence: float) -> float:
    """The two-sided normal quantile: 1.96 for 0.95."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True)
class Estimate:
    """A score, its sample size, and how its interval is made (None: it has none)."""

    value: float
    n: int
    kind: str | None = WILSON
    stderr: float | None = None  # for NORMAL

    def interval(self, z: float) -> tuple[float, float] | None:
        if self.kind == WILSON:
            return wilson(self.value, self.n, z)
        if self.kind == NORMAL and self.stderr is not None:
            return self.value - z * self.stderr, self.value + z * self.stderr
        return None

    def half_width(self, z: float) -> float | None:
        """The wider side of the interval: what a difference has to beat, conservatively."""
        bounds = self.interval(z)
        if bounds is None:
            return None
        return max(self.value - bounds[0], bounds[1] - self.value)


def estimate(score: float, n: int, stderr: float | None = None) -> Estimate:
    """One result's estimate: the reported standard error when there is one, else Wilson for a
    proportion, else none."""
    if stderr is not None:
        return Estimate(score, n, NORMAL, stderr)
    if 0.0 <= score <= 1.0 and n > 0:
        return Estimate(score, n, WILSON)
    return Estimate(score, n, None)


def pooled(parts: Iterable[Estimate]) -> Estimate | None:
    """Several results of one class in one round as one estimate: the n-weighted mean (for
    proportions, all items counted together). Standard errors combine as independent samples;
    no interval when any part has none."""
    items = [p for p in parts if p.n > 0]
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    total = sum(p.n for p in items)
    value = sum(p.value * p.n for p in items) / total
    if any(p.kind is None for p in items):
        return Estimate(value, total, None)
    if all(p.kind == WILSON for p in items):
        return Estimate(value, total, WILSON)
    se = math.sqrt(sum((p.n / total) ** 2 * _stderr(p) ** 2 for p in items))
    return Estimate(value, total, NORMAL, se)


def combined(*half_widths: float | None) -> float | None:
    """Half-widths of independent estimates combined in quadrature (None when one is missing)."""
    if any(h is None for h in half_widths):
        return None
    return math.sqrt(sum((h or 0.0) ** 2 for h in half_widths))


def wilson(p: float, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``p`` observed on ``n`` items."""
    if n <= 0:
        return 0.0, 1.0
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _stderr(est: Estimate) -> float:
    if est.kind == NORMAL and est.stderr is not None:
        return est.stderr
    return math.sqrt(max(est.value * (1 - est.value), 0.0) / est.n)
