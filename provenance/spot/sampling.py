"""Sampling and the pass rule for spot checks: how many records, which ones, and what we may claim.

A file is a finite population of N records (identical records are distinct rows). The claim
"fewer than ``max_flag_rate`` of them would be flagged by this verifier" is decided by the exact
hypergeometric test: with D* = ceil(p N) flagged records, seeing at most k flags among n drawn
without replacement must be unlikely, P(X <= k | N, D*, n) <= 1 - confidence. A census (n = N)
reduces to k < p N. The plan ``(n, c)`` is the smallest n for which c flags still pass; for large N
that is the binomial n (93 for 5% at 95% with c = 1), for small files fewer. The test is computed
in integers (``math.comb``), so a decision is never a rounding accident.

Which records: each row is ranked by a keyed hash of its position under a file key,
HMAC-SHA256(key, file digest), and the ``k`` smallest are kept (bottom-k; parts of a file merge
exactly). The key is a secret the data's author does not hold (CI's
``QA_PROVENANCE_SAMPLE_KEY``) or, without one, a public seed, which the verification records as
such. The same content always yields the same sample; any edit yields a new, unpredictable one.

Everything here is pure and standard-library only, so the numbers can be checked by hand.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import hmac
import math
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from typing import Generic, TypeVar

__all__ = [
    "BottomK",
    "Plan",
    "binom_cdf",
    "clopper_pearson_upper",
    "exact_sample_size",
    "file_key",
    "finite_upper_bound",
    "hypergeom_cdf",
    "hypergeom_test",
    "rank_key",
    "record_hash",
    "row_rank",
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


# --------------------------------------------------------------------------- finite population

# Above this sample size the exact integers grow past a megabit (C(10^9, 10^5) has 1.5 million
# bits, ~1 s); the test then sums the same terms in log space and passes only with a margin.
EXACT_LIMIT = 50_000
_FLOAT_MARGIN = 1e-6


def as_fraction(value: float) -> Fraction:
    """The decimal a user wrote (0.05, 0.95) as an exact fraction, not the nearest double."""
    return Fraction(repr(float(value)))


def defective_threshold(population: int, max_flag_rate: float) -> int:
    """D* = ceil(p N): the fewest flagged records at which the rate is no longer below p."""
    _check_count("population", population)
    _check_unit_open("max_flag_rate", max_flag_rate)
    return math.ceil(as_fraction(max_flag_rate) * population)


def _check_hyper(population: int, defective: int, n: int) -> None:
    _check_count("population", population)
    _check_count("defective", defective)
    _check_count("n", n)
    if defective > population or n > population:
        raise ValueError(f"defective ({defective}) and n ({n}) cannot exceed the population "
                         f"({population})")


def hypergeom_cdf(k: int, population: int, defective: int, n: int) -> Fraction:
    """P(X <= k), X the flagged records among n drawn without replacement from ``population``
    records of which ``defective`` are flagged: exact, as a fraction of integers."""
    _check_hyper(population, defective, n)
    lo, hi = max(0, n - (population - defective)), min(n, defective)
    if k < lo:
        return Fraction(0)
    if k >= hi:
        return Fraction(1)
    good = population - defective
    # term_i = C(D, i) C(N - D, n - i); each step is an exact integer division.
    term = math.comb(defective, lo) * math.comb(good, n - lo)
    total = term
    for i in range(lo, k):
        term = term * (defective - i) * (n - i) // ((i + 1) * (good - n + i + 1))
        total += term
    return Fraction(total, math.comb(population, n))


def _log_comb(a: int, b: int) -> float:
    return math.lgamma(a + 1.0) - math.lgamma(b + 1.0) - math.lgamma(a - b + 1.0)


def _hypergeom_cdf_float(k: int, population: int, defective: int, n: int) -> float:
    """The same sum in log space, for samples too large for exact integers."""
    lo, hi = max(0, n - (population - defective)), min(n, defective)
    if k < lo:
        return 0.0
    if k >= hi:
        return 1.0
    whole = _log_comb(population, n)
    logs = [_log_comb(defective, i) + _log_comb(population - defective, n - i) - whole
            for i in range(lo, k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * math.fsum(math.exp(v - top) for v in logs))


def hypergeom_test(flags: int, population: int, n: int, max_flag_rate: float,
                   confidence: float) -> bool:
    """Whether ``flags`` of ``n`` drawn from ``population`` show the flagged rate < p:
    P(X <= flags | N, ceil(p N), n) <= 1 - confidence. A census is exact: flags < p N."""
    _check_unit_open("confidence", confidence)
    _check_flags(flags, n)
    defective = defective_threshold(population, max_flag_rate)
    _check_hyper(population, defective, n)
    if n == 0:
        return False  # nothing seen shows nothing
    alpha = 1 - as_fraction(confidence)
    if n > EXACT_LIMIT and n != population:
        approx = _hypergeom_cdf_float(flags, population, defective, n)
        return approx <= float(alpha) * (1.0 - _FLOAT_MARGIN)
    return hypergeom_cdf(flags, population, defective, n) <= alpha


@functools.lru_cache(maxsize=256)
def exact_sample_size(population: int, max_flag_rate: float, confidence: float,
                      acceptance: int = 1) -> int | None:
    """Smallest n <= N at which ``acceptance`` flags still pass the exact test; None when even a
    census would not pass with that many (a small file: then only a census can decide)."""
    _check_count("acceptance", acceptance)
    if acceptance >= population or not hypergeom_test(
            acceptance, population, population, max_flag_rate, confidence):
        return None
    lo, hi = acceptance, population  # the test fails at lo (n <= c) and holds at hi
    binomial = sample_size(max_flag_rate, confidence, acceptance)
    if binomial < population and hypergeom_test(acceptance, population, binomial, max_flag_rate,
                                                confidence):
        hi = binomial  # the usual case: the exact n is at most the binomial one
    while hi - lo > 1:  # P(X <= c) only falls as n grows
        mid = (lo + hi) // 2
        if hypergeom_test(acceptance, population, mid, max_flag_rate, confidence):
            hi = mid
        else:
            lo = mid
    return hi


def finite_upper_bound(flags: int, population: int, n: int, confidence: float) -> int:
    """The most flagged records the file may hold at ``confidence``: the largest D with
    P(X <= flags | N, D, n) > 1 - confidence. A census knows it exactly: D = flags.

    The exact test passes exactly when this bound is below p N."""
    _check_unit_open("confidence", confidence)
    _check_flags(flags, n)
    _check_hyper(population, 0, n)
    if n == 0:
        return population
    alpha = 1 - as_fraction(confidence)

    def above(defective: int) -> bool:
        if n > EXACT_LIMIT and n != population:
            return _hypergeom_cdf_float(flags, population, defective, n) > float(alpha)
        return hypergeom_cdf(flags, population, defective, n) > alpha

    lo, hi = flags, population - (n - flags)  # D below flags or above hi cannot give flags
    if above(hi):
        return hi
    while hi - lo > 1:  # the cdf falls as D grows
        mid = (lo + hi) // 2
        if above(mid):
            lo = mid
        else:
            hi = mid
    return lo


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


SCHEME = "qa-provenance-sample/2"


def file_key(secret: bytes, file_digest: str) -> bytes:
    """The file's sampling key: HMAC-SHA256(secret, scheme || file digest).

    Keyed by a secret, the author cannot compute which rows are drawn; with the file's digest in
    it, any edit to the file draws a new, unpredictable sample, and the same content always the
    same one.
    """
    return hmac.digest(secret, f"{SCHEME}\0{file_digest}".encode(), "sha256")


def row_rank(key: bytes, position: int) -> int:
    """A row's rank under the file's key (``file_key``): keyed BLAKE2b-128 of its position, as a
    big-endian integer.

    The position is what a reader of any part of the file knows without reading what precedes
    it: the byte offset of a JSONL line, the record index in formats read whole. The digest in
    the key already names the content, so the record itself need not be hashed; identical
    records are distinct rows, drawn as often as they occur. One C call per row, so ranking is
    cheap next to reading.
    """
    digest = hashlib.blake2b(position.to_bytes(8, "big"), key=key, digest_size=16).digest()
    return int.from_bytes(digest, "big")


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
        self._push(_Slot(rank_key(self._seed, record_hash), record_hash, payload))

    def offer_ranked(self, key: bytes, row: str, payload: T) -> None:
        """Consider one row under a rank computed by the caller (``row_rank``); rows are never
        merged, so repeated content is kept as often as it ranks low enough."""
        self._seen += 1
        if self._k == 0:
            return
        self._push(_Slot(key, row, payload))

    def _push(self, slot: _Slot[T]) -> None:
        record_hash = slot.record_hash
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
    """An acceptance-sampling plan for one file, the exact pass rule, and the honest sentences.

    ``population`` is the number of records (rows, duplicates included) the sample was drawn
    from. Without it (a stream of unknown length) the binomial test stands in, which is
    conservative for any finite file.
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
        """The plan for a file of ``population`` records: the exact n for that size (the
        binomial n for large files), a census when no smaller sample can pass with c flags."""
        _check_count("population", population)
        if override_n is not None:
            _check_count("override_n", override_n, minimum=1)
            return cls(max_flag_rate, confidence, acceptance, min(population, override_n),
                       population)
        plan = cls(max_flag_rate, confidence, acceptance, 0, population)
        return cls(max_flag_rate, confidence, acceptance, plan.required_n, population)

    @functools.cached_property
    def binomial_n(self) -> int:
        """The sample size for an unbounded population: valid (conservative) for any file."""
        return sample_size(self.max_flag_rate, self.confidence, self.acceptance)

    @functools.cached_property
    def required_n(self) -> int:
        """The sample size the exact test needs for this population (a census if none smaller)."""
        if self.population is None:
            return self.binomial_n
        exact = exact_sample_size(self.population, self.max_flag_rate, self.confidence,
                                  self.acceptance)
        return self.population if exact is None else min(exact, self.binomial_n)

    @property
    def is_census(self) -> bool:
        """Every record of the population is in the sample."""
        return self.population is not None and self.n == self.population

    def holds(self, flags: int, verdicts: int) -> bool:
        """The exact test on ``flags`` among ``verdicts`` drawn from this population."""
        if self.population is None:
            return verdicts > 0 and binom_cdf(flags, verdicts, self.max_flag_rate) <= \
                float(1 - as_fraction(self.confidence))
        return hypergeom_test(flags, self.population, verdicts, self.max_flag_rate,
                              self.confidence)

    def allowed(self, verdicts: int) -> int:
        """The most flags ``verdicts`` records may hold and still pass (-1: none can pass)."""
        if not self.holds(0, verdicts):
            return -1
        lo, hi = 0, verdicts + 1  # holds at lo; at hi (more flags than records) it cannot
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if mid <= verdicts and self.holds(mid, verdicts):
                lo = mid
            else:
                hi = mid
        return lo

    def upper_bound(self, flags: int, verdicts: int) -> float:
        """The upper bound on the flagged rate at ``confidence``: finite-population when the
        population is known (the largest D the data allows, over N), else Clopper-Pearson."""
        if self.population is None:
            return clopper_pearson_upper(flags, verdicts, self.confidence)
        if self.population == 0:
            return 1.0
        bound = finite_upper_bound(flags, self.population, verdicts, self.confidence)
        return bound / self.population

    def _check_counts(self, flags: int, verdicts: int) -> None:
        _check_count("verdicts", verdicts)
        _check_flags(flags, verdicts)
        if verdicts > self.n:
            raise ValueError(f"verdicts ({verdicts}) cannot exceed the plan's n ({self.n})")

    def stop_early(self, flags: int) -> bool:
        """Once these flags cannot pass at this n the outcome is decided, so stop sending."""
        return flags > 0 and not self.holds(flags, self.n)

    def verdict(self, flags: int, verdicts: int) -> str:
        """PASS: all n verdicts in and the exact test holds. FAIL: the flags are too many even for
        the full plan's n (more verdicts cannot remove a flag). Anything else: INCONCLUSIVE."""
        self._check_counts(flags, verdicts)
        if verdicts == self.n and self.holds(flags, verdicts):
            return "PASS"
        if flags > 0 and not self.holds(flags, max(self.n, self.required_n)):
            return "FAIL"
        return "INCONCLUSIVE"

    def _bound_text(self, flags: int, verdicts: int) -> str:
        conf = _pct(self.confidence)
        if self.population is None:
            return f"{conf} upper bound {_bound_pct(self.upper_bound(flags, verdicts))}"
        most = finite_upper_bound(flags, self.population, verdicts, self.confidence) \
            if self.population else 0
        rate = _bound_pct(most / self.population) if self.population else "0.0%"
        return f"{conf} upper bound {most} of {self.population} records, {rate}"

    def _covers(self) -> str:
        records = "records" if self.population is None else f"{self.population} records"
        return (f"This covers the {records} of this exact content as this verifier judges "
                "them, not whether their answers are true.")

    def claim(self, flags: int, verdicts: int) -> str:
        """The sentences the report prints: only what the verdicts actually support."""
        outcome = self.verdict(flags, verdicts)
        rate, conf = _pct(self.max_flag_rate), _pct(self.confidence)
        if self.population == 0 or self.n == 0:
            return "no records to check: nothing was verified"
        bound = self._bound_text(flags, verdicts)
        census = self.is_census and verdicts == self.n
        of = f"all {verdicts}" if census else \
            f"{verdicts} checked" if self.is_census else f"{verdicts} sampled"
        if outcome == "PASS":
            if census:
                return (f"all {verdicts} records checked, {flags} flagged: fewer than {rate} of "
                        f"them, exactly ({bound}). {self._covers()}")
            allowed = _flags_word(self.allowed(verdicts)) + " allowed"
            exact = "" if self.population is None else f" of N={self.population}"
            return (f"verifier-flagged rate < {rate} at {conf} confidence (exact test, "
                    f"n={verdicts}{exact}, {allowed}; {flags} flagged, {bound}). "
                    f"{self._covers()}")
        if outcome == "FAIL":
            return (f"{flags} of {of} records flagged: too many to show a verifier-flagged "
                    f"rate < {rate} ({bound})")
        missing = self.n - verdicts
        if missing:
            return (f"{missing} of {self.n} verdicts missing: no claim about the {rate} "
                    f"verifier-flagged rate at {conf} confidence; {flags} flagged among the "
                    f"{verdicts} returned ({bound})")
        return (f"{flags} of {verdicts} sampled records flagged; {verdicts} is fewer than the "
                f"{self.required_n} needed to show a verifier-flagged rate < {rate} at {conf} "
                f"confidence, so no claim ({bound})")
