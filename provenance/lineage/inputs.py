"""What the lineage graph is built from: the records of the datasets a run checked, and the
file-level records of every other dataset in the repository (read, not checked)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.lineage.build import DatasetFacts, build_graph, is_absolute_path, leaves_root
from provenance.lineage.graph import LineageGraph
from provenance.reading.locate import Claim, Locator, data_path_of_sidecar, is_manifest
from provenance.record import Agent, Record
from provenance.speed.record_index import RecordIndex

if TYPE_CHECKING:
    from provenance.session import Session


class LineageInputs:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.checked: dict[str, DatasetFacts] = {}
        self.all: dict[str, DatasetFacts] = {}  # after ``graph()``: checked and others

    def add(self, relpath: str, claim: Claim, record: Record | None,
            generators: Iterable[Agent], validators: Iterable[Agent]) -> None:
        """A checked file's record, with the agents its records name."""
        facts = DatasetFacts(relpath, claim.source)
        if record is not None:
            facts.generators.extend(record.generators)
            facts.validators.extend(record.validators)
            facts.trains.extend(record.trains)
            facts.derived_from.extend(record.derived_from)
            facts.evaluates.extend(record.evaluates)
            facts.held_out = record.held_out
        facts.generators.extend(generators)
        facts.validators.extend(validators)
        self.checked[relpath] = facts

    def graph(self) -> LineageGraph:
        """The graph of every dataset checked, every other record, and the registry's models."""
        index = RecordIndex(_index_path(self.session))
        inputs = dict(self._others(set(self.checked), Locator(self.session.root, index)))
        index.save()
        inputs.update(self.checked)
        self.all = inputs
        return build_graph(self.session.root, inputs.values(), self.session.registry())

    def _others(self, checked: set[str], locator: Locator
                ) -> Iterator[tuple[str, DatasetFacts]]:
        """File-level records of datasets not checked in this run (sidecars and manifests),
        read through the record index: a provenance file unchanged since an earlier run is not
        parsed again."""
        for relpath in self.session.all_files():
            data = data_path_of_sidecar(relpath)
            targets: list[str] = []
            if data is not None and data not in checked:
                targets = [data]
            elif is_manifest(relpath):
                manifest = locator.manifest(posixpath.dirname(relpath))
                if manifest is not None and manifest.error is None:
                    targets = [t for t in _manifest_subjects(manifest) if t not in checked]
            for target in targets:
                claims = locator.claims(target)
                if not claims:
                    continue
                claim = max(claims, key=lambda c: c.level)
                if isinstance(claim.record, dict):
                    try:
                        record = Record.from_mapping(claim.record)
                    except (KeyError, TypeError, ValueError):
                        continue
                    yield target, DatasetFacts(target, claim.source, list(record.generators),
                                               list(record.validators), list(record.trains),
                                               list(record.derived_from), list(record.evaluates),
                                               record.held_out)


def _index_path(session: Session) -> Path | None:
    """Beside the digest cache, and off with it (``--no-cache``)."""
    if session.config.digest_cache is False:
        return None
    from provenance.fs.cache_dir import cache_dir

    return cache_dir(session.root) / "records.json"


def changed_since(session: Session, ref: str) -> list[str]:
    """The data files changed since ``ref`` (directly or through their provenance), plus the
    datasets their lineage reaches, plus the evaluation results file when it changed (so that a
    pull request recording a new round is checked for drift)."""
    from provenance.lineage.changed import changed_files, lineage_closure

    files = changed_files(session.root, ref)
    touched = session.select(files).data
    reached = lineage_closure(LineageInputs(session).graph(), touched)
    results = str(session.config.evaluations.get("file") or "evaluations.yaml")
    return sorted(set(touched) | {p for p in reached if _repository_file(session.root, p)}
                  | ({results} if results in files else set()))


def _repository_file(root: Path, name: str) -> bool:
    """Whether a dataset of the lineage graph is a file of this repository, not an external
    reference (a URI, an absolute path, a path out of the root), which is never opened."""
    if "://" in name or is_absolute_path(name) or leaves_root(root, "", name):
        return False
    return (root / name).is_file()


def _manifest_subjects(manifest: Any) -> list[str]:
    out = []
    for _index, _globs, entry in manifest.entries:
        for key in entry.get("subjects") or {}:
            out.append(posixpath.join(manifest.directory, key) if manifest.directory else key)
    return out
