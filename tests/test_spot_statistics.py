"""The spot check's statistics and evidence, held to values computed independently.

The exact test is checked against brute force (every subset of a small population counted) and
hand-worked values; the issue's cases (issue 12: small files, a short sample, duplicates, a
steerable sample, a planted cache; issue 13: hand-written verifications; issue 17: several
verifications, time zones) each run end to end with the local verifier, offline.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from conftest import GENERATOR, Repo, Runner, dump_yaml

from provenance import __version__
from provenance.checks.verification import VerificationPolicy, newest_accepted, parse_time
from provenance.reading.embedded import canonical_bytes
from provenance.spot import sampling
from provenance.spot.local_verifier import VERIFIER_ID
from provenance.spot.sampling import (
    Plan,
    exact_sample_size,
    finite_upper_bound,
    hypergeom_cdf,
    hypergeom_test,
)

DATA = "data/qa.jsonl"
SIDECAR = f"{DATA}.provenance.yaml"
KEY = "ci-secret-9f8e7d6c5b4a"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- oracles


def brute_cdf(k: int, population: int, defective: int, n: int) -> Fraction:
    """P(X <= k) by counting every n-subset of N rows, the first D of them flagged."""
    hits = total = 0
    for subset in itertools.combinations(range(population), n):
        total += 1
        hits += sum(1 for row in subset if row < defective) <= k
    return Fraction(hits, total)


def test_the_exact_cdf_matches_counting_every_subset() -> None:
    for population in range(0, 10):
        for defective in range(population + 1):
            for n in range(population + 1):
                for k in range(-1, n + 1):
                    assert hypergeom_cdf(k, population, defective, n) == \
                        brute_cdf(k, population, defective, n), (k, population, defective, n)


def test_hand_worked_plan_for_41_records() -> None:
    """N=41, p=5%: D* = ceil(2.05) = 3. With c = 1:
    n=36: (C(38,36) + 3 C(38,35)) / C(41,36) = (703 + 25308) / 749398 = 0.0347 <= 0.05;
    n=35: (C(38,35) + 3 C(38,34)) / C(41,35) = (8436 + 221445) / 4496388 = 0.0511 > 0.05."""
    assert hypergeom_cdf(1, 41, 3, 36) == Fraction(26011, 749398)
    assert hypergeom_cdf(1, 41, 3, 35) == Fraction(229881, 4496388)
    assert exact_sample_size(41, 0.05, 0.95, 1) == 36
    assert Plan.for_population(41).n == 36


def brute_sample_size(population: int, rate: Fraction, alpha: Fraction, c: int) -> int | None:
    defective = math.ceil(rate * population)
    for n in range(c + 1, population + 1):
        if brute_cdf(c, population, defective, n) <= alpha:
            return n
    return None


@pytest.mark.parametrize("rate", ["0.05", "0.1", "0.25"])
@pytest.mark.parametrize("c", [0, 1, 2])
def test_exact_sample_size_matches_a_linear_search_by_counting(rate: str, c: int) -> None:
    for population in range(1, 13):
        expected = brute_sample_size(population, Fraction(rate), Fraction(1, 20), c)
        assert exact_sample_size(population, float(rate), 0.95, c) == expected, population


def test_finite_upper_bound_matches_a_scan_by_counting() -> None:
    for population in range(1, 10):
        for n in range(1, population + 1):
            for k in range(n + 1):
                allowed = [d for d in range(population + 1)
                           if brute_cdf(k, population, d, n) > Fraction(1, 20)]
                assert finite_upper_bound(k, population, n, 0.95) == max(allowed)


def test_a_census_passes_exactly_when_fewer_than_p_n_are_flagged() -> None:
    for population in range(1, 120):
        for flags in range(population + 1):
            expected = Fraction(flags) < Fraction(5, 100) * population
            assert hypergeom_test(flags, population, population, 0.05, 0.95) == expected


def test_large_files_keep_the_binomial_plan() -> None:
    for population in (5_000, 100_000, 10**7):
        assert Plan.for_population(population).n == 93  # the binomial n for 5% / 95% / c=1
    assert Plan.for_population(10**7, acceptance=0).n == 59
    # small files need fewer, never more (hand-checked above for 41; a census for 20 or fewer)
    sizes = {n: Plan.for_population(n).n for n in (20, 41, 100, 500, 1000)}
    assert sizes == {20: 20, 41: 36, 100: 65, 500: 87, 1000: 90}


def test_the_float_path_for_huge_samples_agrees_away_from_the_boundary(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sampling, "EXACT_LIMIT", 10)
    for flags, n in ((0, 60), (1, 93), (2, 93), (5, 200), (12, 200)):
        exact = hypergeom_cdf(flags, 5000, 250, n)
        if abs(float(exact) - 0.05) > 1e-4:
            assert sampling.hypergeom_test(flags, 5000, n, 0.05, 0.95) == (exact <= Fraction(1, 20))


# --------------------------------------------------------------------------- a repository


def rows(count: int, wrong: Any = (), ids: bool = False) -> list[dict[str, Any]]:
    """Extractive QA records; the local verifier flags those in ``wrong`` (a number the context
    does not hold)."""
    out = []
    for i in range(count):
        answer = f"{i + 900} kilograms" if i in wrong else f"{i + 1} grams"
        row = {"question": f"How much does item {i} weigh?", "answer": answer,
               "context": f"In the catalogue, item {i} weighs {i + 1} grams."}
        out.append({"id": f"q{i}", **row} if ids else row)
    return out


def setup(repo: Repo, records: list[dict[str, Any]], config: dict[str, Any] | None = None
          ) -> None:
    repo.jsonl(DATA, records)
    repo.sidecar(DATA)
    repo.write(".qa-provenance.yaml", dump_yaml(config) if config else "{}\n")


# --------------------------------------------------------------------------- issue 12, bullet 1


@pytest.mark.parametrize(("count", "wrong", "code", "start"), [
    (2, [1], 1, "FAIL 1 of all 2 records flagged"),  # 50%: was PASS
    (20, [3], 1, "FAIL 1 of all 20 records flagged"),  # 5% is not below 5%: was PASS
    (21, [3], 0, "PASS all 21 records checked, 1 flagged"),
])
def test_a_census_passes_only_below_the_rate(repo: Repo, run: Runner, count: int,
                                             wrong: list[int], code: int, start: str) -> None:
    setup(repo, rows(count, wrong))
    result = run("spot-check")
    assert result.code == code, result.out
    assert f"{DATA}: {start}" in result.out


@pytest.mark.parametrize(("count", "wrong"), [(41, [0, 7]), (92, [1, 30, 50, 91])])
def test_a_census_under_the_rate_passes_with_several_flags(repo: Repo, run: Runner, count: int,
                                                           wrong: list[int]) -> None:
    """2 of 41 (4.9%) and 4 of 92 (4.3%) are below 5%: a census shows it exactly (was FAIL)."""
    setup(repo, rows(count, wrong))
    result = run("spot-check", "--sample", str(count))
    assert result.code == 0, result.out
    assert f"PASS all {count} records checked, {len(wrong)} flagged: fewer than 5%" in result.out


# --------------------------------------------------------------------------- bullet 2


def test_a_short_sample_is_inconclusive_and_does_not_satisfy_qp030(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", KEY)
    setup(repo, rows(134, wrong=range(100)),
          {"require-verification": {"files": ["data/*.jsonl"]}})
    result = run("spot-check", "--sample", "1", "--record")
    assert result.code == 3, result.out  # was PASS
    assert "1 is fewer than the 69 needed" in result.out
    assert "QP030" in run("check").codes()


# --------------------------------------------------------------------------- bullet 3


def test_copies_of_one_bad_record_are_as_many_bad_rows(repo: Repo, run: Runner) -> None:
    bad = rows(1, wrong=[0])[0]
    records = rows(201)[1:] + [bad] * 800  # 200 good, 800 copies of one bad: 80% flagged
    setup(repo, records)
    result = run("spot-check")
    assert result.code == 1, result.out  # was "PASS, n=93, 1 flagged"
    assert f"{DATA}: FAIL " in result.out and "sampled records flagged" in result.out


# --------------------------------------------------------------------------- bullet 4


def old_rank(record: dict[str, Any]) -> bytes:
    """The rank the data's author could compute before: sha256(public seed || record hash)."""
    digest = hashlib.sha256(canonical_bytes(record)).hexdigest()
    return hashlib.sha256(b"qa-provenance\0" + digest.encode()).digest()


