"""``--format sarif``: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver`` names qa-provenance and lists one rule (``reportingDescriptor``) per code
in the registry, with the rule's documentation page (``Rule.help_uri``) as its help URI. Each
finding is a result with its rule id, level (``error``/``warning``) and one physical location: the
file's URI relative to ``%SRCROOT%`` (the checkout: ``$GITHUB_WORKSPACE``, else the git work tree)
and the line when it is known. Notes are tool execution notifications. A spot-check run has three
rules of its own (a flagged record, a failed file, an inconclusive file).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from provenance.findings import Finding, RunResult
from provenance.reporters.base import (
    INFORMATION_URI,
    SPOT_HELP_URI,
    TOOL_NAME,
    Context,
    DocumentReporter,
    SpotResult,
    level,
)
from provenance.rules import ALL_RULES, Rule, Severity

SARIF_VERSION = "2.1.0"
FINGERPRINT = "qaProvenanceFinding/v1"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"

# spot-check results: (id, name, level, summary)
SPOT_FLAG = ("spot-check-flag", "flagged-record", "warning",
             "The independent verifier could not confirm a sampled record (unsupported or "
             "unsure). An error in a file whose spot check failed, a warning otherwise.")
SPOT_FAIL = ("spot-check-fail", "spot-check-failed", "error",
             "More sampled records were flagged than the sampling plan allows: the "
             "verifier-flagged rate of the file may exceed the configured maximum.")
SPOT_INCONCLUSIVE = ("spot-check-inconclusive", "spot-check-inconclusive", "warning",
                     "Verdicts are missing (the verifier was unreachable, or a budget ran out): "
                     "no claim about the file's flagged rate, which is not a pass.")
SPOT_RULES = (SPOT_FLAG, SPOT_FAIL, SPOT_INCONCLUSIVE)


def _first_sentence(text: str) -> str:
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    default = "warning" if rule.default is Severity.WARN else "error"
    help_text = (f"{rule.code} {rule.name}: {rule.summary} Default severity: "
                 f"{rule.default.value}. Set it by code or name under `rules:` (or per glob under "
                 f"`overrides:`) in .qa-provenance.yaml. See {rule.help_uri}")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _first_sentence(rule.summary)},
        "fullDescription": {"text": rule.summary},
        "help": {
            "text": help_text,
            "markdown": (f"**{rule.code} {rule.name}** (default: {rule.default.value})\n\n"
                         f"{rule.summary}\n\nSet its severity by code or name under `rules:`, "
                         "or per glob under `overrides:`, in `.qa-provenance.yaml`. "
                         f"See [{rule.code}]({rule.help_uri})."),
        },
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": default},
        "properties": {"tags": ["provenance", "datasets"]},
    }


def _spot_descriptor(spec: tuple[str, str, str, str]) -> dict[str, Any]:
    ident, name, default, summary = spec
    return {
        "id": ident,
        "name": name,
        "shortDescription": {"text": _first_sentence(summary)},
        "fullDescription": {"text": summary},
        "help": {"text": f"{summary} See {SPOT_HELP_URI}"},
        "helpUri": SPOT_HELP_URI,
        "defaultConfiguration": {"level": default},
        "properties": {"tags": ["provenance", "datasets", "spot-check"]},
    }


def _uri(path: str) -> str:
    # fsencode: a name's undecodable bytes (held as surrogates) are percent-encoded as they are.
    return quote(os.fsencode(path), safe="/-._~!$&'()*+,;=@")


def location(context: Context, relpath: str, line: int | None) -> dict[str, Any]:
    uri = _uri(context.repo_path(relpath))
    if not context.is_file(relpath):
        uri = uri.rstrip("/") + "/"  # a folder-level finding
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT}}
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    elif not uri.endswith("/"):
        physical["region"] = {"startLine": 1}  # code scanning shows a file's alert on a line
    return {"physicalLocation": physical}


def _result(rule_id: str, index: int, result_level: str, message: str,
            where: dict[str, Any]) -> dict[str, Any]:
    return {
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": result_level,
        "message": {"text": message},
        "locations": [where],
        "partialFingerprints": {FINGERPRINT: fingerprint(rule_id, where, message)},
    }


def fingerprint(rule_id: str, where: dict[str, Any], message: str) -> str:
    """The same finding in the same file keeps its alert across runs and line moves: the rule,
    the file and the message, not the line."""
    uri = where["physicalLocation"]["artifactLocation"]["uri"]
    text = "\0".join((rule_id, uri, message))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _finding_result(finding: Finding, context: Context, index: dict[str, int]) -> dict[str, Any]:
    return _result(finding.rule.code, index[finding.rule.code], level(finding), finding.message,
                   location(context, finding.path, finding.line))


def _run(context: Context, rules: list[dict[str, Any]], results: list[dict[str, Any]],
         notices: Iterable[str], exit_code: int | None) -> dict[str, Any]:
    base = (context.base or context.root).resolve()
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if exit_code is not None:
        invocation["exitCode"] = exit_code
    invocation["toolExecutionNotifications"] = [
        {"level": "note", "message": {"text": notice}} for notice in notices
    ]
    return {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": context.tool_version,
            "semanticVersion": context.tool_version,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": Path(base).as_uri().rstrip("/") + "/"}},
        "invocations": [invocation],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }


def check_log(result: RunResult, context: Context) -> dict[str, Any]:
    rules = [rule_descriptor(rule) for rule in ALL_RULES]
    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    results = [_finding_result(f, context, index) for f in result.findings]
    run = _run(context, rules, results, result.notices, result.exit_code())
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def spot_log(spot: SpotResult, context: Context) -> dict[str, Any]:
    report = spot.report
    rules = [_spot_descriptor(spec) for spec in SPOT_RULES]
    results: list[dict[str, Any]] = []
    for file_report in report.files:
        failed = file_report.result == "FAIL"
        for flag in sorted(file_report.flags, key=lambda f: (f.line or 0, f.location)):
            outcome = flag.outcome
            score = f" (score {outcome.score:.2f})" if outcome.score is not None else ""
            why = f": {outcome.rationale}" if outcome.rationale else ""
            results.append(_result(
                SPOT_FLAG[0], 0, "error" if failed else "warning",
                f"{flag.location}: verifier {report.verifier_id} says {outcome.verdict}"
                f"{score}{why}",
                location(context, file_report.path, flag.line)))
        if file_report.result in ("FAIL", "INCONCLUSIVE"):
            spec, index = (SPOT_FAIL, 1) if failed else (SPOT_INCONCLUSIVE, 2)
            details = "".join(f"; {error}" for error in file_report.errors)
            results.append(_result(spec[0], index, spec[2], file_report.claim + details,
                                   location(context, file_report.path, None)))
    notices = list(report.notices)
    if report.skipped is not None:
        notices.insert(0, f"spot checks SKIPPED (not failed): {report.skipped}")
    # The exit code also depends on verifier.on_inconclusive, which the command decides.
    run = _run(context, rules, results, notices, None)
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


class SarifReporter(DocumentReporter):
    """``--format sarif``: a SARIF 2.1.0 log (usually with ``--output results.sarif``)."""

    name = "sarif"

    def check_document(self, result: RunResult) -> dict[str, Any]:
        return check_log(result, self.context)

    def spot_document(self, spot: SpotResult) -> dict[str, Any]:
        return spot_log(spot, self.context)
