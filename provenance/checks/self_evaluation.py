"""Self-evaluation (QP040): a score means nothing when the model being scored made the test.

The paper's third remedy is a held-out set the evaluated model had no part in. This rule reads
``evaluates:`` (and ``held_out: true``) in the repository's records and follows the lineage graph
from each evaluated model to the makers of its evaluation sets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from provenance import rules
from provenance.checks.problem import Problem
from provenance.lineage.build import DatasetFacts
from provenance.lineage.evaluation import Related, describe, self_evaluations
from provenance.lineage.graph import LineageGraph


def self_evaluation_problems(graph: LineageGraph, inputs: Mapping[str, DatasetFacts],
                             checked: set[str], *, full: bool,
                             related: Related | None = None
                             ) -> Iterator[tuple[str, Problem]]:
    """``(evaluation set, problem)``; a partial run reports only the sets it checked."""
    for finding in self_evaluations(graph, related):
        dataset = graph.labels.get(finding.dataset, finding.dataset)
        if not full and dataset not in checked:
            continue
        model = finding.named
        what = (f"held-out set evaluates '{model}', but a model in its lineage made it"
                if finding.held_out_only else
                f"evaluates '{model}', but was made by its {finding.relation}")
        facts = inputs.get(dataset)
        yield dataset, Problem(rules.SELF_EVALUATION, f"{what}: {describe(graph, finding)}",
                               path=facts.source if facts else dataset)