def steer(records: list[dict[str, Any]], bad: set[int], edit: str) -> list[dict[str, Any]]:
    """The author's attack on a public, content-only ranking: edit each bad record (its id, or
    trailing spaces in its answer) until it ranks outside the 93 records that are drawn."""
    good_ranks = sorted(old_rank(r) for i, r in enumerate(records) if i not in bad)
    cutoff = good_ranks[92]
    out = []
    for i, record in enumerate(records):
        record = dict(record)
        tries = 0
        while i in bad and old_rank(record) <= cutoff:
            tries += 1
            if edit == "id":
                record["id"] = f"q{i}-{tries}"
            else:
                record["answer"] = records[i]["answer"] + " " * tries
        out.append(record)
    return out


@pytest.mark.parametrize("edit", ["id", "whitespace"])
@pytest.mark.parametrize("keyed", [False, True])
def test_editing_ids_or_whitespace_cannot_steer_the_sample(repo: Repo, run: Runner,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           edit: str, keyed: bool) -> None:
    """57.6% flagged, steered so that no bad record is among the old 93 picks: was "PASS, 0
    flagged". Every rank now depends on the file's digest, so each edit redraws the sample."""
    bad = set(range(0, 250, 2)) | set(range(1, 38, 2))  # 144 of 250
    assert len(bad) == 144
    steered = steer(rows(250, wrong=bad, ids=True), bad, edit)
    assert sum(1 for i in bad if old_rank(steered[i]) <= sorted(
        old_rank(r) for r in steered)[92]) == 0  # the attack worked on the old ranking
    if keyed:
        monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", KEY)
    setup(repo, steered)
    result = run("spot-check")
    assert result.code == 1, result.out


