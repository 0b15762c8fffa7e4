"""The hook sees what a commit removes, and its arguments are never options.

Each test works on a real git repository: deletions and renames are what ``git diff`` says, not
what a test pretends. The real ``pre-commit`` program and the plain git hook are driven in
tests/test_precommit_integration.py; here the command runs in-process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Repo, Runner, dump_yaml

from provenance import gitindex

DATA = "data/train.jsonl"
SIDECAR = f"{DATA}.provenance.yaml"


def git(repo: Repo, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t",
                           *args], cwd=repo.root, check=True, capture_output=True)
    return done.stdout.decode("utf-8", "surrogateescape")


@pytest.fixture
def gitrepo(repo: Repo) -> Repo:
    """A real git repository holding one stamped dataset, committed."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    shutil.rmtree(repo.root / ".git")
    git(repo, "init", "-q")
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    commit(repo)
    return repo


def commit(repo: Repo) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "x", "--no-verify")


# ------------------------------------------------------------------ deletions, staged


def test_a_deleted_sidecar_is_refused(gitrepo: Repo, run: Runner) -> None:
    git(gitrepo, "rm", "-q", SIDECAR)
    result = run("check", "--staged", "--")
    assert result.code == 1
    assert result.lines == [f"{DATA}: QP001 no provenance record: its sidecar {SIDECAR} is "
                              "deleted in this commit (restore it, or stamp the file again)"]


def test_a_sidecar_renamed_to_another_name_is_refused(gitrepo: Repo, run: Runner) -> None:
    git(gitrepo, "mv", SIDECAR, "data/train.bak")
    result = run("check", "--staged", "--")
    assert result.code == 1
    assert f"its sidecar {SIDECAR} is renamed in this commit to data/train.bak, which does not " \
           "cover it" in result.out


def test_a_sidecar_removed_from_the_index_only_is_refused(gitrepo: Repo, run: Runner) -> None:
    """`git rm --cached` keeps the file in the work tree, where the check would read it."""
    git(gitrepo, "rm", "-q", "--cached", SIDECAR)
    result = run("check", "--staged", "--")
    assert result.code == 1
    assert result.has(f"{DATA}: QP001 its sidecar {SIDECAR} is deleted in this commit but is "
                      "still in the work tree")


def test_a_sidecar_renamed_to_its_other_format_still_covers(gitrepo: Repo, run: Runner) -> None:
    git(gitrepo, "mv", SIDECAR, f"{DATA}.provenance.json")
    gitrepo.write(f"{DATA}.provenance.json", json.dumps(gitrepo.record(DATA)))
    git(gitrepo, "add", "-A")
    assert run("check", "--staged", "--", f"{DATA}.provenance.json").code == 0


def test_a_deleted_sidecar_under_a_manifest_that_covers_the_file(gitrepo: Repo,
                                                                 run: Runner) -> None:
    record = gitrepo.record()
    gitrepo.write("data/provenance.yaml", dump_yaml({"datasets": [{
        "files": "*.jsonl", **record,
        "subjects": {"train.jsonl": {"digest": {"sha256": gitrepo.sha256(DATA)}}}}]}))
    commit(gitrepo)
    git(gitrepo, "rm", "-q", SIDECAR)
    assert run("check", "--staged", "--").code == 0


def test_a_dataset_deleted_with_its_sidecar_passes(gitrepo: Repo, run: Runner) -> None:
    git(gitrepo, "rm", "-q", SIDECAR, DATA)
    assert run("check", "--staged", "--").code == 0


def test_a_dataset_renamed_with_its_sidecar_passes(gitrepo: Repo, run: Runner) -> None:
    git(gitrepo, "mv", DATA, "data/renamed.jsonl")
    git(gitrepo, "mv", SIDECAR, "data/renamed.jsonl.provenance.yaml")
    result = run("check", "--staged", "--", "data/renamed.jsonl",
                 "data/renamed.jsonl.provenance.yaml")
    assert result.code == 0, result.out


