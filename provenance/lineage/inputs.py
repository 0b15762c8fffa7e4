"""What the lineage graph is built from: the records of the datasets a run checked, and the
file-level records of every other dataset in the repository (read, not checked)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.lineage.build import DatasetFacts, GraphBuilder, is_absolute_path, leaves_root
from provenance.lineage.graph import LineageGraph
from provenance.reading.locate import (
    MANIFEST_NAME,
    SIDECAR_SUFFIXES,
    Claim,
    Locator,
    Manifest,
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
        self.all: Mapping[str, DatasetFacts] = {}  # after ``graph()``: checked and others
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
        root = self.session.root
        index = RecordIndex(_index_path(self.session))
        for source, data in self._parsed.items():
            index.remember(root, source, data, sidecar=data_path_of_sidecar(source) is not None)
        others = _Others(index.table)
        for relpath, source, found in self._others(set(self.checked), Locator(root, index),
                                                   index):
            others.add(relpath, source, found)  # a dataset named twice: the last one speaks
        index.save(self.session.all_files())
        builder = GraphBuilder(root, self.session.registry())
        for relpath, (source, found) in others.found.items():
            if isinstance(found, DatasetFacts):
                builder.add(found)
            else:
                builder.add_compact(relpath, source, found, index.table[found])
        for facts in self.checked.values():
            builder.add(facts)
        self.all = _AllFacts(others, self.checked)
        self._graph = builder.finish()
        return self._graph

    def _others(self, checked: set[str], locator: Locator, index: RecordIndex
                ) -> Iterator[tuple[str, str, DatasetFacts | int]]:
        """File-level records of datasets not checked in this run (sidecars and manifests), in
        the order of the repository's listing, read through the record index: a provenance
        file unchanged since an earlier run is not parsed again. ``(dataset, its provenance
        file, its facts)``, the facts of a sidecar as a slot of the index's table."""
        files = self.session.all_files()
        candidates = [p for p in files if p.endswith(_ENDINGS)]  # in the listing's order
        names = set(candidates)
        first, cut = SIDECAR_SUFFIXES[0], len(SIDECAR_SUFFIXES[0])
        order: list[tuple[str, str | None]] = []  # (file, the dataset of a sidecar)
        for relpath in candidates:
            if relpath.endswith(first) and len(relpath) > cut:
                data: str | None = relpath[:-cut]
            else:
                data = data_path_of_sidecar(relpath)
                # A sidecar speaks for its file: it is at the highest level, with only another
                # sidecar beside it (a conflict, where the first of sidecar_paths' order wins).
                if data is not None and next(s for s in sidecar_paths(data) if s in names) \
                        != relpath:
                    continue
            if data is None:
                if relpath == MANIFEST_NAME or relpath.endswith("/" + MANIFEST_NAME):
                    order.append((relpath, None))
            elif data not in checked:
                order.append((relpath, data))
        slots = dict(index.slots(self.session.root, (p for p, d in order if d is not None)))
        for relpath, data in order:
            if data is not None:
                slot = slots.get(relpath)
                if slot is not None:
                    yield data, relpath, slot
                continue
            manifest = locator.manifest(posixpath.dirname(relpath))
            if manifest is None or manifest.error is not None:
                continue
            for target in _manifest_targets(manifest, files):
                if target in checked or any(s in names for s in sidecar_paths(target)):
                    continue  # checked, or its sidecar speaks for it (the highest level)
                claims = locator.claims(target)
                if not claims:
                    continue
                claim = max(claims, key=lambda c: c.level)
                if isinstance(claim.record, dict):
                    try:
                        record = Record.from_mapping(claim.record)
                    except (KeyError, TypeError, ValueError):
                        continue
                    yield target, claim.source, DatasetFacts(
                        target, claim.source, list(record.generators), list(record.validators),
                        list(record.trains), list(record.derived_from), list(record.evaluates),
                        record.held_out)


_ENDINGS = (*SIDECAR_SUFFIXES, MANIFEST_NAME)


class _Others:
    """The datasets of the repository a run did not check, as the graph was built from them:
    sidecars as slots of the record index's table, turned into ``DatasetFacts`` only when a
    rule asks for one (a finding's file, an evaluation's maker)."""

    def __init__(self, table: list[Any]) -> None:
        self.table = table
        self.found: dict[str, tuple[str, DatasetFacts | int]] = {}

    def add(self, relpath: str, source: str, facts: DatasetFacts | int) -> None:
        self.found[relpath] = (source, facts)

    def get(self, relpath: str) -> DatasetFacts | None:
        hit = self.found.get(relpath)
        if hit is None:
            return None
        source, facts = hit
        if isinstance(facts, DatasetFacts):
            return facts
        return _from_compact(relpath, source, self.table[facts])


class _AllFacts(Mapping[str, DatasetFacts]):
    """Every dataset of the graph: those checked, over the others (built when asked for)."""

    def __init__(self, others: _Others, checked: dict[str, DatasetFacts]) -> None:
        self._others = others
        self._checked = checked

    def __getitem__(self, relpath: str) -> DatasetFacts:
        facts = self._checked.get(relpath) or self._others.get(relpath)
        if facts is None:
            raise KeyError(relpath)
        return facts

    def __iter__(self) -> Iterator[str]:
        yield from self._others.found
        yield from (p for p in self._checked if p not in self._others.found)

    def __len__(self) -> int:
        return len(self._others.found.keys() | self._checked.keys())


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


def _manifest_targets(manifest: Manifest, files: list[str]) -> list[str]:
    """The datasets a manifest may speak for: its subjects, then the files its globs cover (as a
    whole-repository run selects them), whether or not they were stamped."""
    prefix = f"{manifest.directory}/" if manifest.directory else ""
    covered = [p for p in files if p.startswith(prefix)
               and not (data_path_of_sidecar(p) or is_manifest(p)) and manifest.matches(p)]
    return list(dict.fromkeys([*_manifest_subjects(manifest), *covered]))


def _manifest_subjects(manifest: Any) -> list[str]:
    out = []
    for _index, _globs, entry in manifest.entries:
        for key in entry.get("subjects") or {}:
            out.append(posixpath.join(manifest.directory, key) if manifest.directory else key)
    return out
