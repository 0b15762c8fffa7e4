"""``--format json``: the machine-readable report, versioned and described by a JSON Schema.

The schema is ``schemas/report.schema.json`` (``SCHEMA_URI``); every report names it in ``schema``
and its major version in ``version``. A new optional field keeps version 1; renaming or removing a
field, or changing its meaning, makes version 2 (and a new schema URI). Paths are relative to the
qa-provenance root, which the report records. Notes also go to stderr.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from provenance.findings import FileResult, Finding, RunResult
from provenance.reporters.base import (
    TOOL_NAME,
    Context,
    DocumentReporter,
    SpotResult,
    file_outcome,
    level,
)

if TYPE_CHECKING:
    from provenance.spot.run import FileReport

SCHEMA_URI = "https://qa-provenance.github.io/schemas/v1/report.schema.json"
REPORT_VERSION = 1


def _header(context: Context, command: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA_URI,
        "version": REPORT_VERSION,
        "tool": {"name": TOOL_NAME, "version": context.tool_version},
        "command": command,
        "root": context.root.as_posix(),
    }


def finding_entry(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.rule.code,
        "name": finding.rule.name,
        "severity": level(finding),
        "path": finding.path,
        "line": finding.line,
        "message": finding.message,
    }


def file_entry(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "provenance": result.provenance_path,
        "result": file_outcome(result),
        "ok": result.ok,
        "generators": list(result.generators),
        "validators": list(result.validators),
        "profile": result.profile,
        "trust": result.trust,
        "pairs": [{"generators": g, "validators": v, "records": n} for g, v, n in result.pairs],
        "findings": [finding_entry(f) for f in result.findings],
        "notices": list(result.notices),
    }


def check_document(result: RunResult, context: Context) -> dict[str, Any]:
    outcomes = [file_outcome(f) for f in result.files]
    return {
        **_header(context, "check"),
        "outcome": "fail" if result.errors else "pass",
        "summary": {
            "files": len(result.files),
            "passed": outcomes.count("pass"),
            "warned": outcomes.count("warn"),
            "failed": outcomes.count("fail"),
            "errors": result.errors,
            "warnings": result.warnings,
        },
        "files": [file_entry(f) for f in result.files],
        "findings": [finding_entry(f) for f in result.extra],
        "notices": list(result.notices),
    }


def spot_file_entry(report: FileReport, recorded: Mapping[str, str]) -> dict[str, Any]:
    plan = report.plan
    return {
        "path": report.path,
        "provenance": report.provenance_path,
        "sha256": report.digest,
        "result": report.result,
        "population": report.population,
        "plan": {
            "n": plan.n,
            "c": plan.acceptance,
            "max_flag_rate": plan.max_flag_rate,
            "confidence": plan.confidence,
            "required_n": plan.required_n,
            "census": plan.is_census,
        },
        "verdicts": report.verdicts,
        "flagged": len(report.flags),
        "missing": report.missing,
        "claim": report.claim,
        "upper_bound": report.upper_bound,
        "flags": [
            {
                "location": flag.location,
                "line": flag.line,
                "record": flag.outcome.id,
                "verdict": flag.outcome.verdict,
                "score": flag.outcome.score,
                "rationale": flag.outcome.rationale,
            }
            for flag in sorted(report.flags, key=lambda f: (f.line or 0, f.location))
        ],
        "errors": list(report.errors),
        "cache_hits": report.cache_hits,
        "truncated": report.truncated,
        "recorded": recorded.get(report.path),
    }


def spot_document(spot: SpotResult, context: Context) -> dict[str, Any]:
    report = spot.report
    results = [f.result for f in report.files]
    return {
        **_header(context, "spot-check"),
        "outcome": report.outcome,
        "skipped": report.skipped,
        "verifier": {"id": report.verifier_id or None, "kind": report.kind},
        "network": {"requests": report.requests, "retries": report.retries},
        "summary": {
            "files": len(report.files),
            "passed": results.count("PASS"),
            "failed": results.count("FAIL"),
            "inconclusive": results.count("INCONCLUSIVE"),
        },
        "files": [spot_file_entry(f, spot.recorded) for f in report.files],
        "notices": list(report.notices),
    }


class JsonReporter(DocumentReporter):
    """``--format json``: one JSON document (``schemas/report.schema.json``)."""

    name = "json"

    def check_document(self, result: RunResult) -> dict[str, Any]:
        return check_document(result, self.context)

    def spot_document(self, spot: SpotResult) -> dict[str, Any]:
        return spot_document(spot, self.context)
