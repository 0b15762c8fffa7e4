"""QP042 and QP043 inside ``qa-provenance check``: one call from the checker, after the lineage.

The results file is read at most once per run, and only when the run concerns it: a full run, a
run given the file itself, or a run over a dataset some result was measured on. A commit that
touches neither reads nothing and imports nothing beyond this module (tests/test_startup.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.checks.problem import Problem
    from provenance.lineage.graph import LineageGraph
    from provenance.lineage.inputs import LineageInputs
    from provenance.session import Session


def evaluation_problems(session: Session, lineage: LineageInputs,
                        graph: Callable[[], LineageGraph], paths: Iterable[str] | None,
                        checked: set[str], *, full: bool) -> Iterator[tuple[str, Problem]]:
    """``(path whose configuration grades it, problem)``; ``graph()`` gives the run's lineage
    graph (built when called, if the run has not built it)."""
    raw = session.config.evaluations
    name = str(raw.get("file") or "evaluations.yaml")
    target = session.root / name
    if not target.is_file():
        return
    named = full or any(_same(Path(p), target) for p in paths or ())
    if not named and not checked:
        return
    from provenance.checks.evaluation_results import drift_problems, file_problem, result_problems
    from provenance.evaluation.analysis import analyse
    from provenance.evaluation.results import ResultsError, load

    try:
        results = load(target)
    except ResultsError as exc:
        yield name, file_problem(name, exc.message, exc.line)
        return
    if not named and not any(r.dataset in checked for r in results):
        return
    built = graph()  # fills lineage.all
    analysis = analyse(session, built, lineage.all, results)
    key = session.registry().key
    concerned = {key(r.model) for r in results if named or r.dataset in checked}
    yield from result_problems((c for c in analysis.classified
                                if named or c.result.dataset in checked), name)
    for model in analysis.models:
        if model.key in concerned:
            for problem in drift_problems(analysis.signs.get(model.label, ()), name):
                yield name, problem


def _same(given: Path, target: Path) -> bool:
    try:
        return os.path.samefile(given, target)
    except OSError:
        return False