def test_the_keyed_sample_is_keyed_by_digest_and_position(repo: Repo, run: Runner,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Rows drawn under the key are the bottom ranks of the lines' byte offsets under the file
    key HMAC-SHA256(key, scheme, digest), computed here from the file alone; the public seed
    draws other rows."""
    from conftest import jsonl_offsets, reference_rank

    from provenance.config import load_config
    from provenance.reading import datafile
    from provenance.spot.run import SpotSettings, sample_file

    records = rows(300, ids=True)
    setup(repo, records)
    digest = repo.sha256(DATA)
    hashes = [hashlib.sha256(canonical_bytes(r)).hexdigest() for r in records]
    offsets = jsonl_offsets(repo.path(DATA).read_bytes())

    def drawn(key: bytes) -> list[int]:
        return sorted(range(300), key=lambda p: reference_rank(key, digest, offsets[p]))[:93]

    config = load_config(repo.root)
    facts = datafile.inspect(repo.path(DATA), repo.root)
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", KEY)
    keyed = SpotSettings.from_config(config)
    assert keyed.seed_kind == "keyed" and KEY not in repr(keyed)
    sampled, population, _ = sample_file(config, DATA, keyed, 93, facts)
    assert population == 300
    assert [s.item.id for s in sampled] == [hashes[p] for p in drawn(KEY.encode())]
    monkeypatch.delenv("QA_PROVENANCE_SAMPLE_KEY")
    public = SpotSettings.from_config(config)
    assert public.seed_kind == "public"
    other, _, _ = sample_file(config, DATA, public, 93, facts)
    assert [s.item.id for s in other] == [hashes[p] for p in drawn(b"qa-provenance")]
    assert other != sampled


def test_the_record_names_the_seed_kind_never_the_key(repo: Repo, run: Runner,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    setup(repo, rows(30))
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", KEY)
    keyed_run = run("spot-check", "--record")
    assert keyed_run.code == 0 and "public seed" not in keyed_run.out + keyed_run.err
    monkeypatch.delenv("QA_PROVENANCE_SAMPLE_KEY")
    public_run = run("spot-check", "--record")
    assert public_run.code == 0
    assert (public_run.out + public_run.err).count(
        "the sample is drawn with the public seed 'qa-provenance' (chosen by: default)") == 1
    keyed, public = repo.load_yaml(SIDECAR)["verifications"]
    assert keyed["seed"] == "keyed" and "public_seed" not in keyed
    assert (public["seed"], public["seed_chosen_by"], public["public_seed"]) == \
        ("public", "default", "qa-provenance")
    assert KEY not in repo.read(SIDECAR)


def passing(repo: Repo, **fields: Any) -> dict[str, Any]:
    """A verification as spot-check --record writes it for a census of the 30-row file."""
    entry = {"verifier": VERIFIER_ID, "kind": "local", "time": "2026-12-01T10:00:00Z",
             "digest": {"sha256": repo.sha256(DATA)}, "result": "PASS", "seed": "keyed",
             "population": 30, "n": 30, "acceptance": 1, "flags": 0, "missing": 0,
             "max_flag_rate": 0.05, "confidence": 0.95}
    entry.update(fields)
    return entry


def check_with(repo: Repo, run: Runner, entries: list[dict[str, Any]],
               require: dict[str, Any] | None = None) -> Any:
    repo.write(".qa-provenance.yaml", dump_yaml(
        {"require-verification": {"files": ["data/*.jsonl"], **(require or {})},
         "trust": [{"files": "data/*.jsonl", "minimum": "recorded"}]}))
    repo.sidecar(DATA, verifications=entries)
    return run("check")


def test_a_pass_followed_by_a_fail_for_the_same_digest_does_not_count(repo: Repo,
                                                                       run: Runner) -> None:
    """Shopping for a seed: the FAIL recorded later outweighs a PASS (was accepted)."""
    setup(repo, rows(30))
    result = check_with(repo, run, [
        passing(repo),
        passing(repo, result="FAIL", flags=5, time="2026-12-02T10:00:00Z")])
    assert {"QP030", "QP031"} <= result.codes(), result.out
    assert "followed by a FAIL for the same content" in result.out
    # a FAIL before the PASS is history, not a refutation
    result = check_with(repo, run, [
        passing(repo, result="FAIL", flags=5, time="2026-11-02T10:00:00Z"), passing(repo)])
    assert result.code == 0, result.out


def test_a_public_seed_counts_only_when_the_policy_allows_it(repo: Repo, run: Runner) -> None:
    setup(repo, rows(30))
    public = passing(repo, seed="public", seed_chosen_by="default", public_seed="qa-provenance")
    result = check_with(repo, run, [public])
    assert "QP030" in result.codes() and "public seed" in result.out
    assert check_with(repo, run, [public], {"seed": ["keyed", "public"]}).code == 0


def test_the_verifier_kind_can_be_required(repo: Repo, run: Runner) -> None:
    setup(repo, rows(30))
    result = check_with(repo, run, [passing(repo)], {"kind": ["openai", "http"]})
    assert "QP030" in result.codes() and "local verifier" in result.out
    assert check_with(repo, run, [passing(repo, kind="http")], {"kind": ["openai", "http"]}
                      ).code == 0


# --------------------------------------------------------------------------- bullet 5


def plant_cache(repo: Repo) -> None:
    lines = [json.dumps({"verifier": VERIFIER_ID,
                         "id": hashlib.sha256(canonical_bytes(r)).hexdigest(),
                         "verdict": "supported", "score": 1.0})
             for r in json.loads("[" + ",".join(repo.read(DATA).splitlines()) + "]")]
    repo.write(".qa-provenance-cache/verdicts.jsonl", "\n".join(lines) + "\n")


def test_a_committed_verdict_cache_is_ignored_and_reported_once(repo: Repo,
                                                                run: Runner) -> None:
    setup(repo, rows(250, wrong=range(0, 144)))
    plant_cache(repo)
    result = run("spot-check")
    assert result.code == 1, result.out  # was PASS with nothing verified
    out = result.out + result.err
    assert out.count(".qa-provenance-cache/ in the work tree is ignored") == 1
    assert "from cache" not in result.out
    checked = run("check")
    assert (checked.out + checked.err).count(".qa-provenance-cache/ in the work tree") == 1


@pytest.mark.parametrize(("setting", "why"), [
    ({"verifier": {"cache": "data/verdicts.jsonl"}}, "inside the work tree"),
    ({"verifier": {"cache": ".qa-provenance-cache/verdicts.jsonl"}}, "inside the work tree"),
    ({"verifier": {"cache": "../out/v.jsonl"}}, "outside the repository"),
    ({"digest-cache": "../out/d.json"}, "outside the repository"),
    ({"digest-cache": "/tmp/elsewhere/d.json"}, "outside the repository"),
    ({"digest-cache": ".git/link/d.json"}, "through a symlink"),
])
@pytest.mark.parametrize("command", ["check", "spot-check"])
def test_a_cache_path_that_could_be_committed_or_leaves_is_a_config_error(
        repo: Repo, run: Runner, tmp_path: Path, setting: dict[str, Any], why: str,
        command: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.root / ".git" / "link").symlink_to(outside)
    setup(repo, rows(3), setting)
    result = run(command)
    assert result.code == 2, result.out + result.err
    [line] = result.err.strip().splitlines()
    assert ".qa-provenance.yaml" in line and why in line
    assert not (tmp_path / "out").exists() and not any(outside.iterdir())


def test_a_cache_path_in_the_git_directory_is_fine(repo: Repo, run: Runner) -> None:
    setup(repo, rows(3), {"digest-cache": ".git/qa/d.json", "verifier": {"cache": ".git/qa/v"}})
    assert run("check").code == 0
    assert run("spot-check").code == 0
    assert repo.exists(".git/qa/d.json") and repo.exists(".git/qa/v")


def test_a_committed_parsed_configuration_is_not_trusted_outside_a_checkout(
        tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exported tree (no .git): a planted config-parsed.json with exclude: ['**'] used to
    replace the real configuration."""
    root = tmp_path / "export"
    repo = Repo(root)
    repo.jsonl(DATA, rows(3))  # no provenance: QP001
    config = repo.write(".qa-provenance.yaml", "rules: {missing-provenance: error}\n")
    key = hashlib.sha256(__version__.encode() + b"\0" + config.read_bytes()).hexdigest()
    repo.write(".qa-provenance-cache/config-parsed.json",
               json.dumps({"key": key, "settings": {"exclude": ["**"]}}))
    monkeypatch.chdir(root)
    result = run("check", "--root", str(root))
    assert result.code == 1 and "QP001" in result.codes(), result.out + result.err
    assert not (root / ".qa-provenance-cache" / "config-valid").exists()


# --------------------------------------------------------------------------- issue 13


@pytest.mark.parametrize(("change", "why"), [
    ({"population": 1_000_000, "n": 1}, "fewer than the plan's 93"),
    ({"population": 1000, "n": 1000, "flags": 999, "acceptance": 1000}, "another plan"),
    ({"time": "2999-01-01T00:00:00Z"}, "in the future"),
    ({"flags": 2}, "exact test"),
    ({"confidence": 0.5}, "another plan"),
])
def test_hand_written_verifications_are_refused(repo: Repo, run: Runner, change: dict[str, Any],
                                               why: str) -> None:
    setup(repo, rows(30))
    result = check_with(repo, run, [passing(repo, **change)])
    assert {"QP030", "QP031"} <= result.codes(), result.out
    assert why in result.out
    assert result.code == 1


def test_acceptance_1000_cannot_pass_3_of_5(repo: Repo, run: Runner) -> None:
    """A real spot check under sampling: {acceptance: 1000} passed 3 of 5 flagged."""
    setup(repo, rows(5, wrong=[0, 1, 2]), {"sampling": {"acceptance": 1000}})
    result = run("spot-check")
    assert result.code == 2 and "sampling.acceptance 1000" in result.err  # an unusable plan
    setup(repo, rows(5, wrong=[0, 1, 2]), {"sampling": {"acceptance": 100}})
    assert run("spot-check").code == 1  # the exact test decides, whatever c says


def test_a_verifier_that_is_the_generator_in_disguise_is_refused(repo: Repo,
                                                                 run: Runner) -> None:
    setup(repo, rows(30))
    disguised = GENERATOR["id"].replace("gpt", "g\u200bpt")
    assert disguised != GENERATOR["id"]
    result = check_with(repo, run, [passing(repo, verifier=GENERATOR["id"], kind="openai")])
    assert "the same source as generator" in result.out
    result = check_with(repo, run, [passing(repo, verifier=disguised, kind="openai")])
    assert "the same source as generator" in result.out  # zero-width characters are folded


# --------------------------------------------------------------------------- issue 17


def test_the_newest_passing_verification_counts_whatever_the_order(repo: Repo,
                                                                   run: Runner) -> None:
    setup(repo, rows(30))
    now = datetime.now(timezone.utc)
    recent = now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    entries = [passing(repo, time=recent), passing(repo, time="2020-01-01T00:00:00Z")]
    for order in (entries, entries[::-1]):
        assert check_with(repo, run, order, {"max-age-days": 30}).code == 0


def test_times_with_offsets_are_converted_and_naive_ones_refused() -> None:
    assert parse_time("2026-12-05T14:00:00+02:00") == NOW
    assert parse_time("2026-12-05T07:00:00-05:00") == NOW
    assert parse_time("2026-12-05T12:00:00") is None
    policy = VerificationPolicy(max_age_days=1)
    from provenance.checks.verification import verification_problem

    base = {"verifier": VERIFIER_ID, "kind": "local", "digest": {"sha256": "a" * 64},
            "result": "PASS", "seed": "keyed", "population": 30, "n": 30, "acceptance": 1,
            "flags": 0, "max_flag_rate": 0.05, "confidence": 0.95}
    # 23 h before NOW written at -05:00 is within a day; read as UTC it would be 28 h old
    fresh = {**base, "time": "2026-12-04T08:00:00-05:00"}
    accepted, _ = newest_accepted([fresh], {"a" * 64}, policy, NOW)
    assert accepted is not None and accepted.time == datetime(2026, 12, 4, 13, tzinfo=timezone.utc)
    assert verification_problem([fresh], {"a" * 64}, policy, NOW) is None
    naive = {**base, "time": "2026-12-05T11:00:00"}
    accepted, why = newest_accepted([naive], {"a" * 64}, policy, NOW)  # no TypeError
    assert accepted is None and "timezone" in why
