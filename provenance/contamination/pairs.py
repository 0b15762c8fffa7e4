"""Which training sets could have shown a model the records of which evaluation sets.

An evaluation set ``E`` evaluates a model ``M``; a training set ``T`` trains ``M`` or a model ``M``
derives from (a base model, through any number of fine-tunes), as records (``trains:``) and the
registry (``trained_on``) say. Every such (``E``, ``T``) is a pair to compare. Pure graph logic.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from provenance.lineage.graph import BASE, EVALUATES, TRAINS, LineageGraph


@dataclass(frozen=True)
class Pair:
    evaluation: str  # the evaluation set's path
    training: str  # the training set's path
    model: str  # the evaluated model, as the evaluation set names it
    trained: str  # the model the training set trains: the evaluated one or one it derives from


def pairs(graph: LineageGraph) -> list[Pair]:
    bases: dict[str, list[str]] = {}
    trained_by: dict[str, list[str]] = {}
    evaluations = []
    for edge in graph.edges():
        if edge.kind == BASE:
            bases.setdefault(edge.dst, []).append(edge.src)
        elif edge.kind == TRAINS:
            trained_by.setdefault(edge.dst, []).append(edge.src)
        elif edge.kind == EVALUATES:
            evaluations.append(edge)
    found: set[Pair] = set()
    label = graph.labels.get
    for edge in evaluations:
        for model in _self_and_bases(edge.dst, bases):
            for training in trained_by.get(model, ()):
                if training != edge.src:
                    found.add(Pair(label(edge.src, edge.src), label(training, training),
                                   edge.detail or label(edge.dst, edge.dst),
                                   label(model, model)))
    return sorted(found, key=lambda p: (p.evaluation, p.training, p.model))


def _self_and_bases(model: str, bases: dict[str, list[str]]) -> list[str]:
    seen = [model]
    queue = deque([model])
    while queue:
        for base in bases.get(queue.popleft(), ()):
            if base not in seen:
                seen.append(base)
                queue.append(base)
    return seen
