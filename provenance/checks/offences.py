"""Per-record offences as problems: one line per kind, located at its first record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance import rules
from provenance.checks.problem import Problem

if TYPE_CHECKING:
    from provenance.checks.per_record import RecordScan


def offence_problems(scan: RecordScan, *, validated: bool) -> list[Problem]:
    """``validated``: the file-level record names a validator, which then checks what the
    records' generators wrote, so a record answering its own question is no offence."""
    out = []
    for offence in scan.offences.values():
        if validated and offence.rule is rules.SELF_ANSWERED:
            continue
        where = ", ".join(offence.locations)
        more = ", ..." if offence.count > len(offence.locations) else ""
        out.append(Problem(offence.rule,
                           f"{offence.count} of {scan.total} records: {offence.message} "
                           f"(records {where}{more})", in_data=True, line=offence.first_line))
    return out
