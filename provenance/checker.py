"""The check pipeline: select files, read each once, find its provenance, apply the checks.

Orchestration only. Reading and its speed policy are in ``speed.schedule``, what commands share in
``session``, every rule in ``checks`` (pure functions returning ``Problem`` values), the lineage in
``lineage``, output in ``reporters``. Here each problem is given its place (file and line) and its
severity from the configuration, per rule and per path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from provenance.checks import claims, record_rules
from provenance.checks.attestation_refusals import attestation_problems
from provenance.checks.contamination import contamination_problems
from provenance.checks.lineage_loops import loop_problems
from provenance.checks.offences import offence_problems
from provenance.checks.overridden import overridden_problems
from provenance.checks.problem import Problem
from provenance.checks.self_evaluation import self_evaluation_problems
from provenance.checks.shares import FolderShares, file_share_problems, in_folder
from provenance.checks.trust_minimum import trust_problems
from provenance.config import Config
from provenance.contamination.run import Scanner
from provenance.diversity import diversity_checks
from provenance.evaluation.in_check import evaluation_problems
from provenance.findings import FileResult, Finding, RunResult, Watch
from provenance.lineage.build import external_references
from provenance.lineage.inputs import LineageInputs
from provenance.reading.datafile import DataFacts
from provenance.reading.locate import Claim
from provenance.record import Record, any_named
from provenance.rules import DIGEST, Severity
from provenance.session import Session
from provenance.speed.schedule import Schedule
from provenance.trust import levels as trust

if TYPE_CHECKING:
    from provenance.checks.per_record import RecordScan
    from provenance.diversity.checking import DiversityChecks


@dataclass
class _FileState:
    """What one file's check gathers on the way; turned into a FileResult at the end."""

    relpath: str
    findings: list[Finding] = field(default_factory=list)
    notices: tuple[str, ...] = ()
    claim: Claim | None = None
    record: Record | None = None
    scan: RecordScan | None = None
    trust: str | None = None


