"""A record that a closer one overrides is still checked for loops (issue 13).

The closest claim wins for the file's record (README: which one applies), so a sidecar may correct
one file of a manifest's folder. But a looping record is not made independent by a clean one
beside it: the loop is reported in its own file, whichever claim wins.
"""

from __future__ import annotations

from typing import Any

from conftest import GENERATOR, VALIDATOR, Repo, Runner, dump_yaml, line_of

DATA = "data/train.jsonl"
LOOP = {"generator": {"type": "model", "id": "gpt-4o"},
        "validator": {"type": "model", "id": "openai/gpt-4o-2024-08-06"}}


def manifest(repo: Repo, folder: str, files: str, **fields: Any) -> str:
    rel = f"{folder}/provenance.yaml" if folder else "provenance.yaml"
    repo.write(rel, dump_yaml({"datasets": [
        {"files": files, "generator": GENERATOR, "validator": VALIDATOR, **fields}]}))
    return rel


def test_a_looping_manifest_entry_is_not_hidden_by_a_clean_sidecar(repo: Repo,
                                                                   run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    rel = manifest(repo, "data", "*.jsonl", **LOOP)
    result = run("check")
    assert result.code == 1
    line = line_of(repo.read(rel), "validator")
    assert result.has(f"{rel}:{line}: QP010 validator model 'openai/gpt-4o-2024-08-06' is the "
                      "same source as generator model 'gpt-4o'")
    assert f"(in {rel} (datasets[0]), which {DATA}.provenance.yaml overrides: an overridden " \
           "record may not loop either)" in result.out
    assert result.codes() == {"QP010"}  # the manifest need not carry this file's digest


def test_a_looping_sidecar_still_wins_over_a_clean_manifest(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA, **LOOP)
    manifest(repo, "data", "*.jsonl", subjects={"train.jsonl": {"digest": {
        "sha256": repo.sha256(DATA)}}})
    result = run("check")
    assert result.code == 1
    assert result.has(f"{DATA}.provenance.yaml:")
    assert result.codes() == {"QP010"}


def test_a_looping_shallow_manifest_under_a_clean_deeper_one(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    manifest(repo, "data", "*.jsonl", subjects={"train.jsonl": {"digest": {
        "sha256": repo.sha256(DATA)}}})
    manifest(repo, "", "**/*.jsonl", **LOOP)
    result = run("check")
    assert result.has("provenance.yaml:") and "QP010" in result.out
    assert "which data/provenance.yaml (datasets[0]) overrides" in result.out


def test_self_training_in_an_overridden_record(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    manifest(repo, "data", "*.jsonl", generator={"type": "model", "id": "meta-llama/Llama-3.1-8B"},
             trains=["meta-llama/Llama-3.1-8B"])
    assert run("check").codes() == {"QP011"}


def test_clean_records_at_two_levels_pass(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    manifest(repo, "data", "*.jsonl")
    assert run("check").code == 0


def test_the_hook_given_only_the_sidecar_sees_the_manifest_loop(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    manifest(repo, "data", "*.jsonl", **LOOP)
    assert run("check", "--", f"{DATA}.provenance.yaml").codes() == {"QP010"}


def test_an_overridden_record_that_is_no_record_is_skipped_not_a_crash() -> None:
    """A claim whose record cannot be read as agents says nothing about a loop; the others
    are still checked, each once."""
    from provenance.checks.overridden import overridden_problems
    from provenance.identity.independence import Judge
    from provenance.reading.locate import Claim

    winner = Claim("sidecar", f"{DATA}.provenance.yaml", 2,
                   {"generator": GENERATOR, "validator": VALIDATOR})
    broken = Claim("manifest", "data/provenance.yaml", 1,
                   {"generator": {"type": "model"}, "validator": VALIDATOR},  # no id
                   prefix=("datasets", 0))
    looping = Claim("manifest", "provenance.yaml", 0, LOOP, prefix=("datasets", 0))
    found = overridden_problems([broken, looping, winner, broken], winner, Judge())
    assert [(claim.source, problem.rule.code) for claim, problem in found] == [
        ("provenance.yaml", "QP010")]
