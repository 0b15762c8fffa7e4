"""The repository's lineage graph of datasets and models, and the loops through it.

Edges follow the flow of information: a model *generated* a dataset, a dataset is *derived* into
another, a dataset *trains* a model, a base model is *fine-tuned* (or quantized, merged, distilled)
into another. A loop is a model, or a derivative of it, that validates or learns from data that it
(or a derivative) generated, directly or through derived datasets. Pure graph logic; the checker
builds the graph from the records and the registry.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

GENERATED, DERIVED, TRAINS, BASE, VALIDATES = "generated", "derived", "trains", "base", "validates"
EVALUATES = "evaluates"  # an evaluation set -> a model it scores: judgement, not information flow
CHECKS = (VALIDATES, EVALUATES)  # edges along which no information reaches the model


class Edge(NamedTuple):
    """One edge (a named tuple: a large repository's graph holds tens of thousands, built on
    every hook run)."""

    src: str
    dst: str
    kind: str
    detail: str = ""  # e.g. the base-model relation: finetune, adapter, quantized, merge, distill


@dataclass(frozen=True)
class Loop:
    kind: str  # "validates" or "trains"
    dataset: str  # node where the loop closes: the validated or training dataset
    edges: tuple[Edge, ...]  # the path that explains it, in reading order
    closing: Edge  # the edge that closes it (validation or training)

    @property
    def through_data(self) -> bool:
        """Whether the loop passes through derived data or training; loops that do not are plain
        identical-source or self-training cases that the per-file rules already report."""
        return any(edge.kind in (DERIVED, TRAINS) for edge in self.edges)


@dataclass
class LineageGraph:
    labels: dict[str, str] = field(default_factory=dict)
    out: dict[str, list[Edge]] = field(default_factory=dict)
    validated_by: dict[str, list[str]] = field(default_factory=dict)
    local: set[str] = field(default_factory=set)  # datasets with provenance in this repository
    held_out: set[str] = field(default_factory=set)  # evaluation sets marked held out
    _edges: set[Edge] = field(default_factory=set, repr=False)  # no duplicate edge, in O(1)

    # building -------------------------------------------------------------------------------
    @staticmethod
    def dataset(path: str) -> str:
        return f"d:{path}"

    @staticmethod
    def model(key: str) -> str:
        return f"m:{key}"

    def add_node(self, node: str, label: str) -> None:
        self.labels.setdefault(node, label)
        self.out.setdefault(node, [])

    def add_edge(self, src: str, dst: str, kind: str, detail: str = "") -> None:
        edge = Edge(src, dst, kind, detail)
        out = self.out
        edges = out.get(src)
        if edges is None:
            edges = out[src] = []
        if edge not in self._edges:
            self._edges.add(edge)
            edges.append(edge)
            if kind == VALIDATES:
                self.validated_by.setdefault(dst, []).append(src)
        if dst not in out:
            out[dst] = []

    def edges(self) -> Iterable[Edge]:
        for edges in self.out.values():
            yield from edges

    def is_model(self, node: str) -> bool:
        return node.startswith("m:")

    # analysis -------------------------------------------------------------------------------
    def loops(self) -> list[Loop]:
        """Every validation or training loop, each explained by one shortest path.

        A validation loop needs the validator to be the model whose output reached the dataset,
        or a descendant of the model that generated it: two models that merely share an ancestor
        are the same family (QP013 under the default policy), not a loop, even when the data
        passed through derived datasets on its way.
        """
        found: dict[tuple[str, str, str], Loop] = {}
        for origin in [n for n in self.out if self.is_model(n)]:
            parents = self._reach(origin)
            produced = self._reach(origin, first=GENERATED)  # what its own output reached
            for node in parents:
                if self.is_model(node):
                    continue
                for validator in self.validated_by.get(node, ()):
                    if validator == origin:
                        lineage: list[Edge] = []
                        path = self._path(parents, origin, node)
                    elif validator in parents and node in produced:
                        lineage = self._path(parents, origin, validator)
                        path = self._path(produced, origin, node)
                    else:
                        continue
                    # Both paths start at the origin: say the steps they share once.
                    path = [edge for edge in path if edge not in lineage]
                    closing = Edge(validator, node, VALIDATES)
                    key = (VALIDATES, validator, node)
                    loop = Loop(VALIDATES, node, (*lineage, *path), closing)
                    if key not in found or len(loop.edges) < len(found[key].edges):
                        found[key] = loop
                for edge in self.out.get(node, ()):
                    if edge.kind == TRAINS and edge.dst == origin:
                        path = self._path(parents, origin, node)
                        key = (TRAINS, origin, node)
                        loop = Loop(TRAINS, node, tuple(path), edge)
                        if key not in found or len(loop.edges) < len(found[key].edges):
                            found[key] = loop
        return sorted(found.values(), key=lambda loop: (loop.dataset, loop.kind, len(loop.edges)))

    def _reach(self, origin: str, first: str | None = None) -> dict[str, Edge]:
        """Breadth-first over information-flow edges: node -> the edge it was reached by.

        With ``first``, only edges of that kind leave the origin itself."""
        parents: dict[str, Edge] = {}
        queue = deque([origin])
        while queue:
            node = queue.popleft()
            for edge in self.out.get(node, ()):
                if edge.kind in CHECKS or edge.dst == origin or edge.dst in parents:
                    continue
                if first is not None and node == origin and edge.kind != first:
                    continue
                parents[edge.dst] = edge
                queue.append(edge.dst)
        return parents

    @staticmethod
    def _path(parents: dict[str, Edge], origin: str, node: str) -> list[Edge]:
        path: list[Edge] = []
        while node != origin and node in parents:
            edge = parents[node]
            path.append(edge)
            node = edge.src
        return path[::-1]

    # description ----------------------------------------------------------------------------
    def describe(self, loop: Loop) -> str:
        steps = [self.describe_edge(edge) for edge in loop.edges]
        steps.append(self.describe_edge(loop.closing))
        return " -> ".join(steps)

    def describe_edge(self, edge: Edge) -> str:
        src, dst = self.labels.get(edge.src, edge.src), self.labels.get(edge.dst, edge.dst)
        if edge.kind == GENERATED:
            return f"model {src} generated {dst}"
        if edge.kind == DERIVED:
            return f"{dst} derived from {src}"
        if edge.kind == TRAINS:
            return f"{dst} trained on {src}"
        if edge.kind == BASE:
            return f"{dst} is a {edge.detail or 'derivative'} of {src}"
        if edge.kind == EVALUATES:
            return f"{src} evaluates {edge.detail or dst}"
        return f"{src} validates {dst}"
