"""Building the lineage graph from the repository's provenance records and model registry.

Loops span files: a model card in one folder, a training set in another, a validated set in a
third. So the graph takes every dataset's agents (file-level and per-record), its ``derived_from``
and ``trains``, and every registry model's base models and training data.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.lineage import BASE, DERIVED, GENERATED, TRAINS, VALIDATES, LineageGraph
from provenance.record import Agent

if TYPE_CHECKING:
    from provenance.registry import Registry


@dataclass
class DatasetFacts:
    """What the graph needs of one dataset."""

    relpath: str
    source: str  # the provenance file (or the data file, for embedded provenance)
    generators: list[Agent] = field(default_factory=list)
    validators: list[Agent] = field(default_factory=list)
    trains: list[str] = field(default_factory=list)
    derived_from: list[str] = field(default_factory=list)


def resolve_reference(root: Path, base_dir: str, ref: str) -> str:
    """A dataset reference as a path relative to the root when it names a file here (relative to
    the referring file's folder, else to the root), otherwise the reference unchanged."""
    if "://" in ref:
        return ref
    for folder in (base_dir, ""):
        candidate = posixpath.normpath(posixpath.join(folder, ref)) if folder else \
            posixpath.normpath(ref)
        if not candidate.startswith("../") and (root / candidate).is_file():
            return candidate
    return ref


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
