"""Which datasets a removed provenance file uncovers, and how the findings name it
(``checks.coverage``): pure functions, given by hand what git and the configuration say.

The end-to-end hook cases live in tests/test_hook_integrity.py; these pin the verdicts that
mutation testing showed they leave open: a listed attestation, an orphan sidecar, a manifest's
own globs and the sidecars beside it, and which findings get the removal's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from provenance import rules
from provenance.checks.coverage import ATTESTATION, MANIFEST, SIDECAR, Loss, apply, losses
from provenance.findings import FileResult, Finding, RunResult
from provenance.gitindex import Removal
from provenance.rules import Severity


def deleted(path: str) -> Removal:
    return Removal(path, None, "0" * 40)


def lost(removals: Sequence[Removal], *, present: Iterable[str],
         attested: Callable[[str], bool] = lambda p: False,
         listed: Callable[[str], bool] = lambda p: False,
         globs: Callable[[str], bool] | None = None) -> list[tuple[str, str, str]]:
    """(dataset, removed file, kind) per loss; ``present``: the files the change holds."""
    files = sorted(present)
    found = losses(
        removals, is_dataset=lambda p: False, needs_attestation=attested,
        listed_attestation=listed, in_change=lambda p: p in files,
        files_under=lambda folder: [p for p in files if not folder or p.startswith(folder + "/")],
        manifest_globs=lambda removal: globs)
    return [(loss.dataset, loss.removal.path, loss.kind) for loss in found]


def test_a_listed_attestation_uncovers_every_dataset_that_needs_one() -> None:
    present = ["data/a.jsonl", "data/b.jsonl", "notes/readme.md"]
    removals = [deleted("proofs/all.bundle"), deleted("notes/old.md")]
    assert lost(removals, present=present, attested=lambda p: p.startswith("data/"),
                listed=lambda p: p == "proofs/all.bundle") == [
        ("data/a.jsonl", "proofs/all.bundle", ATTESTATION),
        ("data/b.jsonl", "proofs/all.bundle", ATTESTATION)]
    # a removed file that is no provenance uncovers nothing
    assert lost([deleted("notes/old.md")], present=present, attested=lambda p: True) == []


def test_a_sidecar_removed_with_or_without_its_data() -> None:
    assert lost([deleted("data/a.jsonl.provenance.yaml")], present=["data/a.jsonl"]) == [
        ("data/a.jsonl", "data/a.jsonl.provenance.yaml", SIDECAR)]
    # an orphan sidecar cleaned up: its data file is not in the change, nothing is uncovered
    assert lost([deleted("data/gone.jsonl.provenance.yaml")], present=["data/a.jsonl"]) == []
    assert lost([deleted("data/a.jsonl"), deleted("data/a.jsonl.provenance.yaml")],
                present=[]) == []


def test_a_manifest_uncovers_what_its_globs_matched_below_its_folder() -> None:
    present = ["data/qa-1.jsonl", "data/notes.txt", "data/qa-2.jsonl",
               "data/qa-2.jsonl.provenance.yaml", "other/qa-3.jsonl"]
    # the globs see paths relative to the manifest's folder
    assert lost([deleted("data/provenance.yaml")], present=present,
                globs=lambda inner: inner.startswith("qa-")) == [
        ("data/qa-1.jsonl", "data/provenance.yaml", MANIFEST),
        ("data/qa-2.jsonl", "data/provenance.yaml", MANIFEST)]
    assert lost([deleted("provenance.yaml")], present=["qa-1.jsonl", "notes.txt"],
                globs=lambda inner: inner == "qa-1.jsonl") == [
        ("qa-1.jsonl", "provenance.yaml", MANIFEST)]


def finding(rule: rules.Rule, message: str) -> Finding:
    return Finding("data/a.jsonl", rule, message, Severity.ERROR)


def explained(found: list[Loss], *findings: Finding, left: bool = False) -> list[str]:
    result = RunResult(files=[FileResult("data/a.jsonl", None, findings=findings)])
    apply(result, found, when="in this commit", severity=lambda rule, path: Severity.ERROR,
          left_in_work_tree=lambda path: left)
    return [f"{f.rule.code} {f.message}" for f in result.findings]


def test_only_the_trust_finding_names_a_removed_attestation() -> None:
    attestation = Loss("data/a.jsonl", deleted("data/a.jsonl.intoto.jsonl"), ATTESTATION)
    assert explained([attestation], finding(rules.TRUST_BELOW_MINIMUM, "trust level declared"),
                     finding(rules.DIGEST, "content changed")) == [
        "QP031 trust level declared; the attestation data/a.jsonl.intoto.jsonl is deleted in "
        "this commit",
        "QP003 content changed"]


def test_a_sidecar_and_an_attestation_removed_together_are_both_named() -> None:
    sidecar = Loss("data/a.jsonl", deleted("data/a.jsonl.provenance.yaml"), SIDECAR)
    attestation = Loss("data/a.jsonl", deleted("data/a.jsonl.intoto.jsonl"), ATTESTATION)
    both = ("its sidecar data/a.jsonl.provenance.yaml is deleted in this commit; the attestation "
            "data/a.jsonl.intoto.jsonl is deleted in this commit")
    assert explained([sidecar, attestation], finding(rules.MISSING, "no provenance record"),
                     finding(rules.TRUST_BELOW_MINIMUM, "trust level none")) == [
        f"QP001 no provenance record: {both} (restore it, or stamp the file again)",
        f"QP031 trust level none; {both}"]
