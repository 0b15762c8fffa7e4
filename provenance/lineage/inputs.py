"""What the lineage graph is built from: the records of the datasets a run checked, and the
file-level records of every other dataset in the repository (read, not checked)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.lineage.build import DatasetFacts, build_graph, is_absolute_path, leaves_root
from provenance.lineage.graph import LineageGraph
from provenance.reading.locate import (
    Claim,
    Locator,
    data_path_of_sidecar,
    is_manifest,
    sidecar_paths,
)
from provenance.record import Agent, Record
from provenance.speed.record_index import RecordIndex

if TYPE_CHECKING:
    from provenance.checks.per_record import RecordScan
    from provenance.session import Session


class LineageInputs:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.checked: dict[str, DatasetFacts] = {}
        self.all: dict[str, DatasetFacts] = {}  # after ``graph()``: checked and others
        self._parsed: dict[str, Any] = {}  # provenance files this run read, by path
        self._graph: LineageGraph | None = None

    def add(self, relpath: str, claim: Claim, record: Record | None,
            scan: RecordScan | None) -> None:
        """A checked file's record, with the agents its records name (``scan``)."""
        if claim.kind in ("sidecar", "manifest") and claim.document is not None:
            self._parsed[claim.source] = claim.document.data
        facts = DatasetFacts(relpath, claim.source)
        if record is not None:
            facts.generators.extend(record.generators)
            facts.validators.extend(record.validators)
            facts.trains.extend(record.trains)
            facts.derived_from.extend(record.derived_from)
            facts.evaluates.extend(record.evaluates)
            facts.held_out = record.held_out
        if scan is not None:
            facts.generators.extend(scan.generators.values())
            facts.validators.extend(scan.validators.values())
        self.checked[relpath] = facts

    def graph(self) -> LineageGraph:
        """The graph of every dataset checked, every other record, and the registry's models;
        built once, when every file of the run has been added."""
        if self._graph is not None:
            return self._graph
        index = RecordIndex(_index_path(self.session))
        for source, data in self._parsed.items():
            index.remember(self.session.root, source, data,
                           sidecar=data_path_of_sidecar(source) is not None)
        inputs = dict(self._others(set(self.checked), Locator(self.session.root, index), index))
        index.save()
        inputs.update(self.checked)
        self.all = inputs
        self._graph = build_graph(self.session.root, inputs.values(), self.session.registry())
        return self._graph

    def _others(self, checked: set[str], locator: Locator, index: RecordIndex
                ) -> Iterator[tuple[str, DatasetFacts]]:
        """File-level records of datasets not checked in this run (sidecars and manifests),
        read through the record index: a provenance file unchanged since an earlier run is not
        parsed again."""
        files = self.session.all_files()
        listed = set(files)
        root = self.session.root
        for relpath in files:
            data = data_path_of_sidecar(relpath)
            targets: list[str] = []
            if data is not None:
                # A sidecar speaks for its file: it is at the highest level, with only another
                # sidecar beside it (a conflict, where the first of sidecar_paths' order wins).
                first = next((s for s in sidecar_paths(data) if s in listed), relpath)
                facts = index.facts(root, relpath) if data not in checked and first == relpath \
                    else None
                if facts is not None:
                    yield data, _from_compact(data, relpath, facts)
                continue
            if is_manifest(relpath):
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


def _from_compact(relpath: str, source: str, facts: list[Any]) -> DatasetFacts:
    generators, validators, trains, derived, evaluates, held_out = facts
    return DatasetFacts(relpath, source, [Agent(t, i) for t, i in generators],
                        [Agent(t, i) for t, i in validators], list(trains), list(derived),
                        list(evaluates), bool(held_out))


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
