"""Trust below the minimum (QP031): the configuration asks more of a file than its evidence gives.

The level itself is computed in ``provenance.trust`` from signatures and verifications, never read
from the record; this rule only compares it with what the configuration requires.
"""

from __future__ import annotations

from provenance import rules
from provenance.checks.problem import Problem
from provenance.config import TrustMinimum
from provenance.trust.levels import Assessment, rank


def trust_problems(assessment: Assessment, minimum: TrustMinimum | None) -> list[Problem]:
    if minimum is None or rank(assessment.level) >= rank(minimum.minimum):
        return []
    return [Problem(rules.TRUST_BELOW_MINIMUM,
                    f"trust level {assessment.level}, below the minimum {minimum.minimum} "
                    f"required for '{minimum.pattern}': " + "; ".join(assessment.missing))]
