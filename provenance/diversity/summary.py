"""The numbers a ``Diversity`` accumulator stands for, per file or per folder. Pure, no I/O."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from provenance.diversity.accumulator import Diversity
from provenance.diversity.sketch import gini
from provenance.diversity.text import WH_TYPES


@dataclass(frozen=True)
class Summary:
    path: str
    records: int
    questions: int
    exact_duplicate_rate: float | None  # share of questions repeating an earlier one
    near_duplicate_rate: float | None  # the same, by canonical form (exact ones included)
    distinct_2: float | None  # distinct word bigrams / all word bigrams of the questions
    types: dict[str, int]
    with_context: int  # questions with a context
    contexts: float  # distinct passages cited (estimated when ``estimated``)
    context_gini: float | None  # concentration of questions on passages
    answered: int  # questions whose answer was looked for in their context
    positions: tuple[int, ...]  # answers found, by fifth of the passage
    generator: str | None = None  # the most frequent per-record generator (QP015's counts)
    generator_share: float | None = None
    estimated: bool = False  # beyond the sketches' exact range: rates are estimates
    files: int = 1

    @property
    def located(self) -> int:
        return sum(self.positions)

    @property
    def at_start(self) -> float | None:
        """Share of located answers in the first fifth of their passage."""
        return self.positions[0] / self.located if self.located else None

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "files": self.files, "records": self.records,
            "questions": self.questions,
            "exact_duplicate_rate": _round(self.exact_duplicate_rate),
            "near_duplicate_rate": _round(self.near_duplicate_rate),
            "distinct_2": _round(self.distinct_2),
            "question_types": self.types,
            "contexts": {"questions_with_context": self.with_context,
                         "distinct": round(self.contexts), "gini": _round(self.context_gini)},
            "answer_positions": {"looked_for": self.answered, "located": self.located,
                                 "by_fifth": list(self.positions),
                                 "at_start": _round(self.at_start)},
            "generator": {"top": self.generator, "share": _round(self.generator_share)},
            "estimated": self.estimated,
        }


def summarise(path: str, diversity: Diversity, generators: Counter[str] | None = None,
              with_generators: int = 0, files: int = 1) -> Summary:
    questions = diversity.questions
    generator = share = None
    if generators and with_generators:
        generator, count = generators.most_common(1)[0]
        share = count / with_generators
    sample = diversity.contexts.counts.values()
    exact = _repeat_rate(diversity.exact.distinct(), questions)
    near = _repeat_rate(diversity.near.distinct(), questions)
    if exact is not None and near is not None:  # two estimates: keep them in their true order
        near = max(near, exact)
    return Summary(
        path=path,
        records=diversity.records,
        questions=questions,
        exact_duplicate_rate=exact,
        near_duplicate_rate=near,
        distinct_2=(diversity.pairs.distinct() / diversity.pairs.seen
                    if diversity.pairs.seen else None),
        types={kind: diversity.types.get(kind, 0) for kind in WH_TYPES},
        with_context=diversity.with_context,
        contexts=diversity.contexts.distinct(),
        context_gini=gini(sample) if len(sample) > 1 else None,
        answered=diversity.answered,
        positions=tuple(diversity.positions),
        generator=generator,
        generator_share=share,
        estimated=not all(s.exact for s in (diversity.exact, diversity.near, diversity.pairs,
                                            diversity.contexts)),
        files=files,
    )


def _repeat_rate(distinct: float, total: int) -> float | None:
    return max(0.0, 1 - distinct / total) if total else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
