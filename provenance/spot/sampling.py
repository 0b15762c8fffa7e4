"""Sampling and the pass rule for spot checks: how many records, which ones, and what we may claim.

A spot check is an acceptance-sampling plan ``(n, c)``: verify ``n`` records, accept when at most
``c`` are flagged. ``n`` is the smallest size for which accepting still shows, at the requested
confidence, that the verifier-flagged rate is below ``max_flag_rate`` (exact binomial, no normal
approximation). Accepting under that plan is the same as the one-sided Clopper-Pearson upper bound
being below the target, so the report quotes that bound.

Which records: each is ranked by ``sha256(seed || 0x00 || record hash)`` and the ``k`` smallest are
kept (bottom-k). Unlike ``random`` or ``hash()``, that ranking is the same on every Python and
machine, does not depend on the order records are read in, and appending records only displaces
an earlier pick when the newcomer ranks lower.

Everything here is pure and standard-library only, so the numbers can be checked by hand.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Generic, TypeVar

__all__ = [
    "BottomK",
    "Plan",
    "binom_cdf",
    "clopper_pearson_upper",
    "rank_key",
    "record_hash",
    "sample_size",
    "wilson_interval",
]

T = TypeVar("T")

_LOG_2PI = math.log(2.0 * math.pi)
_TAIL_EPS = 1e-17  # stop summing a tail once what is left cannot change a double
_BISECT_TOL = 1e-10


# --------------------------------------------------------------------------- validation


def _check_unit_open(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and 0.0 < value < 1.0):
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")


def _check_count(name: str, value: int, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_flags(flags: int, n: int) -> None:
    _check_count("n", n)
    _check_count("flags", flags)
    if flags > n:
        raise ValueError(f"flags ({flags}) cannot exceed the number of records checked ({n})")


# --------------------------------------------------------------------------- binomial

# The binomial pmf is computed with Loader's saddle-point method ("Fast and accurate computation
# of binomial probabilities", 2000; the algorithm behind R's dbinom). Plain lgamma differences
# lose about 1e-10 relative precision at n = 100_000 because they subtract numbers near 1e6;
# this form keeps the error near machine precision and works in log space, so it never underflows.


def _stirlerr(n: int) -> float:
    """log(n!) - log(sqrt(2 pi n) (n/e)^n): the error of Stirling's formula, for n >= 1."""
    if n <= 15:
        # Small arguments: the direct difference is accurate to ~1e-14 absolute here.
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - 0.5 * _LOG_2PI
    nn = float(n) * n
    s0, s1, s2, s3, s4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
    if n > 500:
        return (s0 - s1 / nn) / n
    if n > 80:
        return (s0 - (s1 - s2 / nn) / nn) / n
    if n > 35:
        return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n


def _bd0(x: float, np_: float) -> float:
    """x log(x / np) + np - x, without cancellation when x is close to np."""
    if abs(x - np_) < 0.1 * (x + np_):
        v = (x - np_) / (x + np_)
        s = (x - np_) * v
        ej = 2.0 * x * v
        v *= v
        j = 1
        while True:
            ej *= v
            s1 = s + ej / (2 * j + 1)
            if s1 == s:
                return s1
            s = s1
            j += 1
    return x * math.log(x / np_) + np_ - x


def _log_pmf(x: int, n: int, p: float) -> float:
    """log P(X = x) for X ~ Bin(n, p), 0 < p < 1, 0 <= x <= n."""
    q = 1.0 - p
    if x == 0:
        return n * math.log1p(-p)
    if x == n:
        return n * math.log(p)
    lc = _stirlerr(n) - _stirlerr(x) - _stirlerr(n - x) - _bd0(x, n * p) - _bd0(n - x, n * q)
    lf = _LOG_2PI + math.log(x) + math.log1p(-x / n)
    return lc - 0.5 * lf


