"""Sampling and the pass rule: exact binomial numbers, bottom-k selection and the honest claim."""

from __future__ import annotations

import hashlib
import math
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.spot import sampling
from provenance.spot.sampling import (
    BottomK,
    Plan,
    binom_cdf,
    clopper_pearson_upper,
    rank_key,
    record_hash,
    sample_size,
    wilson_interval,
)

# --------------------------------------------------------------------------- exact references


def exact_cdf(k: int, n: int, p: Fraction) -> Fraction:
    """P(X <= k) in rational arithmetic, straight from the definition."""
    return sum(
        (Fraction(math.comb(n, i)) * p**i * (1 - p) ** (n - i) for i in range(min(k, n) + 1)),
        Fraction(0),
    )


def exact_cdf_int(k: int, n: int, num: int, den: int) -> float:
    """The same for large n with p = num/den, in integers: term_i = C(n,i) num^i (den-num)^(n-i)."""
    rest = den - num
    term = rest**n
    total = term
    for i in range(k):
        term = term * (n - i) * num // ((i + 1) * rest)  # exact: the quotient is term_{i+1}
        total += term
    return float(Fraction(total, den**n))


# (max_flag_rate, confidence) -> n for c = 0, 1, 2, from the research notes (section 3).
RESEARCH_TABLE = {
    ("0.10", "0.90"): (22, 38, 52),
    ("0.10", "0.95"): (29, 46, 61),
    ("0.10", "0.99"): (44, 64, 81),
    ("0.05", "0.90"): (45, 77, 105),
    ("0.05", "0.95"): (59, 93, 124),
    ("0.05", "0.99"): (90, 130, 165),
    ("0.02", "0.95"): (149, 236, 313),
    ("0.01", "0.95"): (299, 473, 628),
    ("0.01", "0.99"): (459, 662, 838),
    ("0.005", "0.95"): (598, 947, 1258),
}
TABLE_CASES = [
    (rate, conf, c, n) for (rate, conf), ns in RESEARCH_TABLE.items() for c, n in enumerate(ns)
]

# --------------------------------------------------------------------------- binom_cdf


def test_binom_cdf_matches_brute_force_for_small_n() -> None:
    for n in range(25):
        for p in (0.001, 0.05, 0.3, 0.5, 0.77, 0.999):
            for k in range(-1, n + 2):
                expected = float(exact_cdf(k, n, Fraction(p))) if k >= 0 else 0.0
                assert binom_cdf(k, n, p) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_binomial_pmf_matches_exact_fractions_near_the_mean() -> None:
    """Every branch of Stirling's error term (n <= 15, 16-35, 36-80, 81-500, > 500) and of the
    deviance (series near the mean, direct form away from it) against exact fractions: the
    saddle-point pmf is good to ~1.5e-14 here, so 5e-14 catches a wrong coefficient or branch."""
    for n in range(2, 1101):
        for p in (Fraction(1, 2), Fraction(3, 8), Fraction(1, 16), Fraction(1, 64)):
            for x in {1, round(n * p), n - 1}:
                if not 0 < x < n:
                    continue
                exact = Fraction(math.comb(n, x)) * p**x * (1 - p) ** (n - x)
                if exact >= Fraction(1, 10**6):
                    got = math.exp(sampling._log_pmf(x, n, float(p)))
                    assert got == pytest.approx(float(exact), rel=5e-14, abs=0), (x, n, p)


def test_binom_cdf_edges_and_validation() -> None:
    assert binom_cdf(-1, 10, 0.5) == 0.0
    assert binom_cdf(10, 10, 0.5) == 1.0
    assert binom_cdf(0, 0, 0.5) == 1.0
    assert binom_cdf(0, 10, 0.0) == 1.0
    assert binom_cdf(9, 10, 1.0) == 0.0
    with pytest.raises(ValueError, match="p must be between 0 and 1"):
        binom_cdf(1, 10, 1.5)
    with pytest.raises(ValueError, match="n must be an integer"):
        binom_cdf(1, -1, 0.5)


