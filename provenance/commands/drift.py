"""``qa-provenance drift [MODEL]``: per round, the self-generated and held-out scores and the gap.

Prints a table per model with each score's interval, and the QP043 signs; ``--format github``
also appends the tables and a Mermaid chart to the job summary, ``--format markdown`` prints
them, ``--plot FILE`` draws a PNG (matplotlib, extra ``plot``). Exit 0 printed, 1 a QP042 or
QP043 finding at error severity, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from provenance.config import Config
    from provenance.evaluation.analysis import Analysis
    from provenance.evaluation.drift import Model
    from provenance.findings import Finding
    from provenance.lineage.build import DatasetFacts
    from provenance.lineage.graph import LineageGraph
    from provenance.session import Session

PREFIX = "qa-provenance drift"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", help="only this model (default: every model)")
    parser.add_argument("--format", choices=("text", "markdown", "github"), default=None,
                        help="text table (default), Markdown with a Mermaid chart, or github "
                             "(text in the log, annotations, Markdown in the job summary; the "
                             "default when GITHUB_ACTIONS=true)")
    parser.add_argument("--summary-file", metavar="FILE",
                        help="append the Markdown to FILE (with --format github the default is "
                             "$GITHUB_STEP_SUMMARY)")
    parser.add_argument("--plot", metavar="FILE.png", help="draw the curves and the gap as a PNG")


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure
    from provenance.config import ConfigError
    from provenance.discovery import PathError

    try:
        config = configure(args)
        from provenance.evaluation.analysis import analyse, settings_of
        from provenance.evaluation.results import ResultsError, load
        from provenance.session import Session

        session = Session(config)
        name = settings_of(session).file
        try:
            results = load(session.root / name)
        except ResultsError as exc:
            line = f":{exc.line}" if exc.line else ""
            print(f"{PREFIX}: {name}{line}: {exc.message}", file=sys.stderr)
            return 2
        if not results:
            print(f"{PREFIX}: no evaluation results in {name} (qa-provenance record-eval writes "
                  "them)", file=sys.stderr)
            return 2
        graph, facts = _lineage(session, {r.dataset for r in results})
        analysis = analyse(session, graph, facts, results)
    except (ConfigError, PathError) as exc:
        print(f"{PREFIX}: {exc}", file=sys.stderr)
        return 2
    models = analysis.models
    if args.model:
        key = session.registry().key(args.model)
        models = [m for m in models if m.key == key]
        if not models:
            known = ", ".join(m.label for m in analysis.models)
            print(f"{PREFIX}: no results for '{args.model}' in {name} (models: {known})",
                  file=sys.stderr)
            return 2
    findings = _findings(config, analysis, models, session.registry().key)
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    if fmt == "markdown":
        sys.stdout.write(_markdown(analysis, models))
    else:
        sys.stdout.write(_text(analysis, models, findings))
        if fmt == "github":
            _annotate(findings)
    summary = args.summary_file or (os.environ.get("GITHUB_STEP_SUMMARY")
                                    if fmt == "github" else None)
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(_markdown(analysis, models))
        except OSError as exc:
            print(f"{PREFIX}: cannot write the summary to {summary}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
    if args.plot:
        from provenance.evaluation.charts import PlotUnavailable, png

        try:
            png(models, Path(args.plot), analysis.settings.drift.confidence)
        except PlotUnavailable as exc:
            print(f"{PREFIX}: {exc}", file=sys.stderr)
            return 2
        except (ValueError, OSError) as exc:
            print(f"{PREFIX}: {args.plot}: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {args.plot}", file=sys.stderr)
    from provenance.rules import Severity

    return 1 if any(f.severity is Severity.ERROR for f in findings) else 0


def _lineage(session: Session, datasets: set[str]
             ) -> tuple[LineageGraph, Mapping[str, DatasetFacts]]:
    """The lineage graph as ``check`` sees it for these datasets: each one evaluated on is
    checked, so that provenance embedded in the data and the generators its records name count
    as they do there; every other dataset by its file-level record."""
    from provenance.checker import Checker
    from provenance.evaluation.analysis import file_sha256

    checker = Checker(session)
    present = sorted(p for p in datasets if file_sha256(session.root, p) is not None)
    if present:
        checker.run([str(session.root / p) for p in present])
    return checker.lineage.graph(), checker.lineage.all


def _findings(config: Config, analysis: Analysis, models: list[Model],
              key: Callable[[str], str]) -> list[Finding]:
    """QP042 for the shown models' results and QP043 for their rounds, graded as check grades
    them (severity by the dataset's path, or the results file's)."""
    from provenance.checks.evaluation_results import drift_problems, result_problems
    from provenance.findings import Finding
    from provenance.rules import Severity

    name = analysis.settings.file
    keys = {m.key for m in models}
    shown = [c for c in analysis.classified if key(c.result.model) in keys]
    problems = list(result_problems(shown, name))
    for model in models:
        problems += [(name, p) for p in drift_problems(analysis.signs.get(model.label, ()), name)]
    findings = []
    for governed_by, problem in problems:
        severity = config.severity(problem.rule, governed_by)
        if severity is not Severity.OFF:
            findings.append(Finding(problem.path or name, problem.rule, problem.message,
                                    severity, problem.line))
    return findings


def _text(analysis: Analysis, models: list[Model], findings: list[Finding]) -> str:
    from provenance.evaluation.drift import table_rows
    from provenance.evaluation.intervals import z_of
    from provenance.reporters.text import one_line

    confidence = analysis.settings.drift.confidence
    z = z_of(confidence)
    lines = []
    header = ["round", "self-generated S", "held-out H", "gap S-H"]
    for model in models:
        lines.append(f"{one_line(model.label)} ({one_line(model.metric or 'no usable score')}; "
                     f"{confidence:.0%} intervals)")
        rows = [header, *table_rows(model, z)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            lines.append("  " + "  ".join(cell.ljust(widths[i]) for i, cell in
                                          enumerate(row)).rstrip())
        trained = [r for r in model.rounds if r.trained_on]
        for r in trained:
            kind = {True: "model-generated only", False: "with real data",
                    None: "unknown makers"}[r.generated_only]
            lines.append(f"  round {r.number} trained on {', '.join(r.trained_on)} ({kind})")
        lines.append("")
    for finding in findings:
        lines.append(one_line(f"{finding.location()}: {finding.rule.code} "
                              f"{finding.severity.value}: {finding.message}"))
    if not findings:
        lines.append("no drift found")
    return "\n".join(lines) + "\n"


def _markdown(analysis: Analysis, models: list[Model]) -> str:
    from provenance.evaluation.charts import markdown
    from provenance.evaluation.intervals import z_of

    confidence = analysis.settings.drift.confidence
    parts = ["## qa-provenance drift: self-generated vs held-out scores", "",
             "Red: score on self-generated test sets (S); blue: on held-out sets (H); grey: the "
             "gap S - H. A gap that keeps growing means the model is learning its own tests.", ""]
    text = "\n".join(parts) + "\n"
    for model in models:
        text += markdown(model, analysis.signs.get(model.label, []), z_of(confidence),
                         confidence)
    return text


def _annotate(findings: list[Finding]) -> None:
    from provenance.reporters.github import command
    from provenance.rules import Severity

    for finding in findings:
        level = "error" if finding.severity is Severity.ERROR else "warning"
        sys.stdout.write(command(level, finding.message, (
            ("file", finding.path), ("line", finding.line),
            ("title", f"{finding.rule.code} {finding.rule.name}"))) + "\n")
