"""The check pipeline: select files, read each once, find its provenance, apply the rules.

Only orchestration lives here; reading is in ``datafile``, ``readers`` and ``locate``, the rules in
``checks``, ``per_record`` and ``lineage``, output in ``reporters``. Severity comes from the
configuration, per rule and per path.
"""

from __future__ import annotations

import itertools
import os
import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance import rules
from provenance.checks import record_rules as checks
from provenance.config import Config, ConfigError
from provenance.discovery import select, walk
from provenance.findings import FileResult, Finding, RunResult
from provenance.fs import confine
from provenance.lineage.build import DatasetFacts
from provenance.reading import datafile
from provenance.reading.locate import Claim, Locator, data_path_of_sidecar, is_manifest
from provenance.record import Agent, Record
from provenance.rules import Rule, Severity

if TYPE_CHECKING:
    from provenance.checks.per_record import RecordScan
    from provenance.identity.independence import Judge
    from provenance.identity.registry import Registry
    from provenance.lineage.graph import LineageGraph
    from provenance.speed.inspect_workers import InspectWorkers
    from provenance.speed.read_ahead import ReadAhead
    from provenance.trust.levels import TrustContext

PLACEHOLDER_DIGEST = {"sha256": "0" * 64}
MAX_DECLARED_RECORDS = 2**53
# Files smaller than this are read in turn on the main thread: for them a thread hand-over costs
# more than it saves.
READ_AHEAD_MIN_BYTES = 1 << 20
# JSONL/CSV files from this size are read in worker processes (``inspect_workers``), which take
# ~0.1 s to start.
WORKER_MIN_BYTES = 16 << 20


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
    def __init__(self, config: Config, *, files: list[str] | None = None) -> None:
        """``files``: the repository's listing, when the caller has already walked it."""
        self.config = config
        self.locator = Locator(config.root)
        from provenance.speed.digest_cache import DigestCache, default_location

        setting = config.digest_cache
        location = None if setting is False else (
            default_location(config.root) if setting is True else config.root / str(setting))
        self.digests = DigestCache(location)
        self._registry: Registry | None = None
        self._judges: dict[str, Judge] = {}
        self._lineage_inputs: dict[str, DatasetFacts] = {}
        self._all_inputs: dict[str, DatasetFacts] = {}
        self._files: list[str] | None = files
        self._share_by_folder: dict[str, dict[str, float]] = defaultdict(
            lambda: defaultdict(float))
        self._share_names: dict[str, str] = {}
        self._trust_context: TrustContext | None = None
        self._reader: ReadAhead[datafile.DataFacts] | None = None
        self._ahead: set[str] = set()
        self._inspectors: InspectWorkers | None = None

    # the run --------------------------------------------------------------------------------
    def run(self, paths: Iterable[str] | None = None, *, shard: tuple[int, int] | None = None
            ) -> RunResult:
        """Check ``paths`` (None: the whole root); ``shard=(i, n)`` keeps the i-th of n parts,
        split by a hash of each path so that every shard of a CI matrix gets a stable share."""
        selection = select(self.config, self.locator, paths)
        if shard is not None:
            selection.data = [p for p in selection.data if shard_of(p, shard[1]) == shard[0]]
            selection.orphans = [p for p in selection.orphans
                                 if shard_of(p, shard[1]) == shard[0]]
        result = RunResult()
        if selection.data:
            self._check_files(selection.data, result)
        for orphan in selection.orphans:
            self._add(result.extra, orphan, rules.ORPHAN, None,
                      f"sidecar for '{Path(orphan).name.split('.provenance.')[0]}', which does "
                      "not exist (renamed or deleted?)", orphan)
        for manifest in self.locator.broken_manifests():
            assert manifest.error is not None
            self._add(result.extra, manifest.relpath, rules.INVALID, manifest.error.line,
                      manifest.error.message, manifest.relpath)
        self.digests.save()
        self._folder_shares(result.extra)
        if selection.data:
            self._lineage(result.extra, set(selection.data),
                          full=paths is None and shard is None)
        if self._trust_context is not None:  # attestation files listed in the configuration
            result.notices.extend(self._trust_context.notices)
        return result

    def _check_files(self, relpaths: list[str], result: RunResult) -> None:
        """Each file in turn, its data read ahead on other threads (see ``read_ahead``)."""
        from provenance.speed.inspect_workers import InspectWorkers
        from provenance.speed.read_ahead import ReadAhead, default_workers

        large = [p for p in relpaths if _size(self.config.root / p) >= READ_AHEAD_MIN_BYTES]
        inspectors = self._inspectors = InspectWorkers(default_workers())
        try:
            with ReadAhead(large, self._read) as reader:
                self._reader, self._ahead = reader, set(large)
                for relpath in relpaths:
                    file_result = self.check_file(relpath)
                    result.files.append(file_result)
                    result.notices.extend(f"{relpath}: {note}" for note in file_result.notices)
        finally:  # the readers have stopped: now the workers may go
            self._reader = self._inspectors = None
            inspectors.close()

    def _read(self, relpath: str) -> datafile.DataFacts:
        path = self.config.root / relpath
        refused = confine.problem(self.config.root, path)  # before the cache: nothing is served
        if refused is not None:
            return datafile.DataFacts(problem=refused)
        from provenance.speed.inspect_workers import FORMATS

        read: Callable[[Path], datafile.DataFacts] = datafile.inspect
        if self._inspectors is not None and datafile.format_of(relpath) in FORMATS \
                and _size(path) >= WORKER_MIN_BYTES:
            read = self._inspectors.inspect  # a large file: read in a worker process
        return self.digests.inspect(relpath, path, read)

    def check_file(self, relpath: str) -> FileResult:
        state = _FileState(relpath)
        facts, state.scan, scan_findings = self._facts_and_scan(relpath)
        state.notices = tuple(facts.notices)
        for problem in checks.data_problems(facts):
            self._add(state.findings, relpath, problem.rule, problem.data_line, problem.message,
                      relpath)
        state.findings += scan_findings

        claims = self.locator.claims(relpath, facts.embedded)
        top = max((claim.level for claim in claims), default=None)
        winners = [claim for claim in claims if claim.level == top]
        if not claims:
            if self.locator.under_broken_manifest(relpath) is None:
                self._add(state.findings, relpath, rules.MISSING, None,
                          "no provenance record (create one with: qa-provenance stamp "
                          f"{relpath} --generator ID --validator ID)", relpath)
        elif len(winners) > 1:
            names = " and ".join(claim.describe() for claim in winners)
            self._add(state.findings, relpath, rules.CONFLICT, None,
                      f"claimed by both {names}: keep one", relpath)
            state.claim = winners[0]
        else:
            state.claim = winners[0]
            state.record = self._record(state.claim, relpath, state.findings, state.scan)
            if state.record is not None:
                self._record_rules(state, facts)
                self._trust(state, facts)
        self._record_offences(state)
        self._remember(state)
        return self._result(state)

    # per file -------------------------------------------------------------------------------
    def _facts_and_scan(self, relpath: str
                        ) -> tuple[datafile.DataFacts, RecordScan | None, list[Finding]]:
        """The file's facts and its records' scan (with the scan's own findings).

        A JSONL file's records are scanned while a reader thread hashes it, the scan kept only
        if the facts then show a readable file of records (not an LFS pointer, say). Neither
        starts for a file ``confine`` refuses."""
        scratch = _FileState(relpath)
        if self._reader is None or relpath not in self._ahead:
            facts = self._read(relpath)
        elif datafile.format_of(relpath) == "jsonl" \
                and confine.problem(self.config.root, self.config.root / relpath) is None:
            pending = self._reader.claim(relpath)
            scan = self._scan(scratch, None)
            facts = pending.result()
            if facts.problem is None and facts.lfs_oid is None:
                return facts, scan, scratch.findings
            return facts, None, []
        else:
            facts = self._reader.take(relpath)
        if facts.problem is None and facts.lfs_oid is None:
            return facts, self._scan(scratch, facts), scratch.findings
        return facts, None, []

    def _scan(self, state: _FileState, facts: datafile.DataFacts | None) -> RecordScan | None:
        """Read every record when the file's format names per-record agents."""
        from provenance.reading import profiles, readers

        fmt = datafile.format_of(state.relpath)
        if fmt is None or (fmt == "parquet" and not _has_pyarrow()):
            return None  # without the optional extra, datafile has already left a note
        keys = self.config.record_keys or readers.DEFAULT_RECORD_KEYS
        path = self.config.root / state.relpath
        try:
            document = facts.document if facts is not None else None
            records = readers.read_data(path, fmt, document=document, record_keys=keys)
            first = next(records, None)  # the profile is chosen by the first record
            mapping = self.config.record_mapping(state.relpath)
            profile = profiles.choose(mapping, first[0] if first is not None else None)
            if first is None or profile is None or not profile.has_agents:
                return None
            from provenance.checks.per_record import scan

            judge = self.judge_for(state.relpath)
            if fmt == "jsonl":
                in_parts = self._scan_in_parts(path, profile, judge)
                if in_parts is not None:
                    return in_parts
            return scan(itertools.chain((first,), records), profile, judge)
        except readers.ReadError as exc:
            self._add(state.findings, state.relpath, rules.UNREADABLE, exc.line, exc.message,
                      state.relpath)
        except profiles.ProfileError as exc:
            raise ConfigError(f"{self.config.source}: {exc}") from None
        return None

    @staticmethod
    def _scan_in_parts(path: Path, profile: Any, judge: Judge) -> RecordScan | None:
        """A large JSONL file scanned by one process per core (``parallel_scan``); None when it
        is too small, or when processes cannot be started here (then one pass does it)."""
        from provenance.speed import parallel_scan

        parts = parallel_scan.parts_for(_size(path))
        if parts < 2:
            return None
        try:
            ranges = parallel_scan.split(path, parts)
        except OSError:
            return None
        return parallel_scan.scan_parts(path, ranges, profile, judge)

    def _record(self, claim: Claim, relpath: str, findings: list[Finding],
                scan: RecordScan | None) -> Record | None:
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
        if "digest" not in raw:
            self._add(findings, claim.source, rules.DIGEST, claim.line_of(()),
                      f"no digest binds '{relpath}' (not stamped): run qa-provenance stamp "
                      f"{relpath}", relpath)
            raw = {**raw, "digest": PLACEHOLDER_DIGEST}
        problems = self._schema_problems(raw)
        problems += checks.missing_agent_problems(
            raw,
            records_name_generators=bool(scan and _named(scan.generators.values())),
            records_name_validators=bool(scan and _named(scan.validators.values())),
        )
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

    def _schema_problems(self, raw: dict[str, Any]) -> list[checks.Problem]:
        """Schema problems of a record; a record already found valid (same content, same schema)
        is not validated again, which keeps jsonschema off a run where nothing changed."""
        key = self.digests.record_key(raw)
        if key is not None and self.digests.is_valid(key):
            return checks.placeholder_problems(raw)
        problems = checks.record_problems(raw)
        if key is not None and not problems:
            self.digests.mark_valid(key)
        return problems

    def _record_rules(self, state: _FileState, facts: datafile.DataFacts) -> None:
        assert state.claim is not None and state.record is not None
        record, claim, scan = state.record, state.claim, state.scan
        judge = self.judge_for(state.relpath)
        problems = checks.content_problems(record, facts) if facts.problem is None else []
        problems += checks.identity_problems(record, judge)
        record_generators = tuple(scan.generators.values()) if scan else ()
        problems += checks.training_problems(record, record_generators, judge)
        if scan is not None:
            found = tuple(scan.generators.values()), tuple(scan.validators.values())
            problems += checks.contradiction_problems(record, *found, judge)
            problems += checks.cross_problems(record, *found, judge)
        if self.config.require_verification.matches(state.relpath) and facts.problem is None:
            from datetime import datetime, timezone

            problems += checks.verification_problems(
                record, facts.content_sha256, self.config.verification_max_age_days,
                datetime.now(timezone.utc))
        for problem in problems:
            self._add(state.findings, claim.source, problem.rule, claim.line_of(problem.field),
                      problem.message, state.relpath)
        self._external_references(state)

    def _external_references(self, state: _FileState) -> None:
        """A ``derived_from`` that leaves the repository is an external reference: never opened,
        and the lineage graph cannot follow it, which the run says in a note."""
        from provenance.lineage.build import leaves_root

        assert state.claim is not None and state.record is not None
        base_dir = posixpath.dirname(state.claim.source)
        for ref in state.record.derived_from:
            if leaves_root(self.config.root, base_dir, ref):
                state.notices += (f"derived_from '{ref}' in {state.claim.source} lies outside "
                                  "the repository: an external reference, not read or "
                                  "followed",)

    def _trust(self, state: _FileState, facts: datafile.DataFacts) -> None:
        """The trust level (computed, never read from the record), and the configured minimum."""
        from provenance.trust import levels as trust

        assert state.claim is not None and state.record is not None
        if self._trust_context is None:
            self._trust_context = trust.TrustContext.from_config(
                self.config.root, self.config.attestations, self.all_files)
        attestations, problems = self._trust_context.attestations_for(state.relpath)
        state.notices += tuple(problems)
        generators = (*state.record.generators,
                      *(state.scan.generators.values() if state.scan else ()))
        digests = {facts.content_sha256, facts.sha256} if facts.problem is None else set()
        assessment = trust.assess(state.record.raw, digests, generators, attestations,
                                  self._trust_context.policy, self.judge_for(state.relpath))
        state.trust = assessment.level
        minimum = self.config.trust_minimum(state.relpath)
        if minimum is None or facts.problem is not None \
                or trust.rank(assessment.level) >= trust.rank(minimum.minimum):
            return
        self._add(state.findings, state.claim.source, rules.TRUST_BELOW_MINIMUM,
                  state.claim.line_of(()),
                  f"trust level {assessment.level}, below the minimum {minimum.minimum} "
                  f"required for '{minimum.pattern}': " + "; ".join(assessment.missing),
                  state.relpath)

    def _record_offences(self, state: _FileState) -> None:
        """Per-record findings, one line per kind of offence, located at its first record."""
        scan = state.scan
        if scan is None:
            return
        validated = state.record is not None and bool(state.record.validators)
        for offence in scan.offences.values():
            if validated and offence.rule is rules.SELF_ANSWERED:
                continue  # the file-level validator checks what the records' generators wrote
            where = ", ".join(offence.locations)
            more = ", ..." if offence.count > len(offence.locations) else ""
            self._add(state.findings, state.relpath, offence.rule, offence.first_line,
                      f"{offence.count} of {scan.total} records: {offence.message} "
                      f"(records {where}{more})", state.relpath)
        share = self.config.generator_share(state.relpath)
        if share is not None and scan.generator_counts:
            name, count = scan.generator_counts.most_common(1)[0]
            total = scan.with_generators
            if count / total > share:
                self._add(state.findings, state.relpath, rules.GENERATOR_SHARE, None,
                          f"generator '{name}' produced {count} of {total} records "
                          f"({count / total:.0%}), more than max-generator-share "
                          f"{share:.0%}", state.relpath)

    def _remember(self, state: _FileState) -> None:
        """Keep what the folder-share rule and the lineage graph need, not the records."""
        record, scan = state.record, state.scan
        folder = posixpath.dirname(state.relpath)
        if scan is not None and scan.generator_counts:
            for name, count in scan.generator_counts.items():
                self._share_by_folder[folder][self._share_name(name)] += count
        elif record is not None and record.generators and record.records:
            # A declared count is any integer (10**400 is valid JSON): past 2**53 no file holds
            # that many records, and the share arithmetic is in floats.
            declared = min(record.records, MAX_DECLARED_RECORDS)
            for agent in record.generators:
                self._share_by_folder[folder][self._share_name(agent.id)] += \
                    declared / len(record.generators)
        if state.claim is None:
            return
        facts = DatasetFacts(state.relpath, state.claim.source)
        if record is not None:
            facts.generators.extend(record.generators)
            facts.validators.extend(record.validators)
            facts.trains.extend(record.trains)
            facts.derived_from.extend(record.derived_from)
        if scan is not None:
            facts.generators.extend(scan.generators.values())
            facts.validators.extend(scan.validators.values())
        self._lineage_inputs[state.relpath] = facts

    def _share_name(self, name: str) -> str:
        """One name per generator across a folder's files, whatever each file's spelling."""
        from provenance.identity.spelling import canonical_model_id

        return self._share_names.setdefault(canonical_model_id(name) or name, name)

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

    # across files ---------------------------------------------------------------------------
    def _folder_shares(self, out: list[Finding]) -> None:
        for folder, counts in sorted(self._share_by_folder.items()):
            shown = folder or "."
            share = self.config.generator_share(posixpath.join(folder, "x") if folder else "x")
            total = sum(counts.values())
            if share is None or not total or len(self._files_in(folder)) < 2:
                continue
            name, count = max(counts.items(), key=lambda item: item[1])
            if count / total > share:
                self._add(out, shown, rules.GENERATOR_SHARE, None,
                          f"generator '{name}' produced {count:.0f} of {total:.0f} records in this "
                          f"folder ({count / total:.0%}), more than max-generator-share "
                          f"{share:.0%}", posixpath.join(folder, "x") if folder else "x")

    def _files_in(self, folder: str) -> list[str]:
        return [p for p in self._lineage_inputs if posixpath.dirname(p) == folder]

    def changed_since(self, ref: str) -> list[str]:
        """The data files changed since ``ref`` (directly or through their provenance), plus the
        datasets their lineage reaches."""
        from provenance.lineage.changed import changed_files, lineage_closure

        touched = select(self.config, self.locator, changed_files(self.config.root, ref)).data
        reached = lineage_closure(self.lineage_graph(), touched)
        return sorted(set(touched) | {p for p in reached if _repository_file(self.config.root, p)})

    def lineage_graph(self) -> LineageGraph:
        """The graph of every dataset checked in this run, every other record in the repository,
        and the registry's models."""
        from provenance.lineage.build import build_graph

        inputs = dict(self._collect_other_records(set(self._lineage_inputs)))
        inputs.update(self._lineage_inputs)
        self._all_inputs = inputs
        return build_graph(self.config.root, inputs.values(), self.registry())

    def _lineage(self, out: list[Finding], checked: set[str], *, full: bool) -> None:
        graph = self.lineage_graph()
        inputs = self._all_inputs
        for loop in graph.loops():
            if not loop.through_data:
                continue  # the per-file rules already report it
            dataset = graph.labels.get(loop.dataset, loop.dataset)
            touched = {graph.labels.get(e.src) for e in loop.edges} | {dataset}
            if not full and not touched & checked:
                continue
            facts = inputs.get(dataset)
            where = facts.source if facts else dataset
            self._add(out, where, rules.LINEAGE_LOOP, None,
                      f"lineage loop: {graph.describe(loop)}", dataset)

    def _collect_other_records(self, checked: set[str]) -> Iterable[tuple[str, DatasetFacts]]:
        """File-level records of datasets not checked in this run (sidecars and manifests)."""
        for relpath in self.all_files():
            data = data_path_of_sidecar(relpath)
            targets: list[str] = []
            if data is not None and data not in checked:
                targets = [data]
            elif is_manifest(relpath):
                manifest = self.locator.manifest(posixpath.dirname(relpath))
                if manifest is not None and manifest.error is None:
                    targets = [t for t in _manifest_subjects(manifest) if t not in checked]
            for target in targets:
                claims = self.locator.claims(target)
                if not claims:
                    continue
                claim = max(claims, key=lambda c: c.level)
                if isinstance(claim.record, dict):
                    try:
                        record = Record.from_mapping(claim.record)
                    except (KeyError, TypeError, ValueError):
                        continue
                    yield target, DatasetFacts(target, claim.source, list(record.generators),
                                               list(record.validators), list(record.trains),
                                               list(record.derived_from))

    # shared ---------------------------------------------------------------------------------
    def registry(self) -> Registry:
        """Built-in models, the configuration's ``models:``, and the repository's model cards."""
        if self._registry is None:
            from provenance.identity.model_cards import load_cards
            from provenance.identity.registry import Registry, entries_from_config

            cards = load_cards(self.config.root,
                               (p for p in self.all_files() if p.endswith("README.md")))
            try:
                configured = entries_from_config(list(self.config.models),
                                                 self.config.source or "configuration")
                # Two entries claiming one alias (two model cards, or a card and the
                # configuration) cannot both be right: a configuration problem, not a crash.
                self._registry = Registry.builtin().extended([*configured, *cards])
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        return self._registry

    def all_files(self) -> list[str]:
        """Every file under the root, walked once per run."""
        if self._files is None:
            self._files = list(walk(self.config.root))
        return self._files

    def judge_for(self, relpath: str) -> Judge:
        from provenance.identity.independence import Judge, Policy

        policy = self.config.policy(relpath)
        if policy not in self._judges:
            self._judges[policy] = Judge(self.registry(), Policy(policy))
        return self._judges[policy]

    def _add(self, out: list[Finding], path: str, rule: Rule, line: int | None, message: str,
             governed_by: str) -> None:
        severity = self.config.severity(rule, governed_by)
        if severity is not Severity.OFF:
            out.append(Finding(path, rule, message, severity, line))


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _has_pyarrow() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _repository_file(root: Path, name: str) -> bool:
    """Whether a dataset of the lineage graph is a file of this repository, not an external
    reference (a URI, an absolute path, a path out of the root), which is never opened."""
    from provenance.lineage.build import is_absolute_path, leaves_root

    if "://" in name or is_absolute_path(name) or leaves_root(root, "", name):
        return False
    return (root / name).is_file()


def _named(agents: Iterable[Agent]) -> bool:
    """Whether any agent has an identity ("human" alone, as LlamaIndex writes it, has none)."""
    return any(agent.id.strip() for agent in agents)


def _manifest_subjects(manifest: Any) -> list[str]:
    out = []
    for _index, _globs, entry in manifest.entries:
        for key in entry.get("subjects") or {}:
            out.append(posixpath.join(manifest.directory, key) if manifest.directory else key)
    return out


def shard_of(relpath: str, shards: int) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(relpath.encode("utf-8")).digest()[:8], "big") % shards
