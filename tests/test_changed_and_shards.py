"""--changed-since checks what a pull request touches plus its lineage; --shard splits a run."""

from __future__ import annotations

import subprocess
from pathlib import Path

from provenance.discovery import shard_of


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _repo_with_history(repo, run) -> Path:  # type: ignore[no-untyped-def]
    for name in ("a", "b", "c"):
        repo.jsonl(f"data/{name}.jsonl", [{"question": f"q {name}?", "answer": name}])
        repo.sidecar(f"data/{name}.jsonl")
    with open(repo.root / "data/b.jsonl.provenance.yaml", "a", encoding="utf-8") as handle:
        handle.write("derived_from: [a.jsonl]\n")
    root: Path = repo.root
    _git(root, "init", "-q")
    _git(root, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", "-A")
    _git(root, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "x")
    _git(root, "branch", "base")
    return root


def test_changed_since_checks_the_change_and_what_derives_from_it(repo, run) -> None:  # type: ignore[no-untyped-def]
    root = _repo_with_history(repo, run)
    with open(root / "data/a.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"question": "new?", "answer": "yes"}\n')
    result = run("check", "--changed-since", "base", "-v")
    assert result.code == 1
    assert "data/a.jsonl.provenance.yaml" in result.out and "QP003" in result.out
    assert "data/b.jsonl: ok" in result.out  # derived from a: re-checked
    assert "data/c.jsonl" not in result.out
    assert "2 data files checked" in result.out


def test_changed_since_with_nothing_changed_checks_nothing(repo, run) -> None:  # type: ignore[no-untyped-def]
    _repo_with_history(repo, run)
    result = run("check", "--changed-since", "base")
    assert result.code == 0 and "0 data files checked" in result.out


def test_changed_since_a_bad_ref_is_a_usage_error(repo, run) -> None:  # type: ignore[no-untyped-def]
    _repo_with_history(repo, run)
    result = run("check", "--changed-since", "no-such-ref")
    assert result.code == 2 and "no-such-ref" in result.err


def test_shards_partition_the_files(repo, run) -> None:  # type: ignore[no-untyped-def]
    for index in range(12):
        repo.jsonl(f"data/s{index}.jsonl", [{"question": f"q{index}?", "answer": "a"}])
        repo.sidecar(f"data/s{index}.jsonl")
    counts = []
    for shard in range(3):
        result = run("check", "--shard", f"{shard}/3")
        assert result.code == 0
        counts.append(int(result.summary.split(":")[1].split()[0]))
    assert sum(counts) == 12
    assert counts == [sum(shard_of(f"data/s{i}.jsonl", 3) == s for i in range(12))
                      for s in range(3)]


def test_bad_shard_is_a_usage_error(repo, run) -> None:  # type: ignore[no-untyped-def]
    assert run("check", "--shard", "3/3").code == 2
    assert run("check", "--shard", "x").code == 2
