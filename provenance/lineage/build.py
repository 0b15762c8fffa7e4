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
from typing import TYPE_CHECKING

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
    graph = LineageGraph()

    def model(raw_id: str) -> str:
        node = graph.model(registry.key(raw_id))
        graph.add_node(node, raw_id)
        return node

    def dataset(relpath: str) -> str:
        node = graph.dataset(relpath)
        graph.add_node(node, relpath)
        return node

    for facts in datasets:
        here = dataset(facts.relpath)
        graph.local.add(here)
        base_dir = posixpath.dirname(facts.source)
        for agent in facts.generators:
            if agent.type == "model" and agent.id:
                graph.add_edge(model(agent.id), here, GENERATED)
        for agent in facts.validators:
            if agent.type == "model" and agent.id:
                graph.add_edge(model(agent.id), here, VALIDATES)
        for target in facts.trains:
            graph.add_edge(here, model(target), TRAINS)
        for target in facts.evaluates:
            graph.add_edge(here, model(target), EVALUATES, target)  # as the record spells it
        if facts.held_out:
            graph.held_out.add(here)
        for ref in facts.derived_from:
            parent = resolve_reference(root, base_dir, ref)
            graph.add_edge(dataset(parent), here, DERIVED)
    for entry in registry:
        if not entry.base_models and not entry.trained_on:
            continue
        child = model(entry.id)
        for base in entry.base_models:
            graph.add_edge(model(base.id), child, BASE, base.relation)
        card_dir = posixpath.dirname(entry.source) if entry.source.endswith(".md") else ""
        for ref in entry.trained_on:
            graph.add_edge(dataset(resolve_reference(root, card_dir, ref)), child, TRAINS)
    return graph
