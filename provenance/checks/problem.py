"""What every check returns: a rule broken, why, and where, before the checker grades it.

A check knows the rule and the place it looked at (a field of the provenance record, a line of the
data file, or another file of the repository); only the checker knows which files those are and
how severe the configuration makes the rule there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from provenance.rules import Rule

if TYPE_CHECKING:
    from provenance.reading.locate import Claim


@dataclass(frozen=True)
class Problem:
    rule: Rule
    message: str
    field: tuple[str | int, ...] = ()  # where in the provenance record, for its line number
    in_data: bool = False  # found in the data file itself rather than in its provenance
    line: int | None = None  # a line already known (in the data file, or in ``path``)
    path: str | None = None  # a file other than the data file checked or its provenance

    def place(self, data_file: str, claim: Claim | None) -> tuple[str, int | None]:
        """Where the finding points: a file of its own, the data file, or the line of the
        provenance record's field."""
        if self.path is not None:
            return self.path, self.line
        if self.in_data or claim is None:
            return data_file, self.line
        return claim.source, self.line if self.line is not None else claim.line_of(self.field)
