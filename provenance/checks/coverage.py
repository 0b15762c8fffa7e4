"""Provenance a change removes: the datasets it may leave uncovered, and the findings that say so.

The hook is handed the files a commit adds or changes; deleting or renaming a sidecar, a manifest
or an attestation changes no dataset, so checking the files handed over would pass. Here each
removal (from ``gitindex``) becomes a list of ``Loss``: a dataset to check again, with the removal
that may have uncovered it. The check then runs as usual on those datasets, and :func:`apply`
rewrites what it found so that the message names the removed file:

- a dataset left with no provenance record: QP001, naming the deleted or renamed file;
- a dataset below its ``trust`` minimum once an attestation is gone: QP031 says which one;
- a dataset whose provenance was removed from the commit but is still in the work tree (``git rm
  --cached``), where the check would read it: QP001 (QP031 for an attestation) all the same,
  because the commit holds what the index holds.

A dataset that is still covered (a manifest beside the deleted sidecar, a sidecar renamed from
``.yaml`` to ``.json``) passes. Pure: the callers pass in what git and the configuration say.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from provenance import rules
from provenance.checks.problem import Problem
from provenance.findings import Finding, RunResult
from provenance.gitindex import Removal
from provenance.reading.locate import data_path_of_sidecar, is_manifest
from provenance.rules import Rule, Severity

SIDECAR, MANIFEST, ATTESTATION = "sidecar", "manifest", "attestation"
_NAMED = {SIDECAR: "its sidecar", MANIFEST: "the manifest", ATTESTATION: "the attestation"}


@dataclass(frozen=True)
class Loss:
    """A dataset that ``removal`` (a provenance file of kind ``kind``) may have uncovered."""

    dataset: str
    removal: Removal
    kind: str

    def reason(self, when: str) -> str:
        what, path, new = _NAMED[self.kind], self.removal.path, self.removal.renamed_to
        verb = "has been" if when.startswith("since") else "is"
        if new is None:
            return f"{what} {path} {verb} deleted {when}"
        return f"{what} {path} {verb} renamed {when} to {new}, which does not cover it"


def losses(removals: Sequence[Removal], *,
           is_dataset: Callable[[str], bool],
           needs_attestation: Callable[[str], bool],
           listed_attestation: Callable[[str], bool],
           in_change: Callable[[str], bool],
           files_under: Callable[[str], Iterable[str]],
           manifest_globs: Callable[[Removal], Callable[[str], bool] | None]) -> list[Loss]:
    """The datasets each removal may leave uncovered, that the change still holds.

    A sidecar covers its data file; a manifest, the files below its folder that it matched (its
    old ``files`` globs, read back by ``manifest_globs``) or that the configuration calls datasets;
    an attestation beside a file, that file, and one listed in ``attestations.files``, every
    dataset; attestations count only where the ``trust`` minimum is ``attested``."""
    from provenance.trust.levels import ATTESTATION_SUFFIXES

    removed = {r.path for r in removals}
    out: list[Loss] = []
    for removal in removals:
        path = removal.path
        sidecar_of = data_path_of_sidecar(path)
        if sidecar_of is not None:
            kind, targets = SIDECAR, [sidecar_of]
        elif is_manifest(path):
            folder = posixpath.dirname(path)
            matcher = manifest_globs(removal)
            kind, targets = MANIFEST, [
                p for p in files_under(folder) if not _is_provenance(p) and (
                    is_dataset(p) or (matcher is not None and matcher(_inner(p, folder))))]
        elif path.endswith(ATTESTATION_SUFFIXES):
            data = next(path[:-len(s)] for s in ATTESTATION_SUFFIXES if path.endswith(s))
            kind, targets = ATTESTATION, [data] if needs_attestation(data) else []
        elif listed_attestation(path):
            kind, targets = ATTESTATION, [p for p in files_under("") if needs_attestation(p)]
        else:
            continue
        out.extend(Loss(t, removal, kind) for t in targets if t not in removed and in_change(t))
    return out


def apply(result: RunResult, found: Sequence[Loss], *, when: str,
          severity: Callable[[Rule, str], Severity],
          left_in_work_tree: Callable[[str], bool]) -> None:
    """Name the removals in what the check found for the datasets they uncovered (in place)."""
    by_dataset: dict[str, list[Loss]] = {}
    for loss in found:
        by_dataset.setdefault(loss.dataset, []).append(loss)
    index = {file.path: number for number, file in enumerate(result.files)}
    for dataset, items in by_dataset.items():
        reasons = "; ".join(dict.fromkeys(loss.reason(when) for loss in items))
        number = index.get(dataset)
        if number is None:  # nothing claims it now, and the configuration calls it no dataset
            _add(result.extra, dataset, Problem(rules.MISSING, _missing(reasons)), severity)
            continue
        file = result.files[number]
        findings: list[Finding] = []
        for finding in file.findings:
            if finding.rule is rules.MISSING:
                finding = replace(finding, message=_missing(reasons))
            elif finding.rule is rules.TRUST_BELOW_MINIMUM and \
                    any(loss.kind == ATTESTATION for loss in items):
                finding = replace(finding, message=f"{finding.message}; {reasons}")
            findings.append(finding)
        for loss in items:
            path = loss.removal.path
            if not left_in_work_tree(path):
                continue
            message = (f"{loss.reason(when)} but is still in the work tree, where the check read "
                       f"it: the commit leaves '{dataset}' without it (delete the file, or restore "
                       f"it with git restore --staged {path})")
            if loss.kind == ATTESTATION:
                _add(findings, dataset, Problem(rules.TRUST_BELOW_MINIMUM, message), severity)
            elif file.provenance_path == path:
                _add(findings, dataset, Problem(rules.MISSING, message), severity)
            # else the check read another record, which the commit keeps
        result.files[number] = replace(file, findings=tuple(findings))


def _add(out: list[Finding], dataset: str, problem: Problem,
         severity: Callable[[Rule, str], Severity]) -> None:
    """Place a problem at the dataset it concerns, graded by the configuration there."""
    level = severity(problem.rule, dataset)
    if level is not Severity.OFF:
        out.append(Finding(dataset, problem.rule, problem.message, level))


def _missing(reasons: str) -> str:
    return f"no provenance record: {reasons} (restore it, or stamp the file again)"


def _is_provenance(relpath: str) -> bool:
    return data_path_of_sidecar(relpath) is not None or is_manifest(relpath)


def _inner(relpath: str, folder: str) -> str:
    return relpath[len(folder) + 1:] if folder else relpath
