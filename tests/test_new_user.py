"""Rough edges a new user met in a first walkthrough (README, ``init``, ``stamp``, a commit, the
action), each through the real entry point."""

from __future__ import annotations

import sys

import pytest
from conftest import Repo, Runner

from provenance.speed import digest_cache, run_cache


@pytest.fixture
def caches_trusted_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both caches serve what they stored at once (the racily-clean wait has its own tests)."""
    monkeypatch.setattr(run_cache, "RACY_SECONDS", -1e12)
    monkeypatch.setattr(digest_cache, "RACY_SECONDS", -1e12)


@pytest.mark.usefixtures("caches_trusted_at_once")
@pytest.mark.parametrize("name", ["qa.parquet", "data-00000-of-00001.arrow"])
def test_installing_pyarrow_takes_effect_at_once(repo: Repo, run: Runner,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 name: str) -> None:
    """The note says to install pyarrow; once it is, the next run counts the rows (neither cache
    keeps what was read without it): Parquet, and Arrow as save_to_disk writes it."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    repo.path("data").mkdir()
    table = pa.table({"question": ["q1", "q2"], "answer": ["a1", "a2"]})
    if name.endswith(".parquet"):
        pq.write_table(table, repo.path(f"data/{name}"))
    else:
        with pa.OSFile(str(repo.path(f"data/{name}")), "wb") as sink, \
                pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    repo.sidecar(f"data/{name}", records=3)
    with monkeypatch.context() as blocked:
        for name in ("pyarrow", "pyarrow.parquet"):
            blocked.setitem(sys.modules, name, None)  # import fails as if not installed
        first = run("check")
    assert first.code == 0
    assert "record count not checked: install qa-provenance[parquet]" in first.err
    second = run("check")
    assert "record count not checked" not in second.err
    assert second.code == 1
    assert "records: 3 declared, the file holds 2" in second.out


