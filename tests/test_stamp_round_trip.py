"""A user's YAML provenance keeps its comments, key order and quoting when the tool edits it
(``stamp`` renewing a binding, ``spot-check --record`` appending a verification)."""

from __future__ import annotations

from conftest import Repo, Runner

MANIFEST = """\
# Provenance of every file the nightly pipeline writes here.
datasets:
  - files: "eval/*.jsonl"   # one entry for the whole folder
    # who made them
    generator: {type: model, id: 'Qwen/Qwen2.5-72B-Instruct'}
    validator:
      type: human
      id: "Northwind Annotation Team"   # the reviewers
    license: 'CC-BY-4.0'
"""


def test_stamping_a_manifest_keeps_what_the_user_wrote(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/eval/a.jsonl")
    repo.write("data/provenance.yaml", MANIFEST)
    result = run("stamp", "data/eval/a.jsonl")
    assert result.code == 0, result.err
    text = repo.read("data/provenance.yaml")
    assert text.startswith(MANIFEST.rstrip("\n").rsplit("\n", 1)[0])  # every line as it was
    for kept in ("# one entry for the whole folder", "# who made them", "# the reviewers",
                 "'Qwen/Qwen2.5-72B-Instruct'", '"Northwind Annotation Team"', "'CC-BY-4.0'"):
        assert kept in text
    assert "subjects:" in text and "eval/a.jsonl:" in text
    assert run("check").code == 0


def test_restamping_a_sidecar_keeps_its_comments(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    assert run("stamp", "data/qa.jsonl", "--generator", "model:openai/gpt-4o-2024-08-06",
               "--validator", "human:Acme Annotation Team").code == 0
    sidecar = "data/qa.jsonl.provenance.yaml"
    edited = repo.read(sidecar).replace("generator:", "# reviewed on 2026-12-01\ngenerator:", 1)
    repo.write(sidecar, edited)
    repo.jsonl("data/qa.jsonl", [{"question": "Why?", "answer": "Because."}])
    assert run("stamp", "data/qa.jsonl").code == 0
    text = repo.read(sidecar)
    assert "# reviewed on 2026-12-01\ngenerator:" in text
    assert run("check").code == 0
