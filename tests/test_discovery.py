"""Which files a run checks: default patterns, provenance files passed alone, paths and roots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import GENERATOR, VALIDATOR, Repo, Runner, dump_yaml

from provenance.config import Config
from provenance.discovery import select
from provenance.reading.locate import Locator


def selected(repo: Repo, paths: list[str] | None = None) -> list[str]:
    config = Config(root=repo.root)
    return select(config, Locator(repo.root), paths).data


@pytest.mark.parametrize(
    "rel",
    [
        "train.jsonl",
        "deep/inside/some/folder/train.ndjson",
        "eval.parquet",
        "data/qa.json",
        "data/nested/qa.csv",
        "datasets/qa.tsv",
        "project/data/qa.json",
        "project/datasets/v2/qa.csv",
    ],
)
def test_default_include_patterns_select(repo: Repo, rel: str) -> None:
    repo.write(rel, "x")
    assert selected(repo) == [rel]


@pytest.mark.parametrize(
    "rel",
    [
        "package.json",
        "config/settings.json",
        "results.csv",
        "mydata/qa.json",
        "data.json",
        "notes/qa.tsv",
        "README.md",
        "data/readme.txt",
        ".venv/lib/site.jsonl",
        "node_modules/pkg/x.jsonl",
    ],
)
def test_default_include_patterns_skip(repo: Repo, rel: str) -> None:
    repo.write(rel, "x")
    assert selected(repo) == []


def test_whole_root_by_default(repo: Repo, run: Runner) -> None:
    repo.jsonl("a.jsonl")
    repo.jsonl("sub/b.jsonl")
    repo.write("data/c.csv", "question,answer\nWhy?,Because.\n")
    result = run("check")
    assert result.summary == "qa-provenance: 3 data files checked, 3 errors"


def test_a_non_dataset_file_is_ignored(repo: Repo, run: Runner) -> None:
    repo.write("README.txt", "hello")
    result = run("check", "README.txt")
    assert result.code == 0
    assert result.summary == "qa-provenance: 0 data files checked, all passed"


def test_a_directory_argument_checks_what_is_below(repo: Repo, run: Runner) -> None:
    repo.jsonl("a/one.jsonl")
    repo.jsonl("b/two.jsonl")
    result = run("check", "a")
    assert result.has("a/one.jsonl: QP001")
    assert not result.has("b/two.jsonl")


def test_passing_a_sidecar_checks_its_data_file(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl", validator={"type": "model", "id": "gpt-4o-2024-08-06"})
    result = run("check", "data/train.jsonl.provenance.yaml")
    assert result.codes() == {"QP010"}


def test_passing_a_sidecar_checks_a_non_dataset_data_file(repo: Repo, run: Runner) -> None:
    repo.write("notes/qa.json", '[{"question": "Why?", "answer": "Because."}]')
    repo.sidecar("notes/qa.json", records=2)
    result = run("check", "notes/qa.json.provenance.yaml")
    assert result.has("notes/qa.json.provenance.yaml:")
    assert result.codes() == {"QP004"}


def test_passing_a_claimed_non_dataset_file_checks_it(repo: Repo, run: Runner) -> None:
    """Editing a data file outside the default patterns must not slip past the hook when a
    sidecar (or a manifest) claims it: the whole-root run would catch it too."""
    repo.write("notes/qa.json", '[{"question": "Why?", "answer": "Because."}]')
    repo.sidecar("notes/qa.json")
    repo.write("notes/qa.json", '[{"question": "Why?", "answer": "No reason."}]')
    assert run("check", "notes/qa.json").codes() == {"QP003"}
    assert run("check").codes() == {"QP003"}


def test_passing_a_manifest_claimed_non_dataset_file_checks_it(repo: Repo, run: Runner) -> None:
    repo.write("notes/qa.txt", "Q: Why?\nA: Because.\n")
    repo.write("provenance.yaml", dump_yaml({"datasets": [
        {"files": "notes/*.txt", "generator": GENERATOR, "validator": VALIDATOR}]}))
    assert run("check", "notes/qa.txt").codes() == {"QP003"}


def test_passing_a_manifest_checks_what_it_covers(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/a.jsonl")
    repo.jsonl("data/sub/b.jsonl")
    repo.jsonl("other/c.jsonl")
    repo.write("data/notes.txt", "not covered")
    repo.write("data/provenance.yaml", dump_yaml({"datasets": [
        {"files": "**/*.jsonl", "generator": GENERATOR, "validator": VALIDATOR}]}))
    result = run("check", "data/provenance.yaml")
    assert result.summary.startswith("qa-provenance: 2 data files checked")
    assert result.has("data/provenance.yaml:2: QP003 no digest binds 'data/a.jsonl'")
    assert result.has("data/provenance.yaml:2: QP003 no digest binds 'data/sub/b.jsonl'")


def test_passing_a_broken_manifest_reports_it(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/a.jsonl")
    repo.write("data/provenance.yaml", "datasets:\n  - files: [\n")
    result = run("check", "data/provenance.yaml")
    assert result.code == 1
    assert result.has("data/provenance.yaml:3: QP002 invalid YAML")


def test_passing_the_configuration_checks_everything(repo: Repo, run: Runner) -> None:
    repo.jsonl("a.jsonl")
    repo.jsonl("deep/b.jsonl")
    repo.write(".qa-provenance.yaml", "exclude: [scratch/]\n")
    repo.jsonl("scratch/c.jsonl")
    result = run("check", ".qa-provenance.yaml")
    assert result.summary == "qa-provenance: 2 data files checked, 2 errors"


def test_orphan_sidecar_found_by_a_walk(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl")
    os.rename(repo.path("data/train.jsonl"), repo.path("data/train-v2.jsonl"))
    result = run("check")
    assert result.has("data/train.jsonl.provenance.yaml: QP006")
    assert result.has("data/train-v2.jsonl: QP001")


def test_orphan_sidecar_passed_alone(repo: Repo, run: Runner) -> None:
    repo.write("gone.jsonl.provenance.json", "{}")
    assert run("check", "gone.jsonl.provenance.json").has("gone.jsonl.provenance.json: QP006")


def test_deleted_data_file_passed_alone_reports_its_sidecar(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl")
    repo.path("data/train.jsonl").unlink()
    result = run("check", "data/train.jsonl")
    assert result.has("data/train.jsonl.provenance.yaml: QP006")


def test_path_outside_the_root_is_a_usage_error(repo: Repo, run: Runner) -> None:
    outside = repo.root.parent / "elsewhere.jsonl"
    outside.write_text("{}\n")
    result = run("check", str(outside))
    assert result.code == 2
    assert result.err.startswith(f"qa-provenance: {outside}: outside the checked root")
    assert run("check", "../elsewhere.jsonl").code == 2


def test_relative_and_absolute_paths_agree(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    first = run("check", "data/train.jsonl")
    second = run("check", str(repo.path("data/train.jsonl")))
    third = run("check", "./data/../data/train.jsonl")
    assert first.out == second.out == third.out
    assert first.has("data/train.jsonl: QP001")


def test_paths_reached_through_a_symlinked_root(repo: Repo, run: Runner, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    repo.jsonl("data/train.jsonl")
    link = tmp_path / "link"
    link.symlink_to(repo.root, target_is_directory=True)
    result = run("check", str(link / "data" / "train.jsonl"))
    assert result.code == 1
    assert result.has("data/train.jsonl: QP001")
    assert run("check", str(link)).has("data/train.jsonl: QP001")


def test_root_from_a_subdirectory(repo: Repo, run: Runner,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl")
    monkeypatch.chdir(repo.path("data"))
    result = run("check", "train.jsonl")
    assert result.code == 0
    result = run("check", "-v")
    assert "data/train.jsonl: ok" in result.out


def test_explicit_root(repo: Repo, run: Runner, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    repo.jsonl("data/train.jsonl")
    monkeypatch.chdir(tmp_path)
    result = run("check", "--root", str(repo.root))
    assert result.has("data/train.jsonl: QP001")


def test_a_nonexistent_dataset_path_is_skipped_in_a_hook(repo: Repo, run: Runner,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A hook's list may name a deleted file; a person's typo is refused (test_new_user)."""
    monkeypatch.setenv("PRE_COMMIT", "1")
    result = run("check", "data/never-existed.jsonl")
    assert result.code == 0
    assert result.summary == "qa-provenance: 0 data files checked, all passed"
