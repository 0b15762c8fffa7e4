"""The default report: one line per finding, ``path[:line]: CODE message``, then a summary.

Colour (the rule code and the summary) only when the caller says so: on a terminal, never with
``NO_COLOR`` (see ``base.color_enabled``). Without colour the bytes are exactly the plain report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from provenance.adoption.hints import missing_hints
from provenance.findings import FileResult, Finding, RunResult
from provenance.reporters.base import Reporter, SpotResult
from provenance.reporters.escape import terminal
from provenance.rules import Severity

RED, YELLOW, GREEN, BOLD, RESET = "\033[31m", "\033[33m", "\033[32m", "\033[1m", "\033[0m"


def _paint(text: str, *styles: str, color: bool) -> str:
    return f"{''.join(styles)}{text}{RESET}" if color else text


def one_line(text: str) -> str:
    """``text`` safe to print as (part of) one line (``escape.terminal``)."""
    return terminal(text)


def format_finding(finding: Finding, *, color: bool = False) -> str:
    warn = finding.severity is Severity.WARN
    tag = " [warning]" if warn else ""
    code = _paint(f"{finding.rule.code}{tag}", BOLD, YELLOW if warn else RED, color=color)
    return f"{one_line(finding.location())}: {code} {one_line(finding.message)}"


def _ok_line(file_result: FileResult, *, color: bool) -> str:
    parts = []
    if file_result.generators:
        parts.append(f"generator {', '.join(file_result.generators)}")
    if file_result.validators:
        parts.append(f"validator {', '.join(file_result.validators)}")
    if file_result.profile:
        parts.append(f"records read as {file_result.profile}")
    who = f" ({'; '.join(parts)})" if parts else ""
    return f"{one_line(file_result.path)}: {_paint('ok', GREEN, color=color)}{one_line(who)}"


def report(result: RunResult, out: TextIO, err: TextIO, *, verbose: bool = False,
           quiet: bool = False, color: bool = False, root: Path | None = None) -> None:
    """``root``: where the repository is, for the hints' paths (relative to the current
    folder); without it no hints are written."""
    shown = result.extra if result.streamed else result.findings  # streamed: files already out
    lines = [(finding.path, finding.line or 0, format_finding(finding, color=color))
             for finding in shown]
    if verbose:
        lines += [(file_result.path, 0, _ok_line(file_result, color=color))
                  for file_result in result.files if not file_result.findings]
    for _path, _line, text in sorted(lines, key=lambda entry: entry[:2]):
        out.write(text + "\n")
    for notice in result.notices:
        err.write(f"note: {one_line(notice)}\n")
    if root is not None:
        for hint in missing_hints(result.findings, root, Path.cwd()):
            err.write(f"hint: {one_line(hint)}\n" if not hint.startswith(" ") else
                      f"      {one_line(hint.strip())}\n")
    if quiet and not result.findings:
        return
    line = summary(result)
    if color:
        tone = RED if result.errors else YELLOW if result.warnings else GREEN
        line = _paint(line, BOLD, tone, color=True)
    out.write(line + "\n")


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


class TextReporter(Reporter):
    """``--format text``: the human report (the default outside GitHub Actions)."""

    name = "text"

    def report_check(self, result: RunResult, out: TextIO) -> None:
        context = self.context
        report(result, out, context.err, verbose=context.verbose, quiet=context.quiet,
               color=context.color, root=context.root)

    def report_spot(self, spot: SpotResult, out: TextIO) -> None:
        from provenance.reporters.spot_text import report as spot_report

        spot_report(spot.report, out, self.context.err, spot.recorded)
