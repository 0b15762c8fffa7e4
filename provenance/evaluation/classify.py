"""Which class each dataset evaluated on belongs to, read from its provenance, not its name.

*Self-generated*: the evaluated model, or a model in its lineage (itself, a derivative, a base
model, a model trained on its output, a model whose output trained it, under the independence
policy), generated or validated the dataset. *Held-out*: none did. This is the question the
self-evaluation rule (QP040) answers for sets marked ``held_out: true``, so it is asked of the
same code: each result becomes an ``evaluates`` edge of a held-out set on a copy of the lineage
graph, and ``lineage.evaluation.self_evaluations`` finds its relation. Pure graph logic.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from provenance.evaluation.results import CLASSES, HELD_OUT, SELF_GENERATED, Result
from provenance.lineage.build import DatasetFacts
from provenance.lineage.evaluation import Related, SelfEvaluation, describe, self_evaluations
from provenance.lineage.graph import EVALUATES, GENERATED, VALIDATES, LineageGraph

Key = Callable[[str], str]  # a model id as the registry keys it


@dataclass(frozen=True)
class Classified:
    result: Result
    cls: str | None  # HELD_OUT, SELF_GENERATED, or None when the provenance cannot say
    why: str = ""  # for a self-generated set: the path through the lineage
    issues: tuple[str, ...] = ()  # what is wrong with the result's provenance (QP042)


def classify(results: Sequence[Result], graph: LineageGraph, key: Key,
             digests: Mapping[str, str | None], related: Related | None = None
             ) -> list[Classified]:
    """``digests``: each dataset's sha256 now (None: no such file in the repository)."""
    if not results:
        return []
    probe = copy.deepcopy(graph)
    pairs: list[tuple[str, str, str | None]] = []  # (dataset node, model node, judge node)
    for index, result in enumerate(results):
        dataset, model = probe.dataset(result.dataset), probe.model(key(result.model))
        probe.add_node(dataset, result.dataset)
        probe.add_node(model, result.model)
        probe.add_edge(dataset, model, EVALUATES, result.model)
        probe.held_out.add(dataset)
        judge = None
        if result.judge is not None and result.judge.type == "model":
            judge = f"j:{index}"  # the act of scoring, made by the judge, evaluating the model
            judge_model = probe.model(key(result.judge.id))
            probe.add_node(judge, f"the scores on {result.dataset}")
            probe.add_node(judge_model, result.judge.id)
            probe.add_edge(judge_model, judge, VALIDATES)
            probe.add_edge(judge, model, EVALUATES, result.model)
        pairs.append((dataset, model, judge))
    found: dict[tuple[str, str], list[SelfEvaluation]] = {}
    for hit in self_evaluations(probe, related):
        found.setdefault((hit.dataset, hit.model), []).append(hit)
    out = []
    for result, (dataset, model, judge) in zip(results, pairs):
        out.append(_one(result, probe, found.get((dataset, model), []),
                        found.get((judge, model), []) if judge else [], graph, digests))
    return out


def _one(result: Result, probe: LineageGraph, hits: list[SelfEvaluation],
         judged: list[SelfEvaluation], graph: LineageGraph,
         digests: Mapping[str, str | None]) -> Classified:
    issues: list[str] = []
    current = digests.get(result.dataset)
    node = graph.dataset(result.dataset)
    if current is None:
        issues.append(f"{result.dataset} is not a file of this repository: the result cannot be "
                      "tied to the data it was measured on")
    elif current != result.sha256:
        issues.append(f"{result.dataset} changed since it was evaluated on (sha256 "
                      f"{result.sha256[:12]}... recorded, {current[:12]}... now): the score is "
                      "about other data")
    if node not in graph.local:
        if current is not None:
            issues.append(f"{result.dataset} has no provenance record: whether it is held out or "
                          f"self-generated for '{result.model}' cannot be told")
        return Classified(result, None, issues=tuple(issues))
    hits.sort(key=lambda h: (h.role != GENERATED, h.held_out_only, len(h.path)))
    cls = SELF_GENERATED if hits else HELD_OUT
    why = describe(probe, hits[0]) if hits else ""
    claimed = result.claimed
    if claimed in CLASSES and claimed != cls:
        if cls == SELF_GENERATED:
            relation = "a model in its lineage" if hits[0].held_out_only else \
                f"its {hits[0].relation}"
            issues.append(f"result claims {result.dataset} is held out for '{result.model}', "
                          f"but {relation} made it: {why}")
        else:
            issues.append(f"result claims {result.dataset} is self-generated for "
                          f"'{result.model}', but its provenance names no model of that lineage")
    if cls == HELD_OUT and judged:
        hit = judged[0]
        issues.append(f"the held-out score on {result.dataset} was judged by "
                      f"'{probe.labels.get(hit.agent, hit.agent)}', {result.model}'s "
                      f"{hit.relation}: not an independent measurement")
    return Classified(result, cls, why, tuple(issues))


def generated_only(facts: DatasetFacts | None) -> bool | None:
    """Whether a training dataset is model output only (True), holds real data (False: a person
    or a program made at least part of it), or cannot be told (None: no provenance, or none of
    its makers is named)."""
    if facts is None:
        return None
    makers = [agent for agent in facts.generators if agent.id]
    if not makers:
        return None
    return all(agent.type == "model" for agent in makers)

