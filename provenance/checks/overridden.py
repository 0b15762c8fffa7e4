"""Loops in provenance that a closer record overrides.

The closest claim supplies a file's record (a sidecar overrides a manifest entry, a deeper manifest
a shallower one), so a manifest can describe a folder and a sidecar correct one file. But two
records that both claim a file are both statements about who made and checked it: a looping
manifest entry does not become independent because a clean sidecar sits beside the file, and
letting the closer claim hide it would make adding a sidecar a way to silence a loop. So every
overridden claim is checked for loops too (identical source, same family, self-training), and a
loop is reported in its own file, whichever claim wins. Other rules (digest, count, trust) apply to
the winning claim only: an overridden manifest entry need not carry this file's digest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from provenance import rules
from provenance.checks.problem import Problem
from provenance.checks.record_rules import identity_problems, training_problems
from provenance.reading.locate import Claim
from provenance.record import Record

if TYPE_CHECKING:
    from provenance.identity.independence import Judge  # loads the model tables

_LOOPS = (rules.IDENTICAL_SOURCE, rules.SAME_FAMILY, rules.SELF_TRAINING)


def overridden_problems(claims: Sequence[Claim], winner: Claim,
                        judge: Judge) -> list[tuple[Claim, Problem]]:
    """(claim, problem) for each loop in a claim other than ``winner``. A claim whose record
    cannot be read is skipped: it is no record of a loop, and the winner is checked fully."""
    out: list[tuple[Claim, Problem]] = []
    for claim in claims:
        if claim is winner or claim.load_error is not None \
                or not isinstance(claim.record, Mapping):
            continue
        try:
            record = Record.from_mapping(claim.record)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        problems = identity_problems(record, judge) + training_problems(record, (), judge)
        for problem in problems:
            if problem.rule in _LOOPS:
                note = f" (in {claim.describe()}, which {winner.describe()} overrides: an " \
                       "overridden record may not loop either)"
                out.append((claim, replace(problem, message=problem.message + note)))
    return out
