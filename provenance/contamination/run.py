"""Finding contamination in a repository: the I/O around the pure matchers.

For each training set that meets evaluation sets (``pairs``), the evaluation sets' fingerprints
are loaded (from the cache when their digest is known) and the training set is read once, record
by record, against all of them. What a training set was found to hold is cached by the digests
of both sides and the settings, so a commit that changes one training file scans only that file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.config import Config
from provenance.contamination import prefilter
from provenance.contamination.fingerprints import (
    EvalItem,
    Fingerprints,
    Settings,
    build,
    from_plain,
    item_of,
    to_plain,
)
from provenance.contamination.match import Match, matches
from provenance.contamination.pairs import Pair, pairs
from provenance.contamination.prefilter import Prefilter
from provenance.contamination.scan import scan_jsonl
from provenance.lineage.graph import LineageGraph
from provenance.reading import datafile, profiles, readers
from provenance.reading.profiles import Profile, extract
from provenance.speed.digest_cache import write_cache

VERSION = 1


@dataclass(frozen=True)
class Hit:
    pair: Pair
    item: EvalItem
    location: str  # of the training record
    line: int | None
    kind: str
    overlap: str


class Scanner:
    """``digest_of(relpath)``: the file's sha256, or None when it cannot be read (from the run's
    digest cache); ``cache``: the folder for fingerprints and scan results, or None."""

    def __init__(self, config: Config, digest_of: Callable[[str], str | None],
                 cache: Path | None) -> None:
        self.config = config
        self.settings = Settings.from_config(config.contamination)
        self.shown = int(config.contamination.get("max-records-shown", 20))
        self.digest_of = digest_of
        self.cache = cache
        self.notes: list[str] = []

    def scan(self, graph: LineageGraph, checked: set[str], *, full: bool, sharded: bool
             ) -> list[Hit]:
        """The pairs a run compares: all of them in a full run; else those whose training file
        it checked, or (unless sharded, where a training file's own shard compares it, so no
        pair is read twice) whose evaluation set it checked."""
        return self.hits([p for p in pairs(graph) if full or p.training in checked
                          or (not sharded and p.evaluation in checked)])

    def hits(self, chosen: Iterable[Pair]) -> list[Hit]:
        by_training: dict[str, list[Pair]] = {}
        for pair in chosen:
            by_training.setdefault(pair.training, []).append(pair)
        out: list[Hit] = []
        for training, its_pairs in sorted(by_training.items()):
            out += self._training_hits(training, its_pairs)
        return out

    def _training_hits(self, training: str, its_pairs: list[Pair]) -> list[Hit]:
        evaluations = sorted({pair.evaluation for pair in its_pairs})
        digests = {path: self.digest_of(path) for path in [training, *evaluations]}
        if any(digest is None for digest in digests.values()):
            return []  # an unreadable file: its own finding (QP020) says so
        key = _key(self.settings, digests)
        rows = self._cached(f"scan-{key}.json")
        if rows is None:
            items = [item for path in evaluations for item in self._items(path, digests[path])]
            rows = list(self._scan(training, build(items, self.settings)))
            self._store(f"scan-{key}.json", rows)
        first = {pair.evaluation: pair for pair in its_pairs}
        return [Hit(first[row[0]], EvalItem(row[0], row[1], row[2], [], []), row[3], row[4],
                    row[5], row[6]) for row in rows if row[0] in first]

    def _items(self, path: str, digest: str | None) -> list[EvalItem]:
        name = f"eval-{_key(self.settings, {path: digest})}.json"
        rows = self._cached(name)
        if rows is not None:
            return from_plain(path, rows)
        items = [item_of(path, location, line, question, answer)
                 for location, line, question, answer in self._records(path)]
        self._store(name, to_plain(items))
        return items

    def _scan(self, training: str, prints: Fingerprints) -> Iterator[list[Any]]:
        for location, line, found in self._records(training).matched(prints):
            for match in found:
                item = prints.items[match.item]
                yield [item.source, item.location, item.line, location, line, match.kind,
                       match.overlap]

    def _records(self, relpath: str) -> Records:
        """(location, line, question, answer) of each record, by the file's profile."""
        return Records(self, relpath)

    def _cached(self, name: str) -> list[list[Any]] | None:
        if self.cache is None:
            return None
        try:
            document = json.loads((self.cache / name).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(document, dict) or document.get("version") != VERSION:
            return None
        rows = document.get("rows")
        return rows if isinstance(rows, list) else None

    def _store(self, name: str, rows: list[list[Any]]) -> None:
        if self.cache is None:
            return

        write_cache(self.cache / name, json.dumps({"version": VERSION, "rows": rows}))


class Records:
    """A data file's records as the matchers see them: iterated one by one, or ``matched``
    against fingerprints, where a JSONL file is scanned in batches behind the pre-test."""

    def __init__(self, scanner: Scanner, relpath: str) -> None:
        self.scanner = scanner
        self.relpath = relpath
        self.path = scanner.config.root / relpath
        self.format = datafile.format_of(relpath)

    def __iter__(self) -> Iterator[tuple[str, int | None, str, str]]:
        try:
            chosen = self._first()
            if chosen is None:
                return
            first, records, profile = chosen
            for data, where in itertools.chain((first,), records):
                question = readers.text_of(extract(data, profile.question))
                answer = readers.text_of(extract(data, profile.answer))
                if isinstance(where, int):
                    yield f"line {where}", where, question, answer
                else:
                    yield where.location, where.line, question, answer
        except (readers.ReadError, profiles.ProfileError):
            return  # the file's own check reports why it cannot be read

    def matched(self, prints: Fingerprints
                ) -> Iterator[tuple[str, int | None, list[Match]]]:
        """(location, line, matches) of each record that matches something, in file order."""
        if self.format == "jsonl":
            try:
                chosen = self._first()
            except (readers.ReadError, profiles.ProfileError):
                return
            if chosen is None:
                return
            from provenance.contamination import parallel

            parts = parallel.scan_parts(self.path, chosen[2], prints)
            rows: Iterable[tuple[int, list[Match]]] = scan_jsonl(
                self.path, chosen[2], prints, prefilter_of(prints)) if parts is None else parts
            for number, hits in rows:
                yield f"line {number}", number, hits
            return
        for location, line, question, answer in self:
            found = matches(prints, question, answer)
            if found:
                yield location, line, found

    def _first(self) -> tuple[Any, Iterator[tuple[Any, Any]], Profile] | None:
        """The first record, the rest, and the profile chosen by the first; None (with a note
        when there is no question to compare) when there is nothing to compare."""
        if self.format is None:
            return None
        config = self.scanner.config
        keys = config.record_keys or readers.DEFAULT_RECORD_KEYS
        records = readers.read_data(self.path, self.format, record_keys=keys)
        first = next(records, None)
        if first is None:
            return None
        profile = profiles.choose(config.record_mapping(self.relpath), first[0])
        if profile is None or profile.question is None:
            self.scanner.notes.append(f"{self.relpath}: no question field found, not compared "
                                      "for contamination (map it under `records:`)")
            return None
        return first, records, profile


def prefilter_of(prints: Fingerprints) -> Prefilter:
    """The pre-test of a set of fingerprints, built once."""
    if prints.prefilter is None:
        prints.prefilter = prefilter.build(prints)
    built: Prefilter = prints.prefilter
    return built


def _key(settings: Settings, digests: dict[str, str | None]) -> str:
    text = json.dumps([VERSION, settings.__dict__, sorted(digests.items())])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]
