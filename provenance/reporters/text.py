"""The default report: one line per finding, ``path[:line]: CODE message``, then a summary."""

from __future__ import annotations

from typing import TextIO

from provenance.findings import Finding, RunResult
from provenance.rules import Severity


def format_finding(finding: Finding) -> str:
    tag = " [warning]" if finding.severity is Severity.WARN else ""
    return f"{finding.location()}: {finding.rule.code}{tag} {finding.message}"


def report(result: RunResult, out: TextIO, err: TextIO, *, verbose: bool = False,
           quiet: bool = False) -> None:
    for file_result in result.files:
        for finding in file_result.findings:
            out.write(format_finding(finding) + "\n")
        if verbose and not file_result.findings:
            parts = []
            if file_result.generators:
                parts.append(f"generator {', '.join(file_result.generators)}")
            if file_result.validators:
                parts.append(f"validator {', '.join(file_result.validators)}")
            if file_result.profile:
                parts.append(f"records read as {file_result.profile}")
            who = f" ({'; '.join(parts)})" if parts else ""
            out.write(f"{file_result.path}: ok{who}\n")
    for finding in result.extra:
        out.write(format_finding(finding) + "\n")
    for notice in result.notices:
        err.write(f"note: {notice}\n")
    if quiet and not result.findings:
        return
    out.write(summary(result) + "\n")


def summary(result: RunResult) -> str:
    checked = len(result.files)
    parts = [f"{checked} data file{'s' if checked != 1 else ''} checked"]
    if result.errors:
        parts.append(f"{result.errors} error{'s' if result.errors != 1 else ''}")
    if result.warnings:
        parts.append(f"{result.warnings} warning{'s' if result.warnings != 1 else ''}")
    if not result.errors and not result.warnings:
        parts.append("all passed")
    return "qa-provenance: " + ", ".join(parts)
