"""The check pipeline: select files, read each once, find its provenance, apply the rules.

Only orchestration lives here; reading is in ``datafile`` and ``locate``, the rules in ``checks``,
output in ``reporters``. Severity comes from the configuration, per rule and per path.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from provenance import checks, datafile, rules
from provenance.config import Config
from provenance.discovery import select
from provenance.findings import FileResult, Finding, RunResult
from provenance.locate import Claim, Locator
from provenance.record import Record
from provenance.rules import Rule, Severity

PLACEHOLDER_DIGEST = {"sha256": "0" * 64}


class Checker:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.locator = Locator(config.root)

    def run(self, paths: Iterable[str] | None = None) -> RunResult:
        selection = select(self.config, self.locator, paths)
        result = RunResult()
        for relpath in selection.data:
            file_result = self.check_file(relpath)
            result.files.append(file_result)
            result.notices.extend(f"{relpath}: {note}" for note in file_result.notices)
        for orphan in selection.orphans:
            self._add(result.extra, orphan, rules.ORPHAN, None,
                      f"sidecar for '{Path(orphan).name.split('.provenance.')[0]}', which does "
                      "not exist (renamed or deleted?)", orphan)
        for manifest in self.locator.broken_manifests():
            assert manifest.error is not None
            self._add(result.extra, manifest.relpath, rules.INVALID, manifest.error.line,
                      manifest.error.message, manifest.relpath)
        return result

    def check_file(self, relpath: str) -> FileResult:
        findings: list[Finding] = []
        facts = datafile.inspect(self.config.root / relpath)
        notices = tuple(facts.notices)
        for problem in checks.data_problems(facts):
            self._add(findings, relpath, problem.rule, problem.data_line, problem.message, relpath)

        claims = self.locator.claims(relpath, facts.embedded)
        if not claims:
            broken = self.locator.under_broken_manifest(relpath)
            if broken is None:
                self._add(findings, relpath, rules.MISSING, None,
                          "no provenance record (create one with: qa-provenance stamp "
                          f"{relpath} --generator ID --validator ID)", relpath)
            return FileResult(relpath, None, findings=tuple(findings), notices=notices)

        top = max(claim.level for claim in claims)
        winners = [claim for claim in claims if claim.level == top]
        if len(winners) > 1:
            names = " and ".join(claim.describe() for claim in winners)
            self._add(findings, relpath, rules.CONFLICT, None,
                      f"claimed by both {names}: keep one", relpath)
            return FileResult(relpath, winners[0].source, findings=tuple(findings),
                              notices=notices)

        claim = winners[0]
        record = self._record(claim, relpath, findings)
        if record is None:
            return FileResult(relpath, claim.source, findings=tuple(findings), notices=notices)
        problems = checks.identity_problems(record)
        if facts.problem is None:
            problems = checks.content_problems(record, facts) + problems
        for problem in problems:
            self._add(findings, claim.source, problem.rule, claim.line_of(problem.field),
                      problem.message, relpath)
        return FileResult(
            relpath,
            claim.source,
            generators=tuple(agent.id for agent in record.generators),
            validators=tuple(agent.id for agent in record.validators),
            findings=tuple(findings),
            notices=notices,
        )

    def _record(self, claim: Claim, relpath: str, findings: list[Finding]) -> Record | None:
        """Validate the claim's record; None when it cannot be used for further checks."""
        if claim.load_error is not None:
            self._add(findings, claim.source, rules.INVALID, claim.load_error.line,
                      claim.load_error.message, relpath)
            return None
        raw = claim.record
        if not isinstance(raw, dict):
            kind = type(raw).__name__ if raw is not None else "empty"
            self._add(findings, claim.source, rules.INVALID, claim.line_of(()),
                      f"provenance must be a mapping of fields, not {kind}", relpath)
            return None
        if claim.kind == "manifest" and "digest" not in raw:
            self._add(findings, claim.source, rules.DIGEST, claim.line_of(()),
                      f"no digest binds '{relpath}' (not stamped): run qa-provenance stamp "
                      f"{relpath}", relpath)
            raw = {**raw, "digest": PLACEHOLDER_DIGEST}
        problems = checks.record_problems(raw)
        for problem in problems:
            self._add(findings, claim.source, problem.rule, claim.line_of(problem.field),
                      problem.message, relpath)
        if problems:
            return None
        record = Record.from_mapping(raw)
        if raw["digest"] is PLACEHOLDER_DIGEST:
            record = Record(record.generators, record.validators, None, record.records,
                            record.trains, record.derived_from, record.sources, raw)
        return record

    def _add(self, out: list[Finding], path: str, rule: Rule, line: int | None, message: str,
             governed_by: str) -> None:
        severity = self.config.severity(rule, governed_by)
        if severity is not Severity.OFF:
            out.append(Finding(path, rule, message, severity, line))