def _log_tail(start: int, step: int, n: int, p: float) -> float:
    """log of sum of P(X = i) from ``start`` away from the mode (step -1 down, +1 up).

    The caller guarantees ``start`` is on the far side of the mean, so successive terms shrink;
    they are accumulated as ratios to the first term, which keeps the sum near 1 and exact enough.
    """
    q = 1.0 - p
    total = 1.0
    term = 1.0
    i = start
    end = 0 if step < 0 else n
    while i != end:
        # ratio P(i + step) / P(i)
        ratio = (i * q) / ((n - i + 1) * p) if step < 0 else ((n - i) * p) / ((i + 1) * q)
        term *= ratio
        total += term
        i += step
        # Remaining terms are bounded by a geometric series with this (shrinking) ratio.
        if ratio < 1.0 and term * ratio / (1.0 - ratio) < total * _TAIL_EPS:
            break
    return _log_pmf(start, n, p) + math.log(total)


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Bin(n, p), accurate to near machine precision for large n.

    The smaller tail is summed directly (from the cut-off outwards, stopping once the rest is
    negligible), so the work is about the width of the distribution, not n, and nothing overflows.
    """
    _check_count("n", n)
    if not (isinstance(p, (int, float)) and 0.0 <= p <= 1.0):
        raise ValueError(f"p must be between 0 and 1, got {p!r}")
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p == 0.0:
        return 1.0
    if p == 1.0:
        return 0.0
    if k <= n * p:
        return min(1.0, math.exp(_log_tail(k, -1, n, p)))
    return max(0.0, 1.0 - math.exp(_log_tail(k + 1, +1, n, p)))


def sample_size(max_flag_rate: float, confidence: float, acceptance: int = 1) -> int:
    """Smallest n with P(at most ``acceptance`` flags | rate = max_flag_rate) <= 1 - confidence.

    Accepting such a plan would have happened with probability at most 1 - confidence if the true
    rate were max_flag_rate (or worse), which is what licenses "rate < max_flag_rate".
    """
    _check_unit_open("max_flag_rate", max_flag_rate)
    _check_unit_open("confidence", confidence)
    _check_count("acceptance", acceptance)
    alpha = 1.0 - confidence

    def ok(n: int) -> bool:
        return binom_cdf(acceptance, n, max_flag_rate) <= alpha

    # The cdf falls as n grows, so gallop to a bracket and bisect.
    lo = acceptance  # never enough: with n <= c every outcome is accepted
    hi = max(acceptance + 1, 1)
    while not ok(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def clopper_pearson_upper(flags: int, n: int, confidence: float) -> float:
    """Exact one-sided upper confidence bound on the flag rate after ``flags`` of ``n``.

    The p at which seeing ``flags`` or fewer becomes as unlikely as 1 - confidence. Conservative
    (never below the true coverage), which is why the gate uses it rather than Wilson.
    """
    _check_flags(flags, n)
    _check_unit_open("confidence", confidence)
    alpha = 1.0 - confidence
    if n == 0 or flags == n:
        return 1.0
    if flags == 0:
        return 1.0 - float(alpha ** (1.0 / n))
    lo, hi = flags / n, 1.0  # the bound is never below the observed rate
    while hi - lo > _BISECT_TOL:
        mid = 0.5 * (lo + hi)
        if binom_cdf(flags, n, mid) > alpha:
            lo = mid
        else:
            hi = mid
    return hi  # the upper end keeps the bound conservative


def wilson_interval(flags: int, n: int, confidence: float) -> tuple[float, float]:
    """Two-sided Wilson score interval, for display only (anti-conservative at zero flags)."""
    _check_flags(flags, n)
    _check_unit_open("confidence", confidence)
    if n == 0:
        return (0.0, 1.0)
    z = NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)
    phat = flags / n
    z2n = z * z / n
    centre = (phat + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(phat * (1.0 - phat) / n + z2n / (4.0 * n))
    low = 0.0 if flags == 0 else max(0.0, centre - half)  # exact ends where rounding would stray
    high = 1.0 if flags == n else min(1.0, centre + half)
    return (low, high)


# --------------------------------------------------------------------------- selection


def record_hash(raw: bytes) -> str:
    """sha256 hex of a record's canonical bytes: the record's identity for sampling and caching."""
    return hashlib.sha256(raw).hexdigest()


def rank_key(seed: str, record_hash: str) -> bytes:
    """The record's rank under ``seed``: sha256(seed || 0x00 || record hash), compared as bytes.

    The NUL separator keeps ("ab", "c") and ("a", "bc") apart. Never ``hash()`` (salted per
    process) or ``random`` (its algorithms may change between Python versions).
    """
    return hashlib.sha256(seed.encode("utf-8") + b"\0" + record_hash.encode("utf-8")).digest()


class _Slot(Generic[T]):
    """A heap entry ordered *largest rank first*, so heapq's min-heap evicts the worst pick."""

    __slots__ = ("key", "payload", "record_hash")

    def __init__(self, key: bytes, record_hash: str, payload: T) -> None:
        self.key = key
        self.record_hash = record_hash
        self.payload = payload

    def __lt__(self, other: _Slot[T]) -> bool:
        return (self.key, self.record_hash) > (other.key, other.record_hash)


