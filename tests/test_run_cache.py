"""An unchanged repository's check is replayed; any change to any input runs it again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Repo, Runner

from provenance import checker
from provenance.speed import run_cache

FORMATS = (["-v"], ["--format", "json"], ["--format", "sarif"], ["--format", "junit"],
           ["--format", "github"])


@pytest.fixture
def trusted_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust a stored result at once (the racily-clean wait has its own test)."""
    monkeypatch.setattr(run_cache, "RACY_SECONDS", -1e12)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the real check ran (a replay does not run it)."""
    count: list[int] = []
    original = checker.Checker.run

    def counted(self: checker.Checker, *args: object, **kwargs: object) -> object:
        count.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(checker.Checker, "run", counted)
    return count


def mixed_repo(repo: Repo) -> None:
    repo.jsonl("data/good.jsonl")
    repo.sidecar("data/good.jsonl")
    repo.jsonl("data/bare.jsonl")
    repo.write("data/same.jsonl", b'{"question": "q", "answer": "a"}\n')
    repo.sidecar("data/same.jsonl", generator={"type": "model", "id": "gpt-4o"},
                 validator={"type": "model", "id": "openai/gpt-4o"})


@pytest.mark.usefixtures("trusted_at_once")
@pytest.mark.parametrize("options", FORMATS, ids=lambda o: " ".join(o))
def test_a_replay_reports_exactly_what_the_run_did(repo: Repo, run: Runner, runs: list[int],
                                                   options: list[str]) -> None:
    mixed_repo(repo)
    first = run("check", *options)
    second = run("check", *options)
    assert len(runs) == 1
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert first.code == 1


@pytest.mark.usefixtures("trusted_at_once")
def test_a_changed_data_file_is_never_replayed_even_with_its_old_size_and_mtime(
        repo: Repo, run: Runner, runs: list[int]) -> None:
    mixed_repo(repo)
    assert run("check").code == 1
    path = repo.path("data/good.jsonl")
    before = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Canberra", b"Sydney!!"))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back; ctime cannot be
    result = run("check")
    assert len(runs) == 2
    assert result.has("data/good.jsonl.provenance.yaml") and "QP003" in result.codes()


@pytest.mark.usefixtures("trusted_at_once")
@pytest.mark.parametrize("change", ["sidecar", "new file", "deleted file", "config", "model card"])
def test_any_change_in_the_repository_runs_the_check_again(
        repo: Repo, run: Runner, runs: list[int], change: str) -> None:
    mixed_repo(repo)
    run("check")
    if change == "sidecar":
        repo.sidecar("data/bare.jsonl")
    elif change == "new file":
        repo.jsonl("data/new.jsonl")
    elif change == "deleted file":
        repo.path("data/bare.jsonl").unlink()
    elif change == "config":
        repo.write(".qa-provenance.yaml", "rules:\n  QP001: warn\n")
    else:
        repo.write("models/m/README.md", "---\nbase_model: openai/gpt-4o\n---\n# m\n")
    run("check")
    assert len(runs) == 2


@pytest.mark.usefixtures("trusted_at_once")
def test_other_command_lines_are_not_served_each_others_results(
        repo: Repo, run: Runner, runs: list[int]) -> None:
    mixed_repo(repo)
    whole = run("check")
    part = run("check", "data/good.jsonl")
    shard = run("check", "--shard", "0/2")
    assert len(runs) == 3
    assert part.code == 0 and whole.code == 1
    run("check", "data/good.jsonl")  # named files (a hook run): checked again, never replayed
    run("check")
    run("check", "--shard", "0/2")
    assert len(runs) == 4  # whole-repository runs remembered under their own command line
    assert shard.summary


@pytest.mark.usefixtures("trusted_at_once")
def test_a_change_to_the_tool_runs_the_check_again(
        repo: Repo, run: Runner, runs: list[int], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "rules.py").write_text("# v1\n")
    monkeypatch.setattr(run_cache, "PACKAGE", package)
    mixed_repo(repo)
    run("check")
    (package / "rules.py").write_text("# v2\n")
    run("check")
    assert len(runs) == 2


def test_a_result_stored_right_after_a_change_is_not_trusted(
        repo: Repo, run: Runner, runs: list[int]) -> None:
    """Racily clean: a write in the same clock tick as the store could keep the same stamps."""
    mixed_repo(repo)
    run("check")
    run("check")
    assert len(runs) == 2


@pytest.mark.usefixtures("trusted_at_once")
def test_no_run_cache_when_the_digest_cache_is_off(repo: Repo, run: Runner,
                                                   runs: list[int]) -> None:
    mixed_repo(repo)
    repo.write(".qa-provenance.yaml", "digest-cache: false\n")
    run("check")
    run("check")
    assert len(runs) == 2
    assert not repo.exists(".git/qa-provenance/runs.json")


@pytest.mark.usefixtures("trusted_at_once")
@pytest.mark.parametrize("content", ["{not json", '{"version": 1, "runs": []}',
                                     '{"version": 1, "runs": {"x": 1}}'])
def test_a_damaged_run_cache_is_ignored(repo: Repo, run: Runner, runs: list[int],
                                        content: str) -> None:
    mixed_repo(repo)
    first = run("check")
    cache = repo.path(".git/qa-provenance/runs.json")
    stored = json.loads(cache.read_text())
    for entry in stored["runs"].values():
        entry["result"]["files"][0]["findings"] = [["x", "QP999", "m", "error", None]]
    cache.write_text(json.dumps(stored))
    assert run("check").out == first.out  # an unknown rule: not replayed
    cache.write_text(content)
    assert run("check").out == first.out
    assert len(runs) == 3


@pytest.mark.usefixtures("trusted_at_once")
def test_a_commit_without_datasets_does_not_walk_or_store(
        repo: Repo, run: Runner, runs: list[int]) -> None:
    mixed_repo(repo)
    repo.write("notes.txt", "hello\n")
    assert run("check", "notes.txt").code == 0
    assert not repo.exists(".git/qa-provenance/runs.json")