@pytest.mark.parametrize("k", [2300, 2450, 2500, 2600, 2750])
def test_binom_cdf_is_accurate_at_n_50_000(k: int) -> None:
    # p = 1/20: both tails and the middle, against exact integer arithmetic.
    assert binom_cdf(k, 50_000, 0.05) == pytest.approx(exact_cdf_int(k, 50_000, 1, 20), rel=1e-11)


def test_binom_cdf_is_stable_at_n_100_000() -> None:
    n = 100_000
    # Far lower tail of a small rate, exactly.
    assert binom_cdf(50, n, 0.001) == pytest.approx(exact_cdf_int(50, n, 1, 1000), rel=1e-11)
    # Symmetry at p = 1/2: P(X <= n/2 - 1) = (1 - P(X = n/2)) / 2.
    half = Fraction(math.comb(n, n // 2), 2**n)
    assert binom_cdf(n // 2 - 1, n, 0.5) == pytest.approx(float((1 - half) / 2), rel=1e-12)
    # Underflow is a clean 0, never an error or NaN; the far upper tail a clean 1.
    assert binom_cdf(0, n, 0.5) == 0.0
    assert binom_cdf(n - 1, n, 0.5) == 1.0
    values = [binom_cdf(k, n, 0.3) for k in range(29_000, 31_001, 100)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == sorted(values)


# --------------------------------------------------------------------------- sample_size


def test_sample_size_defaults() -> None:
    assert sample_size(0.05, 0.95) == 93
    assert sample_size(0.05, 0.95, acceptance=0) == 59


@pytest.mark.parametrize(("rate", "conf", "c", "n"), TABLE_CASES)
def test_sample_size_matches_exact_binomial(rate: str, conf: str, c: int, n: int) -> None:
    assert sample_size(float(rate), float(conf), c) == n
    alpha = 1 - Fraction(conf)
    p = Fraction(rate)
    # Exact rationals: n satisfies the condition and n - 1 does not.
    assert exact_cdf(c, n, p) <= alpha
    assert exact_cdf(c, n - 1, p) > alpha
    # And no smaller sample does either (brute force over every m < n).
    assert all(binom_cdf(c, m, float(rate)) > float(alpha) for m in range(n))


@pytest.mark.parametrize(("rate", "conf"), [(0.05, 0.95), (0.01, 0.99), (0.1, 0.9), (0.003, 0.8)])
def test_sample_size_zero_acceptance_closed_form(rate: float, conf: float) -> None:
    assert sample_size(rate, conf, 0) == math.ceil(math.log(1 - conf) / math.log(1 - rate))


def test_sample_size_grows_with_strictness() -> None:
    assert sample_size(0.05, 0.95, 2) > sample_size(0.05, 0.95, 1) > sample_size(0.05, 0.95, 0)
    assert sample_size(0.05, 0.99) > sample_size(0.05, 0.95) > sample_size(0.05, 0.90)
    assert sample_size(0.01, 0.95) > sample_size(0.05, 0.95)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_flag_rate": 0.0, "confidence": 0.95}, "max_flag_rate must be strictly between"),
        ({"max_flag_rate": 1.0, "confidence": 0.95}, "max_flag_rate must be strictly between"),
        ({"max_flag_rate": 0.05, "confidence": 1.0}, "confidence must be strictly between"),
        ({"max_flag_rate": 0.05, "confidence": -0.5}, "confidence must be strictly between"),
        ({"max_flag_rate": 0.05, "confidence": 0.95, "acceptance": -1}, "acceptance must be"),
    ],
)
def test_sample_size_validates(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sample_size(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(
    ("flags", "n", "conf", "expected"),
    [
        (0, 59, 0.95, 0.0495),
        (0, 100, 0.95, 0.0295),
        (0, 30, 0.95, 0.0950),
        (0, 200, 0.99, 0.0228),
        (0, 59, 0.99, 0.075),
        (0, 300, 0.99, 0.0152),
        # Two-sided 95% upper limits from the notes are one-sided 97.5% bounds.
        (1, 100, 0.975, 0.0545),
        (3, 100, 0.975, 0.0852),
    ],
)
def test_clopper_pearson_research_values(flags: int, n: int, conf: float, expected: float) -> None:
    assert clopper_pearson_upper(flags, n, conf) == pytest.approx(expected, abs=5e-4)


def test_clopper_pearson_special_cases() -> None:
    assert clopper_pearson_upper(0, 0, 0.95) == 1.0
    assert clopper_pearson_upper(7, 7, 0.95) == 1.0
    assert clopper_pearson_upper(0, 59, 0.95) == pytest.approx(1 - 0.05 ** (1 / 59), rel=1e-12)
    with pytest.raises(ValueError, match="cannot exceed"):
        clopper_pearson_upper(5, 4, 0.95)
    with pytest.raises(ValueError, match="confidence"):
        clopper_pearson_upper(0, 4, 1.0)


@pytest.mark.parametrize(("flags", "n"), [(1, 93), (3, 40), (2, 124), (10, 1000), (49, 50)])
def test_clopper_pearson_solves_the_defining_equation(flags: int, n: int) -> None:
    upper = clopper_pearson_upper(flags, n, 0.95)
    assert binom_cdf(flags, n, upper) == pytest.approx(0.05, abs=1e-8)
    assert binom_cdf(flags, n, upper) <= 0.05 + 1e-12  # the conservative side
    assert upper > flags / n


def test_clopper_pearson_for_one_record_by_hand() -> None:
    # n = 1, no flag: P(0 flags) = 1 - p = alpha at p = 1 - alpha = the confidence.
    assert clopper_pearson_upper(0, 1, 0.95) == pytest.approx(0.95, rel=1e-12)
    assert clopper_pearson_upper(1, 1, 0.95) == 1.0


def test_clopper_pearson_is_monotone() -> None:
    by_flags = [clopper_pearson_upper(f, 100, 0.95) for f in range(101)]
    assert all(a < b for a, b in zip(by_flags, by_flags[1:]))
    by_n = [clopper_pearson_upper(2, n, 0.95) for n in range(3, 300)]
    assert all(a > b for a, b in zip(by_n, by_n[1:]))
    by_conf = [clopper_pearson_upper(2, 50, c) for c in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)]
    assert by_conf == sorted(by_conf)


@pytest.mark.parametrize(("rate", "conf", "c", "n"), TABLE_CASES)
def test_plan_acceptance_equals_bound_rule(rate: str, conf: str, c: int, n: int) -> None:
    """Accepting c flags in n shows rate < p exactly when the Clopper-Pearson bound is below p."""
    assert clopper_pearson_upper(c, n, float(conf)) < float(rate)
    assert clopper_pearson_upper(c, n - 1, float(conf)) >= float(rate)


def test_wilson_interval() -> None:
    low, high = wilson_interval(1, 100, 0.95)
    assert low == pytest.approx(0.0018, abs=5e-5)
    assert high == pytest.approx(0.0545, abs=5e-5)
    assert wilson_interval(0, 0, 0.95) == (0.0, 1.0)
    # Two-sided 90% = one-sided 95%: Wilson is anti-conservative at zero flags (display only).
    low, high = wilson_interval(0, 59, 0.90)
    assert low == 0.0
    assert high == pytest.approx(0.0438, abs=5e-5)
    assert high < clopper_pearson_upper(0, 59, 0.95)
    assert wilson_interval(5, 5, 0.95)[1] == 1.0
    for flags in range(0, 41, 5):
        low, high = wilson_interval(flags, 40, 0.9)
        assert 0.0 <= low <= flags / 40 <= high <= 1.0


# --------------------------------------------------------------------------- hashing


def test_record_hash_and_rank_key_are_pinned() -> None:
    # Pinned values: changing the ranking scheme changes every selection, so it must be deliberate.
    assert record_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert (
        record_hash(b'{"answer":"4","question":"2+2?"}')
        == "b78b9185a25145f40e9ce0ff9f87d3b86b41e85b5396bfacc7cee59cf0380045"
    )
    assert (
        rank_key("qa-provenance-v1", record_hash(b"")).hex()
        == "c985995933963a2ccf86c4dc549398bab224c245a5548f380fbfd6c1d4ca8643"
    )
    assert (
        rank_key("", "abc").hex()
        == "609f6e36d2405585188d5cfd761f407c7cc46a7d3f314c88270469dde315fcd1"
    )


def test_rank_key_scheme() -> None:
    assert rank_key("s", "h") == hashlib.sha256(b"s\0h").digest()
    assert rank_key("ab", "c") != rank_key("a", "bc")  # the separator matters
    assert rank_key("seed-1", "h") != rank_key("seed-2", "h")


# --------------------------------------------------------------------------- BottomK


def hashes(count: int, tag: str = "r") -> list[str]:
    return [record_hash(f"{tag}{i}".encode()) for i in range(count)]


def select(seq: list[str], k: int, seed: str = "seed") -> list[tuple[str, str]]:
    chooser: BottomK[str] = BottomK(k, seed)
    for h in seq:
        chooser.offer(h, "payload:" + h[:8])
    return chooser.result()


def reference(seq: list[str], k: int, seed: str = "seed") -> list[str]:
    return sorted(set(seq), key=lambda h: (rank_key(seed, h), h))[:k]


def test_row_rank_is_pinned() -> None:
    # Keyed BLAKE2b-128 of the 8-byte big-endian position under HMAC-SHA256(secret, scheme NUL
    # digest); pinned so that a changed width or digest size (a new selection for every recorded
    # verification) cannot pass unnoticed.
    key = sampling.file_key(b"secret", "sha256:abc")
    assert key.hex() == "b61ba09211387a2467cb323b8139b49b0e928263c636a4ba0d4554cb2f9839b8"
    assert sampling.row_rank(key, 0) == 172960268624512712532848058798420041229
    assert sampling.row_rank(key, 258) == 49201960758400418297157195096205103964


@pytest.mark.parametrize("k", [0, 1, 3, 10])
def test_bottom_k_ranked_rows_keep_the_k_smallest_and_count_every_row(k: int) -> None:
    ranks = [7, 3, 9, 3, 1, 8, 2, 6]  # equal ranks on different rows are both kept
    picks: BottomK[int] = BottomK(k, "unused")
    for position, rank in enumerate(ranks):
        picks.offer_ranked(rank.to_bytes(2, "big"), f"row{position}", position)
    assert picks.seen() == len(ranks)
    expected = sorted(range(len(ranks)), key=lambda i: (ranks[i], f"row{i}"))[:k]
    assert [payload for _, payload in picks.result()] == expected
    assert len(picks) == min(k, len(ranks))


def test_bottom_k_keeps_the_smallest_keys_in_order() -> None:
    population = hashes(500)
    picked = select(population, 25)
    assert [h for h, _ in picked] == reference(population, 25)
    assert all(payload == "payload:" + h[:8] for h, payload in picked)
    assert select(population, 25) == picked  # deterministic
    assert select(population, 25, seed="other") != picked  # the seed redraws


def test_bottom_k_with_k_larger_than_population() -> None:
    population = hashes(7)
    chooser: BottomK[int] = BottomK(100, "seed")
    for i, h in enumerate(population):
        chooser.offer(h, i)
    assert len(chooser) == 7
    assert chooser.seen() == 7
    assert [h for h, _ in chooser.result()] == reference(population, 100)


def test_bottom_k_duplicates_and_counts() -> None:
    chooser: BottomK[int] = BottomK(3, "seed")
    population = hashes(5)
    for line, h in enumerate(population + population[:2], start=1):
        chooser.offer(h, line)
    assert chooser.seen() == 7
    assert len(chooser) == 3
    picked = chooser.result()
    assert len({h for h, _ in picked}) == 3
    for h, line in picked:  # the first occurrence's payload is kept
        assert line == population.index(h) + 1


def test_bottom_k_zero_and_validation() -> None:
    chooser: BottomK[None] = BottomK(0, "seed")
    chooser.offer(record_hash(b"x"), None)
    assert chooser.result() == []
    assert chooser.seen() == 1
    with pytest.raises(ValueError, match="k must be an integer >= 0"):
        BottomK(-1, "seed")


def test_bottom_k_breaks_key_ties_by_record_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sampling, "rank_key", lambda seed, h: b"\x00")
    population = hashes(20)
    expected = sorted(population)[:5]
    assert [h for h, _ in select(population, 5)] == expected
    assert [h for h, _ in select(list(reversed(population)), 5)] == expected


record_sets = st.lists(st.binary(max_size=6), unique=True, max_size=40).map(
    lambda raws: [record_hash(raw) for raw in raws]
)


@settings(max_examples=200, deadline=None)
@given(population=record_sets, k=st.integers(0, 12), data=st.data())
def test_bottom_k_is_independent_of_arrival_order(
    population: list[str], k: int, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(population))
    with_repeats = shuffled + data.draw(st.lists(st.sampled_from(population))) if population else []
    assert select(shuffled, k) == select(population, k)
    assert select(with_repeats, k) == select(population, k)
    assert [h for h, _ in select(shuffled, k)] == reference(population, k)


@settings(max_examples=200, deadline=None)
@given(population=record_sets, cut=st.integers(0, 40), k=st.integers(1, 12))
def test_bottom_k_is_stable_under_appends(population: list[str], cut: int, k: int) -> None:
    before, appended = population[:cut], population[cut:]
    old = [h for h, _ in select(before, k)]
    new = [h for h, _ in select(population, k)]
    # The new pick is the old pick plus the appended records, cut back to k ...
    assert new == reference(old + appended, k)
    # ... so an old pick leaves only when displaced by appended records that rank lower.
    dropped = [h for h in old if h not in new]
    if dropped:
        worst_new = max(rank_key("seed", h) for h in new)
        assert all(rank_key("seed", h) > worst_new for h in dropped)
        assert sum(h in appended for h in new) >= len(dropped)
    kept_old = [h for h in new if h in old]
    assert kept_old == [h for h in old if h in new]  # survivors keep their relative order


# --------------------------------------------------------------------------- Plan

BOUND = re.compile(r"95% upper bound (\d+) of (\d+) records, (\d{1,3}\.\d)%")


def test_plan_for_population() -> None:
    # Large files keep the binomial plan; the exact n for small files is hand-checked in
    # tests/test_spot_statistics.py (N=41 -> 36).
    assert Plan.for_population(10_000) == Plan(0.05, 0.95, 1, 93, 10_000)
    assert Plan.for_population(10_000, acceptance=0).n == 59
    assert Plan.for_population(10_000, 0.10, 0.95, 0).n == 29
    assert Plan.for_population(41).n == 36
    small = Plan.for_population(20)  # no sample of 20 records can pass with 1 flag: a census
    assert small.n == 20 and small.is_census
    assert Plan.for_population(1000, override_n=20).n == 20
    assert Plan.for_population(15, override_n=20).n == 15
    assert Plan.for_population(0).n == 0
    assert Plan.for_population(10_000).required_n == 93


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_flag_rate": 0.0}, "max_flag_rate must be strictly between 0 and 1"),
        ({"max_flag_rate": 1.2}, "max_flag_rate must be strictly between 0 and 1"),
        ({"confidence": 1.0}, "confidence must be strictly between 0 and 1"),
        ({"acceptance": -1}, "acceptance must be an integer >= 0"),
        ({"override_n": 0}, "override_n must be an integer >= 1"),
        ({"population": -3}, "population must be an integer >= 0"),
    ],
)
def test_plan_validates(kwargs: dict[str, float], message: str) -> None:
    args: dict[str, float] = {"population": 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        Plan.for_population(**args)  # type: ignore[arg-type]


def test_plan_constructor_validates() -> None:
    with pytest.raises(ValueError, match="confidence"):
        Plan(0.05, 0.95 * 0, 1, 93)
    with pytest.raises(ValueError, match="cannot exceed the population"):
        Plan(0.05, 0.95, 1, 93, population=40)


def test_plan_verdicts_and_early_stop() -> None:
    plan = Plan.for_population(10_000)
    assert plan.verdict(0, 93) == "PASS"
    assert plan.verdict(1, 93) == "PASS"
    assert plan.verdict(2, 93) == "FAIL"
    assert plan.verdict(2, 10) == "FAIL"  # early stop: fail without the rest
    assert plan.verdict(0, 92) == "INCONCLUSIVE"
    assert plan.verdict(0, 0) == "INCONCLUSIVE"
    assert not plan.stop_early(1)
    assert plan.stop_early(2)
    with pytest.raises(ValueError, match="cannot exceed"):
        plan.verdict(3, 2)
    with pytest.raises(ValueError, match="cannot exceed the plan's n"):
        plan.verdict(0, 94)


def test_a_plan_without_population_uses_the_binomial_rule() -> None:
    """A stream of unknown length: the binomial test, n = 93 for 1 flag at 5% / 95% (the
    research table), checked against the exact sum in fractions."""
    rate = Fraction(1, 20)
    assert exact_cdf(1, 93, rate) <= Fraction(1, 20) < exact_cdf(1, 92, rate)
    plan = Plan(0.05, 0.95, 1, 93)
    assert plan.required_n == 93
    assert [plan.holds(0, 93), plan.holds(1, 93), plan.holds(2, 93), plan.holds(1, 92),
            plan.holds(0, 0)] == [True, True, False, False, False]
    assert [plan.verdict(1, 93), plan.verdict(2, 93), plan.verdict(0, 92)] == \
        ["PASS", "FAIL", "INCONCLUSIVE"]
    assert plan.allowed(93) == 1
    assert Plan(0.9, 0.5, 0, 1).holds(0, 1)  # one record, no flag: P = 0.1 <= 0.5
    assert Plan(0.5, 0.5, 0, 1).holds(0, 1)  # P = 0.5 = 1 - 0.5: at most, not below
    bound = plan.upper_bound(1, 93)  # Clopper-Pearson: P(X <= 1 | 93, bound) = 0.05
    assert 1 / 93 < bound < 0.05
    assert float(exact_cdf(1, 93, Fraction(bound))) == pytest.approx(0.05, rel=1e-8)
    assert plan.claim(1, 93) == (
        "verifier-flagged rate < 5% at 95% confidence (exact test, n=93, 1 flag allowed; "
        "1 flagged, 95% upper bound 5.0%). This covers the records of this exact content as "
        "this verifier judges them, not whether their answers are true.")


def test_allowed_flags_bound_and_early_stop_by_hand() -> None:
    rate = Fraction(1, 20)
    assert exact_cdf(2, 124, rate) <= rate < exact_cdf(3, 124, rate)  # the table's 124 for c=2
    assert Plan(0.05, 0.95, 2, 124).allowed(124) == 2
    assert Plan(0.05, 0.95, 1, 93).allowed(10) == -1  # no 10 records can show < 5%
    zero = Plan.for_population(10_000, acceptance=0)  # n = 59
    assert (zero.n, zero.allowed(59)) == (59, 0)
    assert "(exact test, n=59 of N=10000, 0 flags allowed; 0 flagged" in zero.claim(0, 59)
    assert zero.stop_early(1) and not zero.stop_early(0)
    # P(X <= 1 | 2, 0.9) = 1 - 0.81 = 0.19 <= 0.5: one of two records may be flagged.
    assert Plan(0.9, 0.5, 1, 2).allowed(2) == 1
    # The bound the JSON report and the recorded verification carry: 0 of 93 from 10,000
    # allows 315 flagged records (worked out by hand below); a census of one knows exactly.
    assert Plan(0.05, 0.95, 1, 93, 10_000).upper_bound(0, 93) == 315 / 10_000
    assert Plan(0.05, 0.95, 1, 1, 1).upper_bound(0, 1) == 0.0
    assert Plan(0.05, 0.95, 1, 0, 0).upper_bound(0, 0) == 1.0  # nothing seen shows nothing
    assert Plan.for_population(0).verdict(0, 0) == "INCONCLUSIVE"  # neither PASS nor FAIL


def _hypergeom_oracle(k: int, population: int, defective: int, n: int) -> Fraction:
    """P(X <= k) straight from the definition, in fractions."""
    return sum((Fraction(math.comb(defective, i) * math.comb(population - defective, n - i),
                         math.comb(population, n)) for i in range(k + 1)), Fraction(0))


def test_the_float_path_agrees_with_the_exact_sum(monkeypatch: pytest.MonkeyPatch) -> None:
    """Samples above EXACT_LIMIT sum in log space and pass only with a margin below 1 -
    confidence. With the limit at 0 every sample takes that path: outside the margin it must
    decide as the exact sum does (samples larger than the unflagged records included)."""
    monkeypatch.setattr(sampling, "EXACT_LIMIT", 0)
    for population in (10, 23, 60):
        for rate, confidence in ((0.05, 0.95), (0.1, 0.9), (0.3, 0.95)):
            alpha = 1 - Fraction(str(confidence))
            defective = math.ceil(Fraction(str(rate)) * population)
            for n in range(1, population):
                for flags in range(min(n, 4) + 1):
                    exact = _hypergeom_oracle(flags, population, defective, n)
                    passed = sampling.hypergeom_test(flags, population, n, rate, confidence)
                    if exact <= alpha * Fraction(999_998, 1_000_000):
                        assert passed, (population, rate, n, flags)
                    elif exact > alpha:
                        assert not passed, (population, rate, n, flags)


def test_the_float_path_margin_is_one_in_a_million(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0 flags in 10 of 20 records, 2 of them bad (10%): P = C(18, 10) / C(20, 10). With alpha
    # 1.5e-6 above P (relative), P sits inside a 2e-6 margin but outside the 1e-6 one: PASS.
    monkeypatch.setattr(sampling, "EXACT_LIMIT", 0)
    p_zero = Fraction(math.comb(18, 10), math.comb(20, 10))
    assert p_zero == _hypergeom_oracle(0, 20, 2, 10)
    confidence = 1 - float(p_zero * (1 + Fraction(15, 10**7)))
    assert sampling.hypergeom_test(0, 20, 10, 0.1, confidence)
    confidence = 1 - float(p_zero * (1 + Fraction(5, 10**7)))  # inside the margin: refused
    assert not sampling.hypergeom_test(0, 20, 10, 0.1, confidence)


def test_the_float_path_refuses_inside_its_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    # P(X <= 0 | N=10, D=1, n=5) = C(9,5) / C(10,5) = 1/2 exactly: at 50% confidence the exact
    # test passes (1/2 <= 1/2); the log-space sum (0.49999999999999994) is inside the margin.
    assert _hypergeom_oracle(0, 10, 1, 5) == Fraction(1, 2)
    monkeypatch.setattr(sampling, "EXACT_LIMIT", 5)  # n = 5 is not above it: exact
    assert sampling.hypergeom_test(0, 10, 5, 0.1, 0.5)
    monkeypatch.setattr(sampling, "EXACT_LIMIT", 4)  # above it: log space, with the margin
    assert not sampling.hypergeom_test(0, 10, 5, 0.1, 0.5)
    assert sampling.hypergeom_test(0, 10, 10, 0.1, 0.5)  # a census is always exact
    # The bound: P(X <= 0 | N=4, D=1, n=2) = C(3,2) / C(4,2) = 1/2, not above 1/2, so no
    # flagged record is allowed at 50% when n = 2 is summed exactly.
    monkeypatch.setattr(sampling, "EXACT_LIMIT", 2)
    assert sampling.finite_upper_bound(0, 4, 2, 0.5) == 0
    monkeypatch.undo()
    assert sampling.finite_upper_bound(0, 0, 0, 0.95) == 0  # an empty file holds none
    # 0 flags among 60,000 of a million (log space): P(X = 0 | D) = prod_{j<D} (N-n-j)/(N-j),
    # the largest D keeping it above 1/20, in fractions.
    most, p_zero = 0, Fraction(1)
    while p_zero * Fraction(10**6 - 60_000 - most, 10**6 - most) > Fraction(1, 20):
        p_zero *= Fraction(10**6 - 60_000 - most, 10**6 - most)
        most += 1
    assert sampling.finite_upper_bound(0, 10**6, 60_000, 0.95) == most == 48
    assert sampling.exact_sample_size(10_000, 0.05, 0.95) == 93  # one flag allowed by default
    # A real large sample: 2,500 of 60,000 (4.2%) shows < 5% of a million records; 3,100 (5.2%)
    # does not. The terms span thousands of orders of magnitude without overflowing.
    assert sampling.hypergeom_test(2500, 10**6, 60_000, 0.05, 0.95)
    assert not sampling.hypergeom_test(3100, 10**6, 60_000, 0.05, 0.95)
    with pytest.raises(ValueError, match="cannot exceed the population"):
        sampling.hypergeom_cdf(0, 10, 11, 5)
    with pytest.raises(ValueError, match="cannot exceed the population"):
        sampling.hypergeom_cdf(0, 10, 5, 11)


def test_claim_pass() -> None:
    plan = Plan.for_population(10_000)
    assert plan.claim(0, 93).startswith(
        "verifier-flagged rate < 5% at 95% confidence (exact test, n=93 of N=10000, 1 flag "
        "allowed; 0 flagged, 95% upper bound 315 of 10000 records, 3.2%). This covers the "
        "10000 records of this exact content as this verifier judges them"
    )
    strict = Plan.for_population(10_000, 0.10, 0.99, 2)
    assert strict.claim(2, strict.n).startswith(
        f"verifier-flagged rate < 10% at 99% confidence (exact test, n={strict.n} of N=10000, "
        "2 flags allowed; 2 flagged"
    )


def test_claim_for_a_one_record_file() -> None:
    # One record, checked, not flagged: a census with 0 < 5% of 1, so a PASS with a real claim.
    plan = Plan.for_population(1)
    assert plan.n == 1
    assert plan.verdict(0, 1) == "PASS"
    assert plan.claim(0, 1).startswith("all 1 records checked, 0 flagged")


def test_claim_fail() -> None:
    plan = Plan.for_population(10_000)
    assert plan.claim(3, 40).startswith(
        "3 of 40 sampled records flagged: too many to show a verifier-flagged rate < 5% "
        "(95% upper bound")


def test_claim_inconclusive_names_the_missing_verdicts() -> None:
    claim = Plan.for_population(10_000).claim(0, 88)
    assert claim.startswith("5 of 93 verdicts missing: no claim about the 5% verifier-flagged rate")
    assert "0 flagged among the 88 returned" in claim
    assert "< 5%" not in claim


def test_claim_all_records_is_honest() -> None:
    plan = Plan.for_population(20)
    claim = plan.claim(0, 20)
    assert plan.verdict(0, 20) == "PASS"
    assert claim.startswith("all 20 records checked, 0 flagged: fewer than 5% of them, exactly")
    assert plan.verdict(1, 20) == "FAIL"  # 1 of 20 is 5%, not below it
    assert plan.claim(1, 20).startswith("1 of all 20 records flagged: too many")
    assert Plan.for_population(0).claim(0, 0) == "no records to check: nothing was verified"


def test_claim_for_an_undersized_override() -> None:
    claim = Plan.for_population(10_000, override_n=20).claim(0, 20)
    assert claim.startswith("0 of 20 sampled records flagged; 20 is fewer than the 93 needed")
    assert not claim.startswith("verifier-flagged rate <")
    assert Plan.for_population(10_000, override_n=20).verdict(0, 20) == "INCONCLUSIVE"


@pytest.mark.parametrize(
    ("population", "flags", "verdicts", "most"),
    # The largest number of flagged records the data allows at 95%, worked out by hand:
    # a census knows it exactly; 0 of 93 from 10,000 allows 315 (P(X=0 | 10000, 315, 93) =
    # 0.0503 > 0.05, with 316 it is 0.0498).
    [(20, 0, 20, 0), (40, 3, 40, 3), (10_000, 0, 93, 315)],
)
def test_every_claim_carries_the_finite_population_bound(population: int, flags: int,
                                                          verdicts: int, most: int) -> None:
    plan = Plan(0.05, 0.95, 1, verdicts, population)
    match = BOUND.search(plan.claim(flags, verdicts))
    assert match, plan.claim(flags, verdicts)
    assert int(match.group(1)) == most and int(match.group(2)) == population


def test_bound_display_rounds_up() -> None:
    assert sampling._bound_pct(0.0495) == "5.0%"
    assert sampling._bound_pct(0.05) == "5.0%"
    assert sampling._bound_pct(0.05001) == "5.1%"
    assert sampling._bound_pct(1.0) == "100.0%"