def test_a_deleted_manifest_names_every_file_it_covered(gitrepo: Repo, run: Runner) -> None:
    """Its old `files` globs are read back from git: data/notes.bin is no dataset by the
    configuration, but the manifest claimed it."""
    gitrepo.jsonl("data/sub/more.jsonl")
    gitrepo.write("data/notes.bin", b"q,a\n")
    subjects = {name: {"digest": {"sha256": gitrepo.sha256(f"data/{name}")}}
                for name in ("sub/more.jsonl", "notes.bin")}
    gitrepo.write("data/provenance.yaml", dump_yaml({"datasets": [{
        "files": ["sub/*.jsonl", "*.bin"], **gitrepo.record(), "subjects": subjects}]}))
    commit(gitrepo)
    assert run("check").code == 0
    git(gitrepo, "mv", "data/provenance.yaml", "data/provenance.old")
    result = run("check", "--staged", "--")
    assert result.code == 1
    reason = ("no provenance record: the manifest data/provenance.yaml is renamed in this commit "
              "to data/provenance.old, which does not cover it")
    assert {line.split(": QP001 ")[0] for line in result.lines} == {
        "data/notes.bin", "data/sub/more.jsonl"}
    assert all(reason in line for line in result.lines)


def committed_attestation(gitrepo: Repo) -> None:
    """A committed attestation beside the data, under a trust minimum of `attested`."""
    gitrepo.write(".qa-provenance.yaml", dump_yaml({
        "trust": [{"files": "data/**", "minimum": "attested"}],
        "attestations": {"allow": ["ci-key-1"]}}))
    gitrepo.write(f"{DATA}.intoto.json", "{}\n")
    commit(gitrepo)


def test_a_deleted_attestation_below_the_trust_minimum_names_it(gitrepo: Repo,
                                                                run: Runner) -> None:
    committed_attestation(gitrepo)
    git(gitrepo, "rm", "-q", f"{DATA}.intoto.json")
    result = run("check", "--staged", "--")
    assert result.code == 1
    assert f"; the attestation {DATA}.intoto.json is deleted in this commit" in result.out
    assert "QP031" in result.out


def test_an_attestation_removed_from_the_index_only_is_refused(gitrepo: Repo,
                                                               run: Runner) -> None:
    committed_attestation(gitrepo)
    git(gitrepo, "rm", "-q", "--cached", f"{DATA}.intoto.json")
    result = run("check", "--staged", "--")
    assert result.has(f"{DATA}: QP031 the attestation {DATA}.intoto.json is deleted in this "
                      "commit but is still in the work tree")


def test_staged_with_no_files_and_no_removal_checks_nothing(gitrepo: Repo, run: Runner) -> None:
    gitrepo.jsonl("data/unstamped.jsonl")  # not in the commit: not this hook's business
    result = run("check", "--staged", "--")
    assert result.code == 0
    assert "0 data files checked" in result.out


def test_staged_before_the_first_commit(repo: Repo, run: Runner) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    shutil.rmtree(repo.root / ".git")
    git(repo, "init", "-q")
    repo.jsonl(DATA)
    git(repo, "add", "-A")
    assert run("check", "--staged", "--", DATA).codes() == {"QP001"}


# ------------------------------------------------------------------ deletions, --changed-since


@pytest.mark.parametrize("how", ["rm", "mv"])
def test_changed_since_sees_deleted_and_renamed_sidecars(gitrepo: Repo, run: Runner,
                                                         how: str) -> None:
    git(gitrepo, "branch", "base")
    if how == "rm":
        git(gitrepo, "rm", "-q", SIDECAR)
    else:
        git(gitrepo, "mv", SIDECAR, "data/train.txt")
    commit(gitrepo)
    result = run("check", "--changed-since", "base")
    assert result.code == 1
    assert result.has(f"{DATA}: QP001 no provenance record: its sidecar {SIDECAR} has been "
                      f"{'deleted' if how == 'rm' else 'renamed'} since base")


def test_changed_since_sees_a_manifest_deleted_in_the_work_tree(gitrepo: Repo,
                                                                run: Runner) -> None:
    git(gitrepo, "rm", "-q", SIDECAR)
    gitrepo.write("data/provenance.yaml", dump_yaml({"datasets": [{
        "files": "*.jsonl", **gitrepo.record(),
        "subjects": {"train.jsonl": {"digest": {"sha256": gitrepo.sha256(DATA)}}}}]}))
    commit(gitrepo)
    git(gitrepo, "branch", "base")
    (gitrepo.root / "data/provenance.yaml").unlink()
    result = run("check", "--changed-since", "base")
    assert result.has(f"{DATA}: QP001 no provenance record: the manifest data/provenance.yaml "
                      "has been deleted since base")


