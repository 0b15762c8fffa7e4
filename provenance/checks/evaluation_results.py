"""Evaluation results as findings: QP042 (a result whose provenance does not hold) and QP043
(self-study drift across rounds). The analysis is in ``provenance.evaluation``; here it becomes
problems placed at the result's line of the results file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from provenance import rules
from provenance.checks.problem import Problem
from provenance.evaluation.classify import Classified
from provenance.evaluation.drift import Sign


def result_problems(classified: Iterable[Classified], results_file: str
                    ) -> Iterator[tuple[str, Problem]]:
    """``(dataset evaluated on, problem)``: the dataset's path decides the severity (overrides
    by glob), the finding points at the result in the results file."""
    for item in classified:
        result = item.result
        where = f"'{result.model}' round {result.round} {result.metric}"
        for issue in item.issues:
            yield result.dataset, Problem(rules.EVALUATION_PROVENANCE, f"{where}: {issue}",
                                          path=results_file, line=result.line)


def file_problem(results_file: str, message: str, line: int | None) -> Problem:
    """A results file that cannot be read or does not match its schema."""
    return Problem(rules.EVALUATION_PROVENANCE, f"invalid results file: {message}",
                   path=results_file, line=line)


def drift_problems(signs: Iterable[Sign], results_file: str) -> Iterator[Problem]:
    for sign in signs:
        yield Problem(rules.SELF_STUDY_DRIFT, f"{sign.kind}: {sign.message}", path=results_file,
                      line=sign.line)