class BottomK(Generic[T]):
    """Keep the k records with the smallest rank keys in one streaming pass (a bounded max-heap).

    The result is independent of the order records arrive in and stable when records are appended
    (a new record only displaces one with a larger key). Ties on the key are broken by the record
    hash; a record hash offered again is ignored (the first payload is kept).
    """

    def __init__(self, k: int, seed: str) -> None:
        _check_count("k", k)
        self._k = k
        self._seed = seed
        self._heap: list[_Slot[T]] = []
        self._kept: set[str] = set()
        self._seen = 0

    def offer(self, record_hash: str, payload: T) -> None:
        """Consider one record: O(log k), and O(1) when it cannot get in."""
        self._seen += 1
        if self._k == 0 or record_hash in self._kept:
            return
        slot = _Slot(rank_key(self._seed, record_hash), record_hash, payload)
        if len(self._heap) < self._k:
            heapq.heappush(self._heap, slot)
            self._kept.add(record_hash)
            return
        worst = self._heap[0]
        if worst < slot:  # the newcomer ranks lower (better) than the worst kept pick
            heapq.heapreplace(self._heap, slot)
            self._kept.discard(worst.record_hash)
            self._kept.add(record_hash)

    def __len__(self) -> int:
        return len(self._heap)

    def seen(self) -> int:
        """How many records were offered in all, duplicates included."""
        return self._seen

    def result(self) -> list[tuple[str, T]]:
        """The kept (record_hash, payload) pairs, smallest rank key first."""
        ordered = sorted(self._heap, key=lambda s: (s.key, s.record_hash))
        return [(s.record_hash, s.payload) for s in ordered]


# --------------------------------------------------------------------------- the plan


def _pct(rate: float) -> str:
    """A target rate as people write it: 0.05 -> '5%', 0.005 -> '0.5%'."""
    return f"{rate * 100:g}%"


def _bound_pct(bound: float) -> str:
    """An upper bound with one decimal, rounded up so the display never understates it."""
    tenths = math.ceil(round(bound * 1000, 6))  # round() first: 0.05 * 1000 is 50.000000000000007
    return f"{tenths / 10:.1f}%"


def _flags_word(count: int) -> str:
    return "1 flag" if count == 1 else f"{count} flags"


