"""Lineage loops (QP016): across datasets and models, a source that ends up checking or learning
from what it (or a relative) generated.

The per-file rules catch a loop inside one record; this rule follows the repository's whole
lineage graph, so a loop that passes through several datasets is caught too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from provenance import rules
from provenance.checks.problem import Problem
from provenance.lineage.build import DatasetFacts
from provenance.lineage.graph import LineageGraph


def loop_problems(graph: LineageGraph, inputs: Mapping[str, DatasetFacts], checked: set[str],
                  *, full: bool) -> Iterator[tuple[str, Problem]]:
    """``(dataset, problem)`` per loop through data; a partial run reports only the loops that
    touch a dataset it checked."""
    for loop in graph.loops():
        if not loop.through_data:
            continue  # the per-file rules already report it
        dataset = graph.labels.get(loop.dataset, loop.dataset)
        touched = {graph.labels.get(edge.src) for edge in loop.edges} | {dataset}
        if not full and not touched & checked:
            continue
        facts = inputs.get(dataset)
        yield dataset, Problem(rules.LINEAGE_LOOP, f"lineage loop: {graph.describe(loop)}",
                               path=facts.source if facts else dataset)
