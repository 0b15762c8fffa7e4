"""``--format github``: workflow commands the Actions runner turns into annotations, and the
Markdown job summary.

Every finding becomes one line, ``::error file=PATH,line=N,title=QP010 identical-source::MESSAGE``
(``::warning`` for a warning); notes become ``::notice::``. Values are escaped as GitHub's
toolkit does (``%``, CR and LF everywhere; ``:`` and ``,`` too in properties), so no text from a
data file can end a command early or start another. Paths are relative to the checkout
(``$GITHUB_WORKSPACE``), which is where the runner looks for them.

The job summary (``markdown_check`` / ``markdown_spot``) is appended to ``$GITHUB_STEP_SUMMARY`` by
``reporters/select.py``: one table with a row per data file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from provenance.findings import FileResult, Finding, RunResult
from provenance.reporters import escape
from provenance.reporters.base import Context, Reporter, SpotResult, file_outcome, level
from provenance.reporters.text import format_finding, one_line
from provenance.reporters.text import summary as text_summary

if TYPE_CHECKING:
    from provenance.spot.run import FileReport, SpotReport

NONE = "\N{EN DASH}"  # an empty table cell
MAX_ROWS = 500  # table rows and listed findings in a job summary (GitHub caps it at 1 MiB)
ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "PASS": "✅", "FAIL": "❌",
         "INCONCLUSIVE": "❔", "SKIPPED": "⏭️"}


escape_data = escape.workflow_data
escape_property = escape.workflow_property


def command(name: str, message: str, properties: Sequence[tuple[str, object]] = ()) -> str:
    """One workflow command line; properties whose value is None are left out."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties
                     if value is not None)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(finding: Finding, context: Context) -> str:
    path = context.repo_path(finding.path) if context.is_file(finding.path) else None
    message = finding.message
    if path is None:  # a folder-level finding: no file to annotate, so say where in the text
        message = f"{finding.path}: {message}"
    return command(level(finding), message, (
        ("file", path),
        ("line", finding.line if path is not None else None),
        ("title", f"{finding.rule.code} {finding.rule.name}"),
    ))


# ---------------------------------------------------------------------------------------------
# Markdown


md_text = escape.markdown
md_path = escape.markdown_code


def _agents(ids: Sequence[str]) -> str:
    return "<br>".join(md_text(i) for i in ids) if ids else NONE


def _codes(findings: Sequence[Finding]) -> str:
    seen = dict.fromkeys(f"{f.rule.code} {f.rule.name}" for f in findings)
    return ", ".join(seen)


def _check_cell(result: FileResult) -> str:
    outcome = file_outcome(result)
    codes = _codes(result.findings)
    return f"{ICONS[outcome]} {outcome}" + (f": {md_text(codes)}" if codes else "")


def _more(lines: list[str], hidden: int, what: str) -> None:
    if hidden > 0:
        lines.append("")
        lines.append(f"… and {hidden} more {what} (see the log).")


def markdown_check(result: RunResult, context: Context) -> str:
    if result.errors:
        status = f"{ICONS['fail']} failed"
    elif result.warnings:
        status = f"{ICONS['warn']} passed with warnings"
    else:
        status = f"{ICONS['pass']} passed"
    lines = [f"### qa-provenance check: {status}", "",
             text_summary(result).removeprefix("qa-provenance: ") + ".", ""]
    if result.files:
        lines += ["| Data file | Generator | Validator | Result |", "|---|---|---|---|"]
        for file_result in result.files[:MAX_ROWS]:
            lines.append(f"| {md_path(context.repo_path(file_result.path))} | "
                         f"{_agents(file_result.generators)} | "
                         f"{_agents(file_result.validators)} | {_check_cell(file_result)} |")
        _more(lines, len(result.files) - MAX_ROWS, "data files")
        lines.append("")
    findings = result.findings
    if findings:
        lines += ["<details><summary>Findings</summary>", ""]
        for finding in findings[:MAX_ROWS]:
            where = context.repo_path(finding.path) + (f":{finding.line}" if finding.line else "")
            icon = ICONS["warn"] if level(finding) == "warning" else ICONS["fail"]
            lines.append(f"- {icon} {md_path(where)} **{finding.rule.code}** "
                         f"{finding.rule.name}: {md_text(finding.message)}")
        _more(lines, len(findings) - MAX_ROWS, "findings")
        lines += ["", "</details>", ""]
    _notes(lines, result.notices)
    return "\n".join(lines) + "\n"


def _spot_cell(report: FileReport) -> str:
    flagged = f" ({len(report.flags)} of {report.verdicts} flagged)" if report.verdicts else ""
    return f"{ICONS.get(report.result, '')} {report.result}{flagged}"


def _describe(spot: SpotResult, relpath: str) -> FileResult | None:
    """The check's view of a file for the summary; a summary row never fails the run."""
    if spot.describe is None:
        return None
    try:
        return spot.describe(relpath)
    except Exception:  # the row shows an empty cell instead
        return None