@dataclass(frozen=True)
class Plan:
    """An acceptance-sampling plan (n, c) and the honest sentence for each outcome.

    ``population`` is the number of records the sample was drawn from, when known; with it the
    claim can tell a census of a small file from a sample that reached the target size.
    """

    max_flag_rate: float
    confidence: float
    acceptance: int
    n: int
    population: int | None = None

    def __post_init__(self) -> None:
        _check_unit_open("max_flag_rate", self.max_flag_rate)
        _check_unit_open("confidence", self.confidence)
        _check_count("acceptance", self.acceptance)
        _check_count("n", self.n)
        if self.population is not None:
            _check_count("population", self.population)
            if self.n > self.population:
                raise ValueError(f"n ({self.n}) cannot exceed the population ({self.population})")

    @classmethod
    def for_population(
        cls,
        population: int,
        max_flag_rate: float = 0.05,
        confidence: float = 0.95,
        acceptance: int = 1,
        override_n: int | None = None,
    ) -> Plan:
        """The plan for a file of ``population`` records: all of them when it has fewer than n."""
        _check_count("population", population)
        if override_n is not None:
            _check_count("override_n", override_n, minimum=1)
            wanted = override_n
        else:
            wanted = sample_size(max_flag_rate, confidence, acceptance)
        return cls(max_flag_rate, confidence, acceptance, min(population, wanted), population)

    @property
    def required_n(self) -> int:
        """The sample size the statement "rate < max_flag_rate at confidence" needs."""
        return sample_size(self.max_flag_rate, self.confidence, self.acceptance)

    @property
    def is_census(self) -> bool:
        """Every record of the population is in the sample."""
        return self.population is not None and self.n == self.population

    def _check_counts(self, flags: int, verdicts: int) -> None:
        _check_count("verdicts", verdicts)
        _check_flags(flags, verdicts)
        if verdicts > self.n:
            raise ValueError(f"verdicts ({verdicts}) cannot exceed the plan's n ({self.n})")

    def stop_early(self, flags: int) -> bool:
        """Once flags exceed c the outcome is FAIL whatever comes back, so stop sending."""
        return flags > self.acceptance

    def verdict(self, flags: int, verdicts: int) -> str:
        """FAIL as soon as flags exceed c; PASS only with all n verdicts in; else INCONCLUSIVE."""
        self._check_counts(flags, verdicts)
        if flags > self.acceptance:
            return "FAIL"
        if verdicts == self.n:
            return "PASS"
        return "INCONCLUSIVE"

    def claim(self, flags: int, verdicts: int) -> str:
        """The sentence the report prints: only what the verdicts actually support."""
        outcome = self.verdict(flags, verdicts)
        rate, conf = _pct(self.max_flag_rate), _pct(self.confidence)
        bound = _bound_pct(clopper_pearson_upper(flags, verdicts, self.confidence))
        allowed = _flags_word(self.acceptance) + " allowed"
        if outcome == "FAIL":
            if self.is_census:
                of = f"all {verdicts}" if verdicts == self.n else f"{verdicts} checked"
            else:
                of = f"{verdicts} sampled"
            return (
                f"{flags} of {of} records flagged, more than the {self.acceptance} "
                f"allowed: the verifier-flagged rate may exceed {rate} ({conf} upper bound {bound})"
            )
        if outcome == "INCONCLUSIVE":
            missing = self.n - verdicts
            return (
                f"{missing} of {self.n} verdicts missing: no claim about the {rate} "
                f"verifier-flagged rate at {conf} confidence; {flags} flagged among the "
                f"{verdicts} returned ({allowed}; {conf} upper bound over those {bound})"
            )
        required = self.required_n
        if self.n >= required:
            return (
                f"verifier-flagged rate < {rate} at {conf} confidence "
                f"(n={self.n}, {allowed}; {flags} flagged, {conf} upper bound {bound})"
            )
        if self.n == 0:
            return "no records to check: nothing was verified"
        short = (
            f"fewer than the {required} needed to show a verifier-flagged rate < {rate} "
            f"at {conf} confidence"
        )
        if self.is_census:
            return (
                f"all {self.n} records checked; {flags} flagged ({allowed}); {short}, so this "
                f"covers these records only ({conf} upper bound {bound})"
            )
        return (
            f"{flags} of {self.n} sampled records flagged ({allowed}); {self.n} is {short} "
            f"({conf} upper bound {bound})"
        )