def test_pre_commit_users_are_told_to_add_pyarrow_to_the_hook(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("data/qa.parquet", b"PAR1" + b"\0" * 8 + b"PAR1")
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = run("check", "data/qa.parquet")
    assert "additional_dependencies: [pyarrow]" in result.err


AGENTS = ("--generator", "model:openai/gpt-4o-2024-08-06", "--validator",
          "human:Acme Annotation Team")


def test_a_folder_stamp_labels_the_new_files_and_keeps_the_agents_of_the_others(
        repo: Repo, run: Runner) -> None:
    """The hint suggests stamping the common folder; a file there that already says who made
    it must not be re-attributed as a side effect."""
    repo.jsonl("data/a/labelled.jsonl")
    repo.sidecar("data/a/labelled.jsonl")
    before = repo.load_yaml("data/a/labelled.jsonl.provenance.yaml")
    repo.jsonl("data/b/new.jsonl")
    result = run("stamp", "data", *AGENTS)
    assert result.code == 2
    assert "data/a/labelled.jsonl: already names its generator (" in result.err
    assert repo.load_yaml("data/a/labelled.jsonl.provenance.yaml") == before
    assert repo.load_yaml("data/b/new.jsonl.provenance.yaml")["generator"]["id"] \
        == "openai/gpt-4o-2024-08-06"
    # Named itself, the file is re-attributed: a deliberate act.
    assert run("stamp", "data/a/labelled.jsonl", *AGENTS).code == 0
    assert repo.load_yaml("data/a/labelled.jsonl.provenance.yaml")["validator"]["id"] \
        == "Acme Annotation Team"


def test_a_folder_stamp_with_the_same_agents_renews_every_file(repo: Repo, run: Runner) -> None:
    for name in ("a", "b"):
        repo.jsonl(f"data/{name}.jsonl")
    assert run("stamp", "data", *AGENTS).code == 0
    repo.jsonl("data/a.jsonl", [{"question": "new?", "answer": "yes"}])
    assert run("stamp", "data", *AGENTS).code == 0
    assert run("stamp", "data").code == 0
    assert run("check").code == 0


def test_the_hint_block_leaves_out_files_lowered_to_a_warning(repo: Repo, run: Runner) -> None:
    repo.write(".qa-provenance.yaml",
               "overrides:\n  - files: 'data/legacy/**'\n    rules: {missing-provenance: warn}\n")
    for name in ("a", "b", "c"):
        repo.jsonl(f"data/legacy/{name}.jsonl")
    result = run("check")
    assert result.code == 0
    assert "hint:" not in result.err
    repo.jsonl("data/new/x.jsonl")
    repo.jsonl("data/new/y.jsonl")
    hint = [line for line in run("check").err.splitlines() if not line.startswith("note:")]
    assert hint[0] == "hint: 2 data files have no provenance. The fastest ways out:"
    assert hint[1].strip().startswith("qa-provenance stamp data/new --generator")
    assert "overrides: [{files: 'data/new/**', rules: {missing-provenance: warn}}]" in hint[3]
    assert "init writes" not in "\n".join(hint)  # init writes no manifest


def test_a_mistyped_path_is_a_usage_error(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl")
    result = run("check", "data/qa.jsnol")
    assert (result.code, result.err) == (
        2, "qa-provenance: data/qa.jsnol: no such file or folder\n")
    # A deleted data file whose sidecar is still there is checked: its sidecar is an orphan.
    repo.path("data/qa.jsonl").unlink()
    assert run("check", "data/qa.jsonl").has("data/qa.jsonl.provenance.yaml: QP006")


def test_import_takes_the_source_as_its_help_shows(repo: Repo, run: Runner) -> None:
    """`qa-provenance import README.md --data ...` (the --help example) and a Croissant file
    given the same way; a metadata file import cannot read says so."""
    repo.jsonl("data/qa.jsonl")
    repo.write("data/README.md", "---\nlicense: cc-by-4.0\nsource_datasets: [squad]\n---\n"
                                 "# QA\nGenerated with GPT-4o.\n")
    repo.write("data/metadata.json", '{"@context": {"@vocab": "https://schema.org/"}, '
                                     '"@type": "sc:Dataset", "name": "qa", "license": "MIT"}')
    repo.write("data/card.json", '{"name": "qa", "className": "LabelledRagDataset"}')
    card = run("import", "data/README.md")
    assert card.code == 0, card.err
    assert "CC-BY-4.0" in card.out
    croissant = run("import", "data/metadata.json")
    assert croissant.code == 0, croissant.err
    assert "license: MIT" in croissant.out
    llama = run("import", "data/card.json")
    assert llama.code == 2
    assert "not a Croissant file (no @context)" in llama.err
    assert run("import", "data/README.md", "--card", "data/README.md").code == 2
    note = [line for line in run("check").err.splitlines() if "metadata" in line]
    assert note[0].endswith("qa-provenance import data/metadata.json --data DATA_FILE")


def test_a_manifest_finding_names_the_data_file(repo: Repo, run: Runner) -> None:
    """A manifest covers many files: its QP003 says which one changed (shell-quoted)."""
    repo.jsonl("data/user notes.jsonl")
    repo.write("data/provenance.yaml", "datasets:\n  - files: '*.jsonl'\n"
               "    generator: {type: human, id: Writers}\n"
               "    validator: {type: human, id: Reviewers}\n")
    unstamped = run("check")
    assert "run qa-provenance stamp 'data/user notes.jsonl'" in unstamped.out
    assert run("stamp", "data").code == 0
    repo.jsonl("data/user notes.jsonl", [{"question": "new?", "answer": "yes"}])
    result = run("check")
    assert "QP003 content of 'data/user notes.jsonl' changed since it was stamped" in result.out
    assert result.lines[0].endswith("then run qa-provenance stamp 'data/user notes.jsonl'")


def test_the_workflow_init_writes_checks_without_a_verifier(repo: Repo, run: Runner) -> None:
    """The first CI run of a new repository runs the check; spot checks (and signing them) wait
    for a verifier, and the file does not tell the reader to copy it where it already is."""
    repo.jsonl("data/qa.jsonl")
    assert run("init").code == 0
    text = repo.read(".github/workflows/qa-provenance.yml")
    assert text.startswith("# Written by `qa-provenance init`")
    assert "copy to" not in text
    workflow = repo.load_yaml(".github/workflows/qa-provenance.yml")
    [check] = [s for s in workflow["jobs"]["provenance"]["steps"] if s.get("id") == "qa"]
    assert check["with"]["spot-check"] == "${{ vars.QA_VERIFIER_URL != '' }}"
    assert "vars.QA_VERIFIER_URL != ''" in workflow["jobs"]["attest"]["if"]


@pytest.mark.parametrize("stamped, now", [(b"\n", b"\r\n"), (b"\r\n", b"\n")],
                         ids=["LF stamped, CRLF checked out", "CRLF stamped, LF checked out"])
def test_a_digest_that_differs_only_in_line_endings_says_so(
        repo: Repo, run: Runner, stamped: bytes, now: bytes) -> None:
    rows = b'{"question": "q?", "answer": "a"}\n{"question": "r?", "answer": "b"}\n'
    repo.write("data/qa.jsonl", rows.replace(b"\n", stamped))
    assert run("stamp", "data/qa.jsonl", *AGENTS).code == 0
    repo.write("data/qa.jsonl", rows.replace(b"\n", now))
    result = run("check")
    assert result.code == 1
    [line] = result.lines
    ending = "LF" if stamped == b"\n" else "CRLF"
    assert (f"QP003 content differs from its record only in its line endings: it was stamped "
            f"with {ending} line endings") in line
    assert ".gitattributes" in line
    repo.write("data/qa.jsonl", rows + b'{"question": "s?", "answer": "c"}\n')
    assert "line endings" not in run("check").out  # a real edit is reported as one


def test_init_keeps_data_files_byte_for_byte_in_git(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    assert run("init", "--no-workflow").code == 0
    assert "*.jsonl -text\n" in repo.read(".gitattributes")
    assert "**/data/**/*.csv -text\n" in repo.read(".gitattributes")
    repo.write(".gitattributes", "*.png binary\n")
    result = run("init", "--no-workflow")
    assert "add to .gitattributes:" in result.out
    assert repo.read(".gitattributes") == "*.png binary\n"


@pytest.mark.parametrize("text, message", [
    ("overides:\n  - files: 'x/**'\n    rules: {missing-provenance: warn}\n",
     "unknown field 'overides' (did you mean 'overrides'? prefix custom fields with 'x-')"),
    ("overrides:\n  - files: 'x/**'\n    rules: {missing-provenence: warn}\n",
     "unknown rule 'missing-provenence' (did you mean 'missing-provenance'? see "
     "'qa-provenance rules')"),
])
def test_a_typo_in_the_configuration_gets_a_suggestion(repo: Repo, run: Runner, text: str,
                                                       message: str) -> None:
    repo.write(".qa-provenance.yaml", text)
    result = run("check")
    assert result.code == 2
    assert message in result.err


def test_init_outside_git_says_to_create_the_repository(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    assert "then: pre-commit install" in run("init", "--dry-run").out
    repo.path(".git").rmdir()
    result = run("init", "--dry-run", "--root", str(repo.root))
    assert "1 data file, 1 without provenance." in result.out
    assert "then: git init && pre-commit install" in result.out


def test_an_unknown_option_shows_the_command_s_own_usage(repo: Repo, run: Runner,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    from provenance.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["stamp", "data/qa.jsonl", "--dry-run"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: qa-provenance stamp ")
    assert err.endswith("qa-provenance stamp: error: unrecognized arguments: --dry-run\n")


def test_init_offers_overrides_per_folder_under_data(repo: Repo, run: Runner) -> None:
    """`data/**` would silence everything: under data/ the offer is per folder."""
    for rel in ("data/eval/a.jsonl", "data/eval/b.jsonl", "data/legacy/c.jsonl", "data/d.jsonl",
                "old/x/e.jsonl"):
        repo.jsonl(rel)
    assert run("init", "--no-workflow").code == 0
    config = repo.read(".qa-provenance.yaml")
    assert "#   - files: 'data/eval/**'   # 2 unlabelled" in config
    assert "#   - files: 'data/legacy/**'   # 1 unlabelled" in config
    assert "#   - files: 'data/**'   # 1 unlabelled" in config
    assert "#   - files: 'old/**'   # 1 unlabelled" in config


def test_restamping_a_sidecar_saved_with_crlf_keeps_crlf(repo: Repo, run: Runner) -> None:
    """A sidecar edited on Windows is edited in place: its line endings do not all change."""
    repo.jsonl("data/qa.jsonl")
    assert run("stamp", "data/qa.jsonl", *AGENTS).code == 0
    sidecar = repo.path("data/qa.jsonl.provenance.yaml")
    text = "# reviewed by the data team\n" + sidecar.read_text(encoding="utf-8")
    sidecar.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert run("stamp", "data/qa.jsonl", "--license", "MIT").code == 0
    written = sidecar.read_bytes()
    assert written.startswith(b"# reviewed by the data team\r\n")
    assert b"license: MIT\r\n" in written and b"\n" not in written.replace(b"\r\n", b"")
    assert run("check").code == 0
