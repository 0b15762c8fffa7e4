"""What every check returns: a rule broken, why, and where, before the checker grades it.

A check knows the rule and the place it looked at (a field of the provenance record, a line of the
data file, or another file of the repository); only the checker knows which files those are and
how severe the configuration makes the rule there.
"""

from __future__ import annotations

from dataclasses import dataclass

from provenance.rules import Rule


@dataclass(frozen=True)
class Problem:
    rule: Rule
    message: str
    field: tuple[str | int, ...] = ()  # where in the provenance record, for its line number
    in_data: bool = False  # found in the data file itself rather than in its provenance
    line: int | None = None  # a line already known (in the data file, or in ``path``)
    path: str | None = None  # a file other than the data file checked or its provenance