class Checker:
    def __init__(self, session: Session | Config) -> None:
        self.session = session if isinstance(session, Session) else Session(session)
        self.config = self.session.config
        self.schedule = Schedule(self.config, self.session.judge_for)
        self.lineage = LineageInputs(self.session)
        self.shares = FolderShares()
        self.notices: list[str] = []  # of the rules across files
        self.diversity: DiversityChecks | None = diversity_checks(self.config)

    def run(self, paths: Iterable[str] | None = None, *, shard: tuple[int, int] | None = None,
            watch: Watch | None = None) -> RunResult:
        """Check ``paths`` (None: the whole root); ``shard=(i, n)`` keeps the i-th of n parts,
        split by a hash of each path so that every shard of a CI matrix gets a stable share;
        ``watch`` hears of each file as soon as it is decided (progress, streamed results)."""
        selection = self.session.select(paths).shard(shard)
        result = RunResult()
        if selection.data:
            watch = watch or Watch()
            watch.start(self.config.root, selection.data)
            with self.schedule.reading(selection.data):
                for relpath in selection.data:
                    file_result = self.check_file(relpath)
                    result.files.append(file_result)
                    result.notices.extend(f"{relpath}: {note}" for note in file_result.notices)
                    watch.done(file_result)
        for orphan in selection.orphans:
            self._emit(result.extra, [claims.orphan_problem(orphan)], orphan)
        for manifest in self.session.locator.broken_manifests():
            self._emit(result.extra, [claims.broken_manifest_problem(manifest)], manifest.relpath)
        for governed, problem in self._across_files(set(selection.data), paths, shard):
            self._emit(result.extra, [problem], governed)
        self.schedule.save()
        result.notices.extend([*self.notices, *self.session.trust_notices,
                               *self.session.cache_notes()])
        return result

    def check_file(self, relpath: str, *, claim: Claim | None = None) -> FileResult:
        """One data file's check; ``claim`` stands in for its provenance (``stamp`` checks the
        record it is about to write this way, with every rule ``check`` runs)."""
        state = _FileState(relpath)
        facts, state.scan, scan_problems = self.schedule.facts_and_scan(relpath)
        state.notices = tuple(facts.notices)
        self._emit(state.findings, [*record_rules.data_problems(facts), *scan_problems], relpath)
        found = [claim] if claim else self.session.locator.claims(relpath, facts.embedded)
        broken = self.session.locator.under_broken_manifest(relpath) is not None
        state.claim, problems = claims.choose_claim(relpath, found, under_broken_manifest=broken)
        self._emit(state.findings, problems, relpath)
        if state.claim is not None and not problems:
            for other, problem in overridden_problems(found, state.claim,
                                                      self.session.judge_for(relpath)):
                self._emit(state.findings, [problem], relpath, other)  # claims it overrides
            state.record = self._record(state, relpath)
            if state.record is not None:
                self._record_rules(state, facts)
                self._trust(state, facts)
        if state.scan is not None:
            validated = state.record is not None and bool(state.record.validators)
            self._emit(state.findings, offence_problems(state.scan, validated=validated), relpath)
            self._emit(state.findings, file_share_problems(
                state.scan.generator_counts, state.scan.with_generators,
                self.config.generator_share(relpath)), relpath)
        if self.diversity is not None:
            self._emit(state.findings, self.diversity.file_problems(
                relpath, self.schedule.diversity.pop(relpath, None), state.scan), relpath)
        self._remember(state)
        return self._result(state)

    def _across_files(self, checked: set[str], paths: Iterable[str] | None,
                      shard: tuple[int, int] | None) -> Iterator[tuple[str, Problem]]:
        """``(governing path, problem)`` of the rules across files: folder shares; when data was
        checked, loops, self-evaluation and contamination over the lineage graph (in a shard, a
        training file is compared by the shard it falls in, so no pair is read twice); and the
        evaluation results, once per run rather than per shard."""
        yield from ((in_folder(folder), problem) for folder, problem in self.shares.problems(
            lambda folder: self.config.generator_share(in_folder(folder))))
        if self.diversity is not None:
            yield from ((in_folder(f), p) for f, p in self.diversity.folder_problems())
        full = paths is None and shard is None
        if shard is None or shard[0] == 0:
            yield from evaluation_problems(self.session, self.lineage, self.lineage.graph,
                                           paths, checked, full=paths is None)
        if not checked:
            return
        graph = self.lineage.graph()
        yield from loop_problems(graph, self.lineage.all, checked, full=full)
        yield from self_evaluation_problems(graph, self.lineage.all, checked, full=full,
                                            related=self.session.policy_relation)
        scanner = Scanner(self.config, self.schedule.digest, self.schedule.cache_folder)
        yield from contamination_problems(scanner.scan(graph, checked, full=full,
                                                       sharded=shard is not None), scanner.shown)
        self.notices.extend(scanner.notes)

    def _record(self, state: _FileState, relpath: str) -> Record | None:
        """Validate the claim's record; None when it cannot be used for further checks."""
        claim = state.claim
        assert claim is not None
        raw, problems = claims.record_shape(claim, relpath)
        self._emit(state.findings, problems, relpath, claim)
        if raw is None:
            return None
        scan = state.scan
        invalid = self.schedule.schema_problems(raw) + record_rules.missing_agent_problems(
            raw,
            records_name_generators=bool(scan and any_named(scan.generators.values())),
            records_name_validators=bool(scan and any_named(scan.validators.values())),
        )
        self._emit(state.findings, invalid, relpath, claim)
        if invalid:
            return None
        record = Record.from_mapping(raw)
        if claims.is_placeholder(raw):
            record = Record(record.generators, record.validators, None, record.records,
                            record.trains, record.derived_from, record.sources, raw)
        return record

    def _record_rules(self, state: _FileState, facts: DataFacts) -> None:
        assert state.claim is not None and state.record is not None
        record, scan = state.record, state.scan
        judge = self.session.judge_for(state.relpath)
        subject = state.relpath if state.claim.kind == "manifest" else None
        problems = record_rules.content_problems(record, facts, subject) \
            if facts.problem is None else []
        if problems and problems[0].rule is DIGEST and record.sha256 is not None \
                and facts.content_sha256 == facts.sha256:  # the raw bytes are what is bound
            from provenance.fs.line_endings import other_line_endings

            endings = other_line_endings(self.config.root / state.relpath, record.sha256)
            if endings is not None:
                problems[0] = record_rules.line_endings_problem(problems[0], endings)
        problems += record_rules.identity_problems(record, judge)
        record_generators = tuple(scan.generators.values()) if scan else ()
        problems += record_rules.training_problems(record, record_generators, judge)
        if scan is not None:
            found = tuple(scan.generators.values()), tuple(scan.validators.values())
            problems += record_rules.contradiction_problems(record, *found, judge)
            problems += record_rules.cross_problems(record, *found, judge)
        if self.config.require_verification.matches(state.relpath) and facts.problem is None:
            problems += record_rules.verification_problems(
                record, facts.content_sha256, self.config.verification_max_age_days,
                datetime.now(timezone.utc), policy=self.session.verification_policy(), judge=judge)
        self._emit(state.findings, problems, state.relpath, state.claim)
        state.notices += external_references(self.config.root, state.claim.source,
                                             record.derived_from)

    def _trust(self, state: _FileState, facts: DataFacts) -> None:
        """The trust level (computed, never read from the record), and the configured minimum."""
        assert state.claim is not None and state.record is not None
        context = self.session.trust_context()
        attestations, unusable = context.attestations_for(state.relpath)
        generators = (*state.record.generators,
                      *(state.scan.generators.values() if state.scan else ()))
        digests = {facts.content_sha256, facts.sha256} if facts.problem is None else set()
        judge, plan = self.session.judge_for(state.relpath), self.session.verification_policy()
        verdicts = unusable + context.judge(attestations, digests, state.record.raw, generators,
                                            judge, plan)
        assessment = trust.assess(state.record.raw, digests, generators, verdicts, judge,
                                  verification=plan)
        state.trust = assessment.level
        if facts.problem is None:
            minimum = self.config.trust_minimum(state.relpath)
            self._emit(state.findings, [*attestation_problems(assessment, state.relpath),
                                        *trust_problems(assessment, minimum)],
                       state.relpath, state.claim)

    def _remember(self, state: _FileState) -> None:
        """Keep what the folder-share rule and the lineage graph need, not the records."""
        self.shares.add_file(state.relpath, state.scan, state.record, claimed=bool(state.claim))
        if state.claim is not None:
            self.lineage.add(state.relpath, state.claim, state.record, state.scan)

    def _result(self, state: _FileState) -> FileResult:
        record, scan = state.record, state.scan
        generators = [a.id for a in record.generators] if record else []
        validators = [a.id for a in record.validators] if record else []
        if scan is not None:
            generators += [a.id for a in scan.generators.values() if a.id not in generators]
            validators += [a.id for a in scan.validators.values() if a.id not in validators]
        return FileResult(
            state.relpath,
            state.claim.source if state.claim else None,
            generators=tuple(generators),
            validators=tuple(validators),
            findings=tuple(state.findings),
            notices=state.notices,
            profile=scan.profile.name if scan else None,
            pairs=tuple((g, v, n) for (g, v), n in scan.pairs.most_common()) if scan else (),
            trust=state.trust,
        )

    def _emit(self, out: list[Finding], problems: Iterable[Problem], governed_by: str,
              claim: Claim | None = None) -> None:
        """Place each problem (the data file, its provenance, or a file of its own) and grade it
        by the configuration's severity for the rule at ``governed_by``."""
        for problem in problems:
            severity = self.config.severity(problem.rule, governed_by)
            if severity is Severity.OFF:
                continue
            path, line = problem.place(governed_by, claim)
            out.append(Finding(path, problem.rule, problem.message, severity, line))
