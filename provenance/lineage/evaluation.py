"""Evaluation sets against the lineage of the models they evaluate.

An evaluation set judges a model only if the model had no part in it. Along the graph, that
fails when the set was generated or validated by the model it evaluates, by a derivative of it,
by a model it derives from, or by a model trained on its output through any chain of datasets.
A set marked held out promises more: no model anywhere upstream of the evaluated model (its base
models, the models whose output trained it, and theirs) generated it. Pure graph logic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from provenance.lineage.graph import BASE, EVALUATES, GENERATED, VALIDATES, Edge, LineageGraph


@dataclass(frozen=True)
class SelfEvaluation:
    dataset: str  # the evaluation set's node
    model: str  # the evaluated model's node
    named: str  # the evaluated model as the set's record names it
    agent: str  # the model node that generated or validated the set
    role: str  # "generated" or "validated"
    relation: str  # "same model", "derivative", "base model", "trained on its output", ...
    path: tuple[Edge, ...]  # from the evaluated model to the agent, or the agent to the model
    held_out_only: bool = False  # only a fault because the set claims to be held out


Related = Callable[[str, str, str], "str | None"]


def self_evaluations(graph: LineageGraph, related: Related | None = None) -> list[SelfEvaluation]:
    """Every evaluation set whose makers are not independent of a model it evaluates.

    ``related(dataset, agent, model)`` (labels) may name a relation the graph cannot see (the
    independence policy's for that dataset, e.g. the same family); None when there is none."""
    found: list[SelfEvaluation] = []
    edges = list(graph.edges())
    evaluations = [edge for edge in edges if edge.kind == EVALUATES]
    if not evaluations:
        return found
    lines = _Lines(graph, edges)
    for edge in evaluations:
        evalset, model = edge.src, edge.dst
        downstream = graph._reach(model)  # derivatives, models trained on its output
        for maker, role in lines.makers(evalset):
            hit = _judge(graph, lines, evalset, maker, model, downstream, related)
            if hit is not None:
                relation, path, held_out_only = hit
                named = edge.detail or graph.labels[model]
                found.append(SelfEvaluation(evalset, model, named, maker, role, relation, path,
                                            held_out_only))
    return sorted(found, key=lambda s: (s.dataset, s.model, s.agent, s.role))


def describe(graph: LineageGraph, finding: SelfEvaluation) -> str:
    """The whole path, in reading order, ending with the evaluation it invalidates."""
    label = graph.labels.get
    maker = label(finding.agent, finding.agent)
    dataset = label(finding.dataset, finding.dataset)
    steps = [graph.describe_edge(edge) for edge in finding.path]
    verb = "generated" if finding.role == GENERATED else "validated"
    steps.append(f"model {maker} {verb} {dataset}")
    steps.append(f"{dataset} evaluates {finding.named}")
    return " -> ".join(steps)


class _Lines:
    """The graph's edges read backwards, built once per run."""

    def __init__(self, graph: LineageGraph, edges: list[Edge]) -> None:
        self.graph = graph
        self.generated_by: dict[str, list[str]] = {}
        self.incoming: dict[str, list[Edge]] = {}
        for edge in edges:
            if edge.kind == GENERATED:
                self.generated_by.setdefault(edge.dst, []).append(edge.src)
            if edge.kind not in (VALIDATES, EVALUATES):
                self.incoming.setdefault(edge.dst, []).append(edge)

    def makers(self, evalset: str) -> list[tuple[str, str]]:
        return [*((m, GENERATED) for m in self.generated_by.get(evalset, ())),
                *((v, VALIDATES) for v in self.graph.validated_by.get(evalset, ()))]

    def upstream(self, target: str, only: str | None = None) -> dict[str, Edge]:
        """Breadth-first against the flow of information: node -> the edge it leads on by."""
        parents: dict[str, Edge] = {}
        queue = deque([target])
        while queue:
            node = queue.popleft()
            for edge in self.incoming.get(node, ()):
                if only is not None and edge.kind != only:
                    continue
                if edge.src != target and edge.src not in parents:
                    parents[edge.src] = edge
                    queue.append(edge.src)
        return parents


def _judge(graph: LineageGraph, lines: _Lines, evalset: str, maker: str, model: str,
           downstream: dict[str, Edge], related: Related | None
           ) -> tuple[str, tuple[Edge, ...], bool] | None:
    if maker == model:  # one node: the registry knows both spellings as one model
        return f"same model (both '{model.removeprefix('m:')}')", (), False
    if maker in downstream:
        path = tuple(graph._path(downstream, model, maker))
        relation = "derivative" if all(e.kind == BASE for e in path) else "trained on its output"
        return relation, path, False
    bases = lines.upstream(model, only=BASE)
    if maker in bases:
        return "base model", tuple(_path_back(bases, maker, model)), False
    if related is not None:
        label = graph.labels.get
        why = related(label(evalset, evalset), label(maker, maker), label(model, model))
        if why is not None:
            return why, (), False
    if evalset in graph.held_out:
        upstream = lines.upstream(model)
        if maker in upstream:
            return "in its lineage", tuple(_path_back(upstream, maker, model)), True
    return None


def _path_back(parents: dict[str, Edge], start: str, target: str) -> list[Edge]:
    path: list[Edge] = []
    node = start
    while node != target and node in parents:
        edge = parents[node]
        path.append(edge)
        node = edge.dst
    return path
