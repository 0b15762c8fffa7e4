"""``--format junit``: JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).

``<testsuites>`` holds one ``<testsuite>`` per command; each data file is a ``<testcase>`` (named
by its path, ``file`` attribute too). For ``check``, every error finding is a ``<failure>`` whose
``type`` is the rule code; a file with warnings only is a passing test case whose warnings are in
its ``<system-out>`` (it was checked, so it is not "skipped"). Findings not tied to one data file
(orphan sidecars, broken manifests, lineage loops) are test cases named by their own path. For
``spot-check``, FAIL is a ``<failure>``, INCONCLUSIVE an ``<error>`` (no verdict, not a pass), PASS
passes with any flags in ``<system-out>``; a skipped run is one ``<skipped>`` test case. Notes are
the suite's ``<system-err>``. Paths are relative to the checkout, as in the GitHub format.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TextIO

from provenance.findings import Finding, RunResult
from provenance.reporters import escape
from provenance.reporters.base import TOOL_NAME, Context, DocumentReporter, SpotResult, level

_clean = escape.xml


def _line(finding: Finding, context: Context) -> str:
    where = context.repo_path(finding.path) + (f":{finding.line}" if finding.line else "")
    tag = " [warning]" if level(finding) == "warning" else ""
    return f"{where}: {finding.rule.code}{tag} {finding.message}"


def _suite(name: str, context: Context) -> ET.Element:
    suite = ET.Element("testsuite", name=name)
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name=f"{TOOL_NAME}.version",
                  value=context.tool_version)
    return suite


def _case(suite: ET.Element, classname: str, path: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=_clean(path),
                         file=_clean(path))


def _text(parent: ET.Element, tag: str, lines: Sequence[str]) -> None:
    if lines:
        ET.SubElement(parent, tag).text = _clean("\n".join(lines) + "\n")


def _finish(suite: ET.Element, notices: Sequence[str]) -> ET.Element:
    cases = suite.findall("testcase")
    counts = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }
    for key, value in counts.items():
        suite.set(key, str(value))
    _text(suite, "system-err", [f"note: {notice}" for notice in notices])
    suites = ET.Element("testsuites", name=TOOL_NAME)
    for key, value in counts.items():
        suites.set(key, str(value))
    suites.append(suite)
    return suites


def _dump(root: ET.Element, out: TextIO) -> None:
    ET.indent(root, space="  ")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode") + "\n")


def check_xml(result: RunResult, context: Context) -> ET.Element:
    suite = _suite(f"{TOOL_NAME} check", context)
    groups: list[tuple[str, Sequence[Finding]]] = [(f.path, f.findings) for f in result.files]
    extra: dict[str, list[Finding]] = {}
    for finding in result.extra:
        extra.setdefault(finding.path, []).append(finding)
    groups += list(extra.items())
    for path, findings in groups:
        case = _case(suite, f"{TOOL_NAME}.check", context.repo_path(path))
        for finding in findings:
            if level(finding) == "error":
                failure = ET.SubElement(
                    case, "failure", type=finding.rule.code,
                    message=_clean(f"{finding.rule.code} {finding.rule.name}: {finding.message}"))
                failure.text = _clean(_line(finding, context))
        _text(case, "system-out",
              [_line(f, context) for f in findings if level(f) == "warning"])
    return _finish(suite, result.notices)


def spot_xml(spot: SpotResult, context: Context) -> ET.Element:
    report = spot.report
    suite = _suite(f"{TOOL_NAME} spot-check", context)
    if report.skipped is not None:
        case = _case(suite, f"{TOOL_NAME}.spot-check", "spot-check")
        ET.SubElement(case, "skipped",
                      message=_clean(f"spot checks SKIPPED (not failed): {report.skipped}"))
    for file_report in report.files:
        path = context.repo_path(file_report.path)
        case = _case(suite, f"{TOOL_NAME}.spot-check", path)
        flags = []
        for flag in sorted(file_report.flags, key=lambda f: (f.line or 0, f.location)):
            outcome = flag.outcome
            where = f"{path}:{flag.line}" if flag.line else f"{path} ({flag.location})"
            score = f" (score {outcome.score:.2f})" if outcome.score is not None else ""
            why = f": {outcome.rationale}" if outcome.rationale else ""
            flags.append(f"{where}: {outcome.verdict}{score}{why}")
        errors = [f"error: {error}" for error in file_report.errors]
        body = [*flags, *errors]
        if file_report.result == "FAIL":
            element = ET.SubElement(case, "failure", type="spot-check FAIL",
                                    message=_clean(file_report.claim))
            element.text = _clean("\n".join(body)) if body else None
        elif file_report.result == "INCONCLUSIVE":
            element = ET.SubElement(case, "error", type="spot-check INCONCLUSIVE",
                                    message=_clean(file_report.claim))
            element.text = _clean("\n".join(body)) if body else None
        else:
            _text(case, "system-out", [file_report.claim, *body])
    return _finish(suite, report.notices)


class JUnitReporter(DocumentReporter):
    """``--format junit``: JUnit XML (``<testsuites>``)."""

    name = "junit"

    def check_document(self, result: RunResult) -> ET.Element:
        return check_xml(result, self.context)

    def spot_document(self, spot: SpotResult) -> ET.Element:
        return spot_xml(spot, self.context)

    def write(self, document: ET.Element, out: TextIO) -> None:
        _dump(document, out)