# ------------------------------------------------------------------ arguments


@pytest.mark.parametrize("name", ["--config=x.jsonl", "-h", "a\nb.jsonl", "--", "-",
                                  "--version"])
def test_names_after_the_separator_are_files(gitrepo: Repo, run: Runner, name: str) -> None:
    """With x.jsonl holding `exclude: ["**"]`, read as --config it would pass everything."""
    gitrepo.write("x.jsonl", dump_yaml({"exclude": ["**"]}))
    gitrepo.write(name, '{"question": "q", "answer": "a"}\n')
    gitrepo.jsonl("data/unstamped.jsonl")
    result = run("check", "--staged", "--", name, "data/unstamped.jsonl")
    assert result.code == 1
    shown = name.replace("\n", "\\n")  # the report escapes a newline in a name
    expected = {"data/unstamped.jsonl", *([shown] if name.endswith(".jsonl") else [])}
    assert {line.split(": QP001 ")[0] for line in result.lines} == expected


def test_names_from_a_nul_separated_list_are_files(gitrepo: Repo, run: Runner,
                                                    tmp_path: Path) -> None:
    names = ["--config=x.jsonl", "-h.jsonl", "a\nb.jsonl"]
    for name in names:
        gitrepo.write(name, '{"question": "q", "answer": "a"}\n')
    listing = tmp_path / "names"
    listing.write_bytes(b"\0".join(n.encode() for n in names) + b"\0")
    result = run("check", "--staged", "--files-from0", str(listing))
    assert result.code == 1
    assert result.out.count("QP001") == 3


def test_an_option_after_the_separator_is_refused_not_ignored(gitrepo: Repo,
                                                              run: Runner) -> None:
    """A pre-commit `args:` lands after the hook entry's `--`: a clear usage error."""
    result = run("check", "--staged", "--", "--format", "github", DATA)
    assert result.code == 2
    assert result.err == ("qa-provenance: --format: no such file (every argument after '--' is a "
                          "file name: put options before it, or in the configuration)\n")


# ------------------------------------------------------------------ git's output


def test_raw_diff_entries_are_read_by_nul_not_by_line() -> None:
    blob = "a" * 40
    output = (f":100644 000000 {blob} {'0' * 40} D\0data/a\nb.provenance.yaml\0"
              f":100644 100644 {blob} {blob} R100\0x.provenance.yaml\0-h\0"
              f":100644 100644 {blob} {'b' * 40} M\0data/c.jsonl\0").encode()
    assert gitindex.parse_raw(output) == [
        gitindex.Removal("data/a\nb.provenance.yaml", None, blob),
        gitindex.Removal("x.provenance.yaml", "-h", blob),
    ]


def test_spot_check_refuses_an_option_after_the_separator(gitrepo: Repo, run: Runner) -> None:
    result = run("spot-check", "--", "--sample", "5")
    assert result.code == 2
    assert "--sample: no such file (every argument after '--' is a file name" in result.err


def test_a_removal_is_reported_by_the_shard_that_holds_the_dataset(gitrepo: Repo,
                                                                    run: Runner) -> None:
    git(gitrepo, "branch", "base")
    gitrepo.jsonl("data/other.jsonl")
    gitrepo.sidecar("data/other.jsonl")
    commit(gitrepo)
    git(gitrepo, "rm", "-q", SIDECAR, "data/other.jsonl.provenance.yaml")
    commit(gitrepo)
    found = [line for index in range(2)
             for line in run("check", "--changed-since", "base", "--shard", f"{index}/2").lines]
    assert sorted(line.split(": QP001 ")[0] for line in found) == [
        "data/other.jsonl", DATA]


def test_a_removed_manifest_that_cannot_be_read_back_still_rechecks_datasets(
        gitrepo: Repo, run: Runner) -> None:
    git(gitrepo, "rm", "-q", SIDECAR)
    gitrepo.write("data/provenance.yaml", "a: &a [*a, *a, *a]\nb: &b [*a, *a]\n")
    commit(gitrepo)
    git(gitrepo, "rm", "-q", "data/provenance.yaml")
    result = run("check", "--staged", "--")
    assert result.has(f"{DATA}: QP001 no provenance record: the manifest data/provenance.yaml "
                      "is deleted in this commit")
