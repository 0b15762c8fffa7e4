"""Building the lineage graph from the repository's provenance records and model registry.

Loops span files: a model card in one folder, a training set in another, a validated set in a
third. So the graph takes every dataset's agents (file-level and per-record), its ``derived_from``
and ``trains``, and every registry model's base models and training data.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.fs.confine import inside
from provenance.lineage.graph import (
    BASE,
    DERIVED,
    EVALUATES,
    GENERATED,
    TRAINS,
    VALIDATES,
    LineageGraph,
)
from provenance.record import Agent

if TYPE_CHECKING:
    from provenance.identity.registry import Registry


@dataclass
class DatasetFacts:
    """What the graph needs of one dataset."""

    relpath: str
    source: str  # the provenance file (or the data file, for embedded provenance)
    generators: list[Agent] = field(default_factory=list)
    validators: list[Agent] = field(default_factory=list)
    trains: list[str] = field(default_factory=list)
    derived_from: list[str] = field(default_factory=list)
    evaluates: list[str] = field(default_factory=list)
    held_out: bool = False


def resolve_reference(root: Path, base_dir: str, ref: str) -> str:
    """A dataset reference as a path relative to the root when it names a file here (relative to
    the referring file's folder, else to the root), otherwise the reference unchanged.

    Unchanged means external: a URI, an absolute path (QP002 in the record), or a path that leaves
    the repository by ``..`` or through a symlink. An external reference is a node of the graph
    by its spelling only; nothing outside the root is opened or even looked up."""
    if "://" in ref or is_absolute_path(ref):
        return ref
    for folder in (base_dir, ""):
        candidate = posixpath.normpath(posixpath.join(folder, ref)) if folder else \
            posixpath.normpath(ref)
        if _escapes(candidate):
            continue
        real = _real(root, candidate)
        if real is not None and inside(root, real) and real.is_file():
            return candidate
    return ref


def leaves_root(root: Path, base_dir: str, ref: str) -> bool:
    """Whether a relative reference made in ``base_dir`` points outside the repository (by ``..``
    or through a symlinked folder): the lineage cannot follow it there."""
    if "://" in ref or is_absolute_path(ref):
        return False
    candidate = posixpath.normpath(posixpath.join(base_dir, ref))
    if _escapes(candidate):
        return True
    real = _real(root, candidate)
    return real is not None and not inside(root, real)


def external_references(root: Path, source: str, refs: Iterable[str]) -> tuple[str, ...]:
    """Notes for the ``derived_from`` references of ``source`` that leave the repository: never
    opened, and the lineage graph cannot follow them."""
    base_dir = posixpath.dirname(source)
    return tuple(f"derived_from '{ref}' in {source} lies outside the repository: an external "
                 "reference, not read or followed"
                 for ref in refs if leaves_root(root, base_dir, ref))


def is_absolute_path(ref: str) -> bool:
    """A file system path that names a place on one machine (POSIX, Windows, or home-relative)."""
    return posixpath.isabs(ref) or ntpath.isabs(ref) or ref.startswith("~") \
        or bool(ntpath.splitdrive(ref)[0])


def _real(root: Path, candidate: str) -> Path | None:
    """The resolved path, or None when the text cannot name a file at all (a NUL byte, a lone
    surrogate escape from a JSON record)."""
    try:
        return Path(os.path.realpath(root / candidate))
    except (OSError, ValueError):
        return None


def _escapes(candidate: str) -> bool:
    return candidate == ".." or candidate.startswith("../")


def build_graph(root: Path, datasets: Iterable[DatasetFacts], registry: Registry) -> LineageGraph:
    builder = GraphBuilder(root, registry)
    for facts in datasets:
        builder.add(facts)
    return builder.finish()


class GraphBuilder:
    """The graph, one dataset at a time, then the registry's models (``finish``).

    A hook run adds every dataset of the repository, ten thousand in a large one, so the work per
    dataset is kept small: a model id is resolved through the registry once per spelling, and the
    datasets of the record index (``add_compact``) that say the same thing share one list of
    their edges to models. Nodes and edges are added in the same order either way."""

    def __init__(self, root: Path, registry: Registry) -> None:
        self.graph = LineageGraph()
        self.root = root
        self.registry = registry
        self._models: dict[str, str] = {}  # a spelling -> its node
        self._shapes: dict[int, tuple[list[tuple[str, str, str, bool]], list[str], bool]] = {}

    def model(self, raw_id: str) -> str:
        node = self._models.get(raw_id)
        if node is None:
            node = self._models[raw_id] = self.graph.model(self.registry.key(raw_id))
            self.graph.add_node(node, raw_id)
        return node

    def dataset(self, relpath: str) -> str:
        node = self.graph.dataset(relpath)
        self.graph.add_node(node, relpath)
        return node

    def add(self, facts: DatasetFacts) -> None:
        graph = self.graph
        here = self.dataset(facts.relpath)
        graph.local.add(here)
        for agent in facts.generators:
            if agent.type == "model" and agent.id:
                graph.add_edge(self.model(agent.id), here, GENERATED)
        for agent in facts.validators:
            if agent.type == "model" and agent.id:
                graph.add_edge(self.model(agent.id), here, VALIDATES)
        for target in facts.trains:
            graph.add_edge(here, self.model(target), TRAINS)
        for target in facts.evaluates:
            graph.add_edge(here, self.model(target), EVALUATES, target)  # as the record spells it
        if facts.held_out:
            graph.held_out.add(here)
        self._derived(here, facts.source, facts.derived_from)

    def add_compact(self, relpath: str, source: str, slot: int, facts: list[Any]) -> None:
        """A dataset as the record index holds it (``record_index.compact``), the same edges as
        ``add``; ``slot`` names ``facts`` (equal slots, equal facts)."""
        graph = self.graph
        here = self.dataset(relpath)
        graph.local.add(here)
        shape = self._shapes.get(slot)
        if shape is None:
            shape = self._shapes[slot] = self._shape(facts)
        links, derived, held_out = shape
        for node, kind, detail, incoming in links:
            if incoming:
                graph.add_edge(node, here, kind)
            else:
                graph.add_edge(here, node, kind, detail)
        if held_out:
            graph.held_out.add(here)
        if derived:
            self._derived(here, source, derived)

    def _shape(self, facts: list[Any]
               ) -> tuple[list[tuple[str, str, str, bool]], list[str], bool]:
        """A compact record's edges to models, ``(model, kind, detail, into the dataset)``."""
        generators, validators, trains, derived, evaluates, held_out = facts
        links = [(self.model(i), GENERATED, "", True) for t, i in generators if t == "model" and i]
        links += [(self.model(i), VALIDATES, "", True) for t, i in validators
                  if t == "model" and i]
        links += [(self.model(target), TRAINS, "", False) for target in trains]
        links += [(self.model(target), EVALUATES, target, False) for target in evaluates]
        return links, list(derived), bool(held_out)

    def _derived(self, here: str, source: str, refs: Iterable[str]) -> None:
        base_dir = posixpath.dirname(source)
        for ref in refs:
            parent = resolve_reference(self.root, base_dir, ref)
            self.graph.add_edge(self.dataset(parent), here, DERIVED)

    def finish(self) -> LineageGraph:
        """Add the registry's models, their base models and training data."""
        for entry in self.registry:
            if not entry.base_models and not entry.trained_on:
                continue
            child = self.model(entry.id)
            for base in entry.base_models:
                self.graph.add_edge(self.model(base.id), child, BASE, base.relation)
            card_dir = posixpath.dirname(entry.source) if entry.source.endswith(".md") else ""
            for ref in entry.trained_on:
                self.graph.add_edge(self.dataset(resolve_reference(self.root, card_dir, ref)),
                                    child, TRAINS)
        return self.graph