def markdown_spot(spot: SpotResult, context: Context) -> str:
    report = spot.report
    outcome = report.outcome
    lines = [f"### qa-provenance spot-check: {ICONS.get(outcome, '')} {outcome}", ""]
    if report.skipped is not None:
        lines += [f"Spot checks were **skipped**, not failed: {md_text(report.skipped)}.", ""]
    else:
        network = (f"; {report.requests} requests, {report.retries} retries"
                   if report.requests else "")
        verifier = md_path(report.verifier_id) if report.verifier_id else NONE
        lines += [f"Verifier {verifier} ({md_text(report.kind)}){network}.", ""]
    if report.files:
        lines += ["| Data file | Generator | Validator | Check | Spot check | Claim |",
                  "|---|---|---|---|---|---|"]
        for file_report in report.files[:MAX_ROWS]:
            described = _describe(spot, file_report.path)
            generators = _agents(described.generators) if described else NONE
            validators = _agents(described.validators) if described else NONE
            verdict = _check_cell(described) if described else NONE
            lines.append(f"| {md_path(context.repo_path(file_report.path))} | {generators} | "
                         f"{validators} | {verdict} | {_spot_cell(file_report)} | "
                         f"{md_text(file_report.claim)} |")
        _more(lines, len(report.files) - MAX_ROWS, "data files")
        lines.append("")
    _notes(lines, report.notices)
    return "\n".join(lines) + "\n"


def _notes(lines: list[str], notices: Sequence[str]) -> None:
    """The run's notes, as a list after the tables (the first MAX_ROWS of them)."""
    if notices:
        lines += ["Notes:", ""]
        lines += [f"- {md_text(notice)}" for notice in notices[:MAX_ROWS]]
        _more(lines, len(notices) - MAX_ROWS, "notes")
        lines.append("")


# ---------------------------------------------------------------------------------------------
# the reporter


def spot_summary_line(report: SpotReport) -> str:
    counts: dict[str, int] = {}
    for file_report in report.files:
        counts[file_report.result] = counts.get(file_report.result, 0) + 1
    tally = ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no files sampled"
    return f"qa-provenance spot-check: {report.outcome} ({tally})"


class GitHubReporter(Reporter):
    """``--format github``: annotations for GitHub Actions (auto-selected there)."""

    name = "github"

    def report_check(self, result: RunResult, out: TextIO) -> None:
        entries = [(level(f), annotation(f, self.context), format_finding(f))
                   for f in result.findings]
        entries += [("notice", command("notice", notice, (("title", "qa-provenance"),)),
                     f"note: {notice}") for notice in result.notices]
        _write_within_limits(entries, out, "qa-provenance")
        out.write(text_summary(result) + "\n")

    def report_spot(self, spot: SpotResult, out: TextIO) -> None:
        report = spot.report
        context = self.context
        entries: list[tuple[str, str, str]] = []
        for notice in report.notices:
            entries.append(("notice", command("notice", notice, (
                ("title", "qa-provenance spot-check"),)), f"note: {notice}"))
        if report.skipped is not None:
            said = f"spot checks SKIPPED (not failed): {report.skipped}"
            entries.append(("notice", command("notice", said, (
                ("title", "qa-provenance spot-check SKIPPED"),)), f"note: {said}"))
        flags: list[tuple[str, str, str]] = []  # after every file's verdict: the evidence
        for file_report in report.files:
            path = context.repo_path(file_report.path)
            kind = "error" if file_report.result == "FAIL" else "warning"
            if file_report.result != "PASS":
                details = "".join(f"; {error}" for error in file_report.errors)
                entries.append((kind, command(kind, file_report.claim + details, (
                    ("file", path), ("title", f"spot-check {file_report.result}"))),
                    f"{file_report.path}: spot-check {file_report.result}: "
                    f"{file_report.claim}{details}"))
            for flag in sorted(file_report.flags, key=lambda f: (f.line or 0, f.location)):
                outcome = flag.outcome
                score = f" (score {outcome.score:.2f})" if outcome.score is not None else ""
                why = f": {outcome.rationale}" if outcome.rationale else ""
                message = (f"{flag.location}: verifier {report.verifier_id} says "
                           f"{outcome.verdict}{score}{why}")
                flags.append((kind, command(kind, message, (
                    ("file", path), ("line", flag.line),
                    ("title", f"spot-check {outcome.verdict}"))),
                    f"{file_report.path}: {message}"))
        _write_within_limits(entries + flags, out, "qa-provenance spot-check")
        out.write(spot_summary_line(report) + "\n")


# GitHub shows this many annotations of each kind (error, warning, notice) per step and drops
# the rest silently (50 per job); the action runs check and spot-check in one step.
PER_STEP = 10


def _write_within_limits(entries: Sequence[tuple[str, str, str]], out: TextIO,
                         title: str) -> None:
    """Each entry (kind, workflow command, plain log line) as an annotation while GitHub will
    show it; past the limit, as a plain log line, with one annotation saying how many more there
    are, so that none is lost without a word."""
    totals = Counter(kind for kind, _, _ in entries)
    shown: Counter[str] = Counter()
    for kind, line, plain in entries:
        if totals[kind] <= PER_STEP or shown[kind] < PER_STEP - 1:
            out.write(line + "\n")
            shown[kind] += 1
        else:  # a path always leads: "./" keeps a name like "::x" from reading as a command
            plain = one_line(plain)
            out.write(("./" + plain if plain.lstrip().startswith("::") else plain) + "\n")
    for kind in ("error", "warning", "notice"):
        more = totals[kind] - shown[kind]
        if more:
            out.write(command(kind, f"{more} more {kind}s (GitHub shows {PER_STEP} annotations "
                                    "of a kind per step): in the log above and the job summary",
                              (("title", title),)) + "\n")
