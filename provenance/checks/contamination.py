"""Contamination (QP041): an evaluation set's records in data that trains the model it evaluates.

A model that saw the test during training is scored on memory, not on skill, and a held-out set
is held out only if its records stayed out of the training data. One finding per contaminated
evaluation record (both locations and what they share, up to ``shown`` per pair of files), and
one per pair of files with the count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from provenance import rules
from provenance.checks.problem import Problem
from provenance.contamination.pairs import Pair
from provenance.contamination.run import Hit


def contamination_problems(hits: Iterable[Hit], shown: int = 20
                           ) -> Iterator[tuple[str, Problem]]:
    """``(governing path, problem)``: the evaluation file for a record, the training file for
    a pair's count."""
    by_pair: dict[Pair, list[Hit]] = {}
    for hit in hits:
        by_pair.setdefault(hit.pair, []).append(hit)
    for pair, its_hits in sorted(by_pair.items(), key=lambda kv: (kv[0].evaluation,
                                                                 kv[0].training)):
        evaluated = pair.model if pair.trained == pair.model else \
            f"{pair.model}, derived from {pair.trained}"
        records = {h.item.location for h in its_hits}  # a location names one record
        for hit in sorted(its_hits, key=lambda h: (h.item.line or 0, h.line or 0))[:shown]:
            where = f"{pair.training}:{hit.line}" if hit.line else \
                f"{pair.training} ({hit.location})"
            yield pair.evaluation, Problem(
                rules.CONTAMINATION,
                f"record {hit.item.location} is in training data {where} ({hit.kind}: "
                f"{hit.overlap}); this set evaluates {evaluated}, trained on that data",
                path=pair.evaluation, line=hit.item.line)
        kinds = Counter(hit.kind for hit in its_hits)
        how = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        yield pair.training, Problem(
            rules.CONTAMINATION,
            f"holds {len(records)} record{'s' if len(records) != 1 else ''} of evaluation set "
            f"{pair.evaluation} ({how}), which evaluates {evaluated}, trained on this data",
            path=pair.training)
