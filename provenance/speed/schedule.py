"""Where each data file is read, and whether it must be read at all: the speed policy of a run.

A file's facts (digest, record count) come from the digest cache when its stamp is unchanged; a
large file is read ahead on a background thread while earlier files' rules run, a very large
JSONL or CSV file in a worker process, and a very large JSONL file's records are scanned by one
process per core. The checker asks for a file's facts and records' scan and gets the same answer
whichever way they were found.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance import rules
from provenance.checks import record_rules
from provenance.checks.problem import Problem
from provenance.config import Config, ConfigError
from provenance.fs import confine
from provenance.fs.cache_dir import cache_dir
from provenance.reading import compressed, datafile
from provenance.speed.digest_cache import DigestCache, location

if TYPE_CHECKING:
    from provenance.checks.per_record import RecordScan
    from provenance.diversity.accumulator import Diversity
    from provenance.identity.independence import Judge
    from provenance.reading.profiles import Profile
    from provenance.speed.inspect_workers import InspectWorkers
    from provenance.speed.read_ahead import ReadAhead

# Files smaller than this are read in turn on the main thread: for them a thread hand-over costs
# more than it saves.
READ_AHEAD_MIN_BYTES = 1 << 20
# JSONL/CSV files from this size are read in worker processes (``inspect_workers``), which take
# ~0.1 s to start.
WORKER_MIN_BYTES = 16 << 20

Scanned = tuple[datafile.DataFacts, "RecordScan | None", list[Problem]]


class Schedule:
    def __init__(self, config: Config, judge_for: Callable[[str], Judge]) -> None:
        self.config = config
        self.root = config.root
        self.judge_for = judge_for
        self.digests = DigestCache(location(config.root, config.digest_cache))
        # What the slower rules across files keep (contamination fingerprints and scans).
        self.cache_folder = None if config.digest_cache is False else \
            cache_dir(config.root) / "contamination"
        self._reader: ReadAhead[datafile.DataFacts] | None = None
        self._ahead: set[str] = set()
        self._inspectors: InspectWorkers | None = None
        # Source diversity, gathered in the record pass only when asked for (``stats``, or a
        # diversity threshold in the configuration): relpath -> its accumulator.
        self.collect_diversity = config.diversity_enabled
        self.diversity: dict[str, Diversity] = {}

    @contextmanager
    def reading(self, relpaths: list[str]) -> Iterator[None]:
        """While open, the large files among ``relpaths`` are read ahead, in this order."""
        from provenance.speed.inspect_workers import InspectWorkers
        from provenance.speed.read_ahead import ReadAhead, default_workers

        large = [p for p in relpaths if size(self.root / p) >= READ_AHEAD_MIN_BYTES]
        inspectors = self._inspectors = InspectWorkers(default_workers())
        try:
            with ReadAhead(large, self._read) as reader:
                self._reader, self._ahead = reader, set(large)
                yield
        finally:  # the readers have stopped: now the workers may go
            self._reader = self._inspectors = None
            self._ahead = set()
            inspectors.close()

    def digest(self, relpath: str) -> str | None:
        """A data file's content sha256 (from the digest cache when its stamp is unchanged), or
        None when it cannot be read."""
        facts = self._read(relpath)
        return facts.content_sha256 if facts.problem is None else None

    def save(self) -> None:
        self.digests.save()

    def facts_and_scan(self, relpath: str) -> Scanned:
        """The file's facts and its records' scan (with the scan's own problems).

        A JSONL file's records are scanned while a reader thread hashes it, the scan kept only
        if the facts then show a readable file of records (not an LFS pointer, say). Neither
        starts for a file ``confine`` refuses."""
        problems: list[Problem] = []
        if self._reader is None or relpath not in self._ahead:
            facts = self._read(relpath)
        elif datafile.format_of(relpath) == "jsonl" \
                and confine.problem(self.root, self.root / relpath) is None:
            pending = self._reader.claim(relpath)
            scan = self._scan(relpath, None, problems)
            facts = pending.result()
            if _has_records(facts):
                return facts, scan, problems
            self.diversity.pop(relpath, None)
            return facts, None, []
        else:
            facts = self._reader.take(relpath)
        if _has_records(facts):
            return facts, self._scan(relpath, facts, problems), problems
        return facts, None, []

    def schema_problems(self, raw: dict[str, Any]) -> list[Problem]:
        """Schema problems of a record; a record already found valid (same content, same schema)
        is not validated again, which keeps jsonschema off a run where nothing changed."""
        key = self.digests.record_key(raw)
        if key is not None and self.digests.is_valid(key):
            return record_rules.placeholder_problems(raw)
        problems = record_rules.record_problems(raw)
        if key is not None and not problems:
            self.digests.mark_valid(key)
        return problems

    def _read(self, relpath: str) -> datafile.DataFacts:
        path = self.root / relpath
        refused = confine.problem(self.root, path)  # before the cache: nothing is served
        if refused is not None:
            return datafile.DataFacts(problem=refused)
        from provenance.speed.inspect_workers import FORMATS

        read: Callable[[Path], datafile.DataFacts] = datafile.inspect
        if self._inspectors is not None and datafile.format_of(relpath) in FORMATS \
                and size(path) >= WORKER_MIN_BYTES:
            read = self._inspectors.inspect  # a large file: read in a worker process
        return self.digests.inspect(relpath, path, read)

    def _scan(self, relpath: str, facts: datafile.DataFacts | None,
              problems: list[Problem]) -> RecordScan | None:
        """Read every record when the file's format names per-record agents."""
        from provenance.reading import profiles, readers

        fmt = datafile.format_of(relpath)
        if fmt is None or (fmt in ("parquet", "arrow") and not _has_pyarrow()):
            return None  # without the optional extra, datafile has already left a note
        keys = self.config.record_keys or readers.DEFAULT_RECORD_KEYS
        path = self.root / relpath
        try:
            document = facts.document if facts is not None else None
            records = readers.read_data(path, fmt, document=document, record_keys=keys)
            first = next(records, None)  # the profile is chosen by the first record
            mapping = self.config.record_mapping(relpath)
            profile = profiles.choose(mapping, first[0] if first is not None else None)
            collect = self.collect_diversity and profile is not None and bool(profile.question)
            if first is None or profile is None or not (profile.has_agents or collect):
                return None
            from provenance.checks.per_record import scan

            judge = self.judge_for(relpath)
            if fmt == "jsonl" and compressed.kind_of(relpath) is None:  # cut by byte ranges
                in_parts = _scan_in_parts(path, profile, judge, collect)
                if in_parts is not None:
                    found, diversity = in_parts
                    if diversity is not None:
                        self.diversity[relpath] = diversity
                    return found if profile.has_agents else None
            stream: Iterator[tuple[Any, Any]] = itertools.chain((first,), records)
            if collect:
                from provenance.diversity.accumulator import Diversity, Fields, observe

                diversity = self.diversity[relpath] = Diversity(Fields.of(profile))
                stream = observe(stream, diversity)
            found = scan(stream, profile, judge)
            return found if profile.has_agents else None
        except readers.ReadError as exc:
            self.diversity.pop(relpath, None)
            problems.append(Problem(rules.UNREADABLE, exc.message, in_data=True, line=exc.line))
        except profiles.ProfileError as exc:
            raise ConfigError(f"{self.config.source}: {exc}") from None
        return None


def _scan_in_parts(path: Path, profile: Profile, judge: Judge, collect: bool
                   ) -> tuple[RecordScan, Diversity | None] | None:
    """A large JSONL file scanned by one process per core (``parallel_scan``), with its
    diversity when ``collect``; None when it is too small, or when processes cannot be started
    here (then one pass does it)."""
    from provenance.speed import parallel_scan

    parts = parallel_scan.parts_for(size(path))
    if parts < 2:
        return None
    try:
        ranges = parallel_scan.split(path, parts)
    except OSError:
        return None
    return parallel_scan.scan_parts_with(path, ranges, profile, judge, collect)


def _has_records(facts: datafile.DataFacts) -> bool:
    """A readable file of records: not refused, not unreadable, not a Git LFS pointer."""
    return facts.problem is None and facts.lfs_oid is None


def size(path: Path) -> int:
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
