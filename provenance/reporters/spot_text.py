"""The spot-check report in text: per file its outcome and honest claim, then each flag.

Paths, notes, a verifier's id, rationale and errors are others' text: printed through
``escape.terminal`` (``t``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from provenance.reporters.escape import terminal as t


def report(result: Any, out: TextIO, err: TextIO, recorded: Mapping[str, str]) -> None:
    for notice in result.notices:
        err.write(f"note: {t(notice)}\n")
    if result.skipped is not None:
        out.write(f"qa-provenance spot-check: SKIPPED: {t(result.skipped)}\n")
        return
    for file_report in result.files:
        out.write(f"{t(file_report.path)}: {file_report.result} {t(file_report.claim)}\n")
        for flag in sorted(file_report.flags, key=lambda f: (f.line or 0, f.location)):
            where = f"{t(file_report.path)}:{flag.line}" if flag.line else \
                f"{t(file_report.path)} ({t(flag.location)})"
            outcome = flag.outcome
            why = f": {t(outcome.rationale)}" if outcome.rationale else ""
            out.write(f"  {where}: {t(str(outcome.verdict))} (score {outcome.score:.2f}){why}\n")
        for error in file_report.errors:
            out.write(f"  error: {t(error)}\n")
        extras = []
        if file_report.missing and file_report.result == "FAIL":
            # Decided: the rest of the sample was not needed, which is not a missing verdict.
            allowed = file_report.plan.allowed(file_report.plan.n)
            extras.append(f"{file_report.missing} sampled records not judged: sending stops "
                          f"once the flags exceed {allowed}")
        elif file_report.missing:
            extras.append(f"{file_report.missing} verdicts missing")
        if file_report.cache_hits:
            extras.append(f"{file_report.cache_hits} from cache")
        if file_report.truncated:
            extras.append(f"{file_report.truncated} records had fields truncated before sending")
        if file_report.path in recorded:
            extras.append(t(recorded[file_report.path]))
        if extras:
            out.write(f"  ({'; '.join(extras)})\n")
    counts: dict[str, int] = {}
    for file_report in result.files:
        counts[file_report.result] = counts.get(file_report.result, 0) + 1
    tally = ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no files sampled"
    network = f", {result.requests} requests, {result.retries} retries" if result.requests else ""
    out.write(f"qa-provenance spot-check: {result.outcome} ({tally}; verifier "
              f"{t(str(result.verifier_id))} [{result.kind}]{network})\n")
