"""Adopting the tool in a repository: one block of hints for the unlabelled files (paths from
where the user stands, shell-quoted), ``stamp`` of a whole folder, and ``stamp`` refusing what
``check`` would reject, per-record rules included."""

from __future__ import annotations

import pytest
from conftest import REAL, Repo, Runner, copy_real

AGENTS = ("--generator", "model:openai/gpt-4o-2024-08-06", "--validator",
          "human:Acme Annotation Team")


def hints(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith("note:")]


def test_one_unlabelled_file_gets_one_command(repo: Repo, run: Runner,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repo.jsonl("data/notes, v2.jsonl")
    monkeypatch.chdir(repo.path("data"))
    result = run("check")
    assert result.lines == ["data/notes, v2.jsonl: QP001 no provenance record"]
    assert hints(result.err)[0] == ("hint: add provenance with: qa-provenance stamp "
                                    "'notes, v2.jsonl' --generator TYPE:ID --validator TYPE:ID")


@pytest.mark.parametrize("where", ["on-path", "pre-commit", "nowhere"])
def test_many_unlabelled_files_get_one_block(repo: Repo, run: Runner, where: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The way to get the command is said only to someone whose shell may lack it."""
    bin_dir = repo.path("bin")
    bin_dir.mkdir()
    command = bin_dir / "qa-provenance"
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir) if where != "nowhere" else str(repo.path("none")))
    if where == "pre-commit":
        monkeypatch.setenv("PRE_COMMIT", "1")
    else:
        monkeypatch.delenv("PRE_COMMIT", raising=False)
    for index in range(31):
        repo.jsonl(f"datasets/batch/part{index:02}.jsonl")
    result = run("check")
    assert len(result.lines) == 31
    block = hints(result.err)
    assert block[0] == "hint: 31 data files have no provenance. The fastest ways out:"
    assert block[1].strip().startswith("qa-provenance stamp datasets/batch --generator")
    if where == "on-path":
        assert len(block) == 4
    else:
        assert len(block) == 5 and "pipx run qa-provenance" in block[4]


def test_no_hint_when_everything_has_provenance(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl")
    assert hints(run("check").err) == []


def test_stamp_a_whole_folder(repo: Repo, run: Runner) -> None:
    for name in ("a", "b", "c"):
        repo.jsonl(f"data/pipeline/{name}.jsonl")
    repo.write("data/pipeline/README.md", "# made by one pipeline\n")
    result = run("stamp", "data/pipeline", *AGENTS)
    assert result.code == 0, result.err
    assert [line.split()[1] for line in result.out.splitlines()] == [
        "data/pipeline/a.jsonl", "data/pipeline/b.jsonl", "data/pipeline/c.jsonl"]
    assert run("check").code == 0


def test_stamp_of_a_folder_without_data_is_a_usage_error(repo: Repo, run: Runner) -> None:
    repo.write("docs/README.md", "# no data here\n")
    result = run("stamp", "docs", *AGENTS)
    assert result.code == 2
    assert "no data file to stamp in docs" in result.err


def test_stamp_refuses_what_check_rejects_per_record(repo: Repo, run: Runner) -> None:
    """AlpacaEval annotations: the judge (weighted_alpaca_eval_gpt4_turbo) is the model that
    wrote the reference outputs (gpt4_1106_preview) in every record."""
    rel = copy_real(repo, "alpacaeval_alpaca-7b_annotations_weighted_gpt4_turbo_first100.json")
    result = run("stamp", rel, "--generator", "model:alpaca-7b", "--validator",
                 "human:Acme Annotation Team")
    assert result.code == 1
    assert f"{rel}: QP010 100 of 100 records" in result.err
    assert result.err.rstrip().endswith(f"{rel}: not stamped")
    assert not repo.exists(f"{rel}.provenance.yaml")


def test_init_writes_a_start_from_what_the_repository_holds(repo: Repo, run: Runner) -> None:
    for name in ("a", "b"):
        repo.jsonl(f"data/{name}.jsonl")
    repo.jsonl("legacy/old/quiz.jsonl")
    repo.write("data/table.parquet", b"PAR1")
    result = run("init")
    assert result.code == 0, result.err
    assert result.out.splitlines()[:3] == ["wrote .qa-provenance.yaml",
                                           "wrote .pre-commit-config.yaml",
                                           "wrote .github/workflows/qa-provenance.yml"]
    config = repo.read(".qa-provenance.yaml")
    assert "#   - files: 'legacy/**'   # 1 unlabelled" in config
    precommit = repo.load_yaml(".pre-commit-config.yaml")
    [hook] = precommit["repos"][0]["hooks"]
    assert hook == {"id": "qa-provenance", "additional_dependencies": ["pyarrow"]}
    workflow = repo.load_yaml(".github/workflows/qa-provenance.yml")
    assert "provenance" in workflow["jobs"]
    assert run("check").code == 1  # nothing is silenced by default: the files still need it


def test_init_keeps_what_exists_and_prints_the_entry(repo: Repo, run: Runner) -> None:
    repo.write(".pre-commit-config.yaml", "repos: []  # mine\n")
    repo.write(".qa-provenance.yaml", "independence: family\n")
    result = run("init", "--no-workflow")
    assert result.code == 0
    assert "kept .qa-provenance.yaml (it exists)" in result.out
    assert "add to the repos: of .pre-commit-config.yaml:" in result.out
    assert repo.read(".pre-commit-config.yaml") == "repos: []  # mine\n"
    assert repo.read(".qa-provenance.yaml") == "independence: family\n"
    assert not repo.exists(".github/workflows/qa-provenance.yml")


def test_init_dry_run_writes_nothing(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/a.jsonl")
    result = run("init", "--dry-run")
    assert result.code == 0
    assert "--- would write .qa-provenance.yaml ---" in result.out
    assert not repo.exists(".qa-provenance.yaml")


def test_extensions_and_folders_match_in_any_case(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/X.JSONL")
    repo.write("Data/y.Json", '[{"question": "q?", "answer": "a"}]')
    result = run("check")
    assert sorted(line.split(":")[0] for line in result.lines) == ["Data/y.Json",
                                                                   "data/X.JSONL"]


def test_a_run_that_matches_nothing_says_so(repo: Repo, run: Runner) -> None:
    repo.write("notes/readme.txt", "nothing here\n")
    result = run("check")
    assert result.code == 0
    assert "note: no data file matched the include patterns" in result.err


def test_a_named_path_that_is_not_a_dataset_says_so(repo: Repo, run: Runner) -> None:
    repo.write("notes/readme.txt", "nothing here\n")
    result = run("check", "notes/readme.txt")
    assert "note: notes/readme.txt: not a QA dataset" in result.err


def test_dataset_metadata_is_not_asked_for_provenance(repo: Repo, run: Runner) -> None:
    for name in ("croissant/1.1_huggingface-squad_v2/metadata.json",
                 "distilabel_distiset_generated_personas/default/dataset_dict.json"):
        repo.write(f"data/{name}", (REAL / name).read_bytes())
    result = run("check")
    assert result.code == 0, result.out
    assert "2 dataset metadata files (Croissant metadata, Hugging Face dataset dictionary) " \
        "not checked as QA data" in result.err


def test_the_configuration_in_pyproject_rechecks_everything(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.write("pyproject.toml", "[tool.qa-provenance]\nindependence = 'family'\n")
    result = run("check", "pyproject.toml")
    assert result.lines == ["data/qa.jsonl: QP001 no provenance record"]
