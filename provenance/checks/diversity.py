"""Source diversity (QP044, QP045): duplicate questions, and questions or answers concentrated on
a few contexts or on the start of each context. Off until ``diversity:`` sets a threshold; judged
per file and per folder from ``provenance.diversity`` summaries, never from records."""

from __future__ import annotations

from provenance import rules
from provenance.checks.problem import Problem
from provenance.config import DiversityLimits
from provenance.diversity.summary import Summary


def diversity_problems(summary: Summary, limits: DiversityLimits, *, folder: str | None = None
                       ) -> list[Problem]:
    """The thresholds crossed by one file's summary, or a folder's (``folder``: its path)."""
    if summary.questions < limits.min_questions:
        return []
    where = "in this folder " if folder is not None else ""
    about = "~" if summary.estimated else ""
    at = None if folder is None else folder or "."
    out: list[Problem] = []
    rate = summary.near_duplicate_rate
    if limits.max_duplicate_rate is not None and rate is not None \
            and rate > limits.max_duplicate_rate:
        exact = summary.exact_duplicate_rate or 0.0
        out.append(Problem(
            rules.DUPLICATE_QUESTIONS,
            f"{about}{rate:.1%} of the {summary.questions} questions {where}repeat an earlier one "
            f"({about}{exact:.1%} verbatim, the rest near duplicates), more than "
            f"diversity.max-duplicate-rate {limits.max_duplicate_rate:.0%}",
            in_data=at is None, path=at))
    gini = summary.context_gini
    if limits.max_source_gini is not None and gini is not None and gini > limits.max_source_gini:
        out.append(Problem(
            rules.SOURCE_CONCENTRATION,
            f"questions {where}are concentrated on a few contexts: Gini {about}{gini:.2f} over "
            f"{about}{summary.contexts:.0f} contexts, more than diversity.max-source-gini "
            f"{limits.max_source_gini:.2f}", in_data=at is None, path=at))
    start = summary.at_start
    if limits.max_answers_at_start is not None and start is not None \
            and summary.located >= limits.min_questions and start > limits.max_answers_at_start:
        out.append(Problem(
            rules.SOURCE_CONCENTRATION,
            f"{start:.0%} of the {summary.located} answers found in their context {where}sit in "
            f"its first fifth (20% if spread evenly), more than diversity.max-answers-at-start "
            f"{limits.max_answers_at_start:.0%}: the rest of each passage goes unasked",
            in_data=at is None, path=at))
    return out
