"""The repository's provenance files, parsed once and remembered by their stamps.

Every check that touches one dataset still builds the lineage graph of all of them, which means
reading every sidecar and manifest: about a millisecond of YAML each, seconds for ten thousand.
What a provenance file says is remembered here by the same stamps the digest cache trusts
(device, inode, size, modification and change times, not racily clean), so an unchanged file is
never parsed twice. Only the parsed values are kept (as JSON), never line numbers: the index
serves the lineage graph, not the findings that point into a file.

A hook run reads the whole index and stats every sidecar, so both are kept lean: each file is one
flat list (its stamps, when the entry was made, what it says), and a sidecar's reduced record
(``compact``) is stored once in a table that every sidecar saying the same thing points into; a
repository's ten thousand sidecars say a few hundred different things. The lineage graph builds
each distinct record's edges once (``lineage.inputs``). A sidecar that is a symlink is read only
when it resolves to a regular file inside the repository (``fs.confine``), and one that is not a
regular file (a pipe) is never opened.
"""

from __future__ import annotations

import json
import os
import stat as stat_mode
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from provenance import __version__
from provenance.reading.documents import LoadError, load_file
from provenance.record import Record
from provenance.speed.digest_cache import RACY_SECONDS, dumps, read_cache, write_cache

VERSION = 3  # 3: flat entries, and a sidecar's facts in a shared table
FACTS, DATA = 0, 1  # what an entry holds: a slot of the facts table, or a parsed document
_STAMPS = 5  # entry[:5] are the stamps, entry[5] when it was made, entry[6] kind, entry[7] value


def _plain(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def compact(data: Any) -> list[Any] | None:
    """A record as the lineage graph reads it: agents as [type, id], the models it trains and
    evaluates, where it was derived from, and whether it is held out."""
    if not isinstance(data, dict):
        return None
    try:
        record = Record.from_mapping(data)
    except (KeyError, TypeError, ValueError):
        return None
    return [[[a.type, a.id] for a in record.generators],
            [[a.type, a.id] for a in record.validators],
            list(record.trains), list(record.derived_from), list(record.evaluates),
            record.held_out]


def _stamps(stat: os.stat_result) -> list[Any]:
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def _trusted(entry: Any, stat: os.stat_result, kind: int) -> bool:
    """Same stamps as when the entry was made, not racily clean (``digest_cache.trusted``).
    An entry of another shape (a damaged or planted cache) is not trusted, never a crash."""
    try:
        return len(entry) == 8 and entry[6] == kind and entry[3] == stat.st_mtime_ns \
            and entry[4] == stat.st_ctime_ns and entry[1] == stat.st_ino \
            and entry[2] == stat.st_size and entry[0] == stat.st_dev \
            and entry[5] - max(stat.st_mtime_ns, stat.st_ctime_ns) / 1e9 > RACY_SECONDS
    except (TypeError, KeyError):
        return False


def _is_agents(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(a, list) and len(a) == 2 and all(isinstance(x, str) for x in a) for a in value)


def _is_names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _is_facts(value: Any) -> bool:
    """A compact record as ``compact`` makes it (the table is checked whole when read: it holds
    one entry per distinct record, a few hundred at most in practice)."""
    return isinstance(value, list) and len(value) == 6 and _is_agents(value[0]) \
        and _is_agents(value[1]) and all(_is_names(v) for v in value[2:5]) \
        and isinstance(value[5], bool)


class RecordIndex:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.parsed = 0  # files read this run (the rest came from the index)
        self._dirty = False
        document = read_cache(path, VERSION)
        table, entries = document.get("facts"), document.get("files")
        if document.get("tool") != __version__ or not isinstance(table, list) \
                or not isinstance(entries, dict) or not all(_is_facts(f) for f in table):
            table, entries = [], {}
        self.table: list[Any] = table  # the distinct compact records; slots never move in a run
        self._entries: dict[str, list[Any]] = entries
        self._slots: dict[str, int] | None = None  # a compact record's JSON -> its slot

    # reading --------------------------------------------------------------------------------
    def data(self, root: Path, relpath: str) -> Any:
        """The file's parsed content; None when it cannot be read or parsed."""
        found = self._lookup(root, relpath, DATA, _plain)
        return None if found is _REFUSED else found

    def facts(self, root: Path, relpath: str) -> Any:
        """A sidecar's record reduced to what the lineage graph reads (``compact``), or None."""
        slot = self.slot(root, relpath)
        return None if slot is None else self.table[slot]

    def slot(self, root: Path, relpath: str) -> int | None:
        """Where in ``table`` the sidecar's compact record is; None when it has none."""
        found = self._lookup(root, relpath, FACTS, self._slot_of)
        return None if found is _REFUSED else found

    def slots(self, root: Path, relpaths: Iterable[str]) -> Iterator[tuple[str, int]]:
        """``(sidecar, slot)`` of each sidecar that holds a usable record, in the given order:
        the lineage graph's inner loop, one ``lstat`` per unchanged file."""
        base = os.path.join(str(root), "")
        entries, slots = self._entries, len(self.table)
        for relpath in relpaths:
            entry = entries.get(relpath)
            if entry is not None:
                try:
                    stat = os.lstat(base + relpath)
                except (OSError, ValueError):
                    continue
                if _trusted(entry, stat, FACTS):
                    slot = entry[7]
                    if slot is None:
                        continue
                    if type(slot) is int and 0 <= slot < slots:
                        yield relpath, slot
                        continue
            slot = self.slot(root, relpath)
            if slot is not None:
                yield relpath, slot

    # remembering ----------------------------------------------------------------------------
    def remember(self, root: Path, relpath: str, data: Any, *, sidecar: bool) -> None:
        """What a run has already parsed (with line numbers, for its own findings), so the next
        run that needs only the values finds them here. Not while the file is racily new (it
        would not be trusted) nor when the index already holds it."""
        stat = _readable(root, relpath)
        kind = FACTS if sidecar else DATA
        entry = self._entries.get(relpath)
        if stat is None or (entry is not None and _trusted(entry, stat, kind)):
            return
        now = time.time()
        if now - max(stat.st_mtime_ns, stat.st_ctime_ns) / 1e9 <= RACY_SECONDS:
            return
        try:
            value = self._slot_of(data) if sidecar else _plain(data)
        except (ValueError, TypeError):
            return
        self._entries[relpath] = [*_stamps(stat), now, kind, value]
        self._dirty = True

    def _lookup(self, root: Path, relpath: str, kind: int, make: Callable[[Any], Any]) -> Any:
        stat = _readable(root, relpath)
        if stat is None:
            return _REFUSED
        entry = self._entries.get(relpath)
        if entry is not None and _trusted(entry, stat, kind) \
                and (kind == DATA or self._usable(entry[7])):
            return entry[7]
        self.parsed += 1
        made = time.time()
        try:
            value = make(_load(root / relpath).data)
        except (LoadError, OSError, ValueError, TypeError):
            value = None
        self._entries[relpath] = [*_stamps(stat), made, kind, value]
        self._dirty = True
        return value

    def _usable(self, slot: Any) -> bool:
        return slot is None or (type(slot) is int and 0 <= slot < len(self.table))

    def _slot_of(self, data: Any) -> int | None:
        facts = compact(data)
        if facts is None:
            return None
        if self._slots is None:
            self._slots = {json.dumps(f): slot for slot, f in enumerate(self.table)}
        text = json.dumps(facts)
        slot = self._slots.get(text)
        if slot is None:
            slot = self._slots[text] = len(self.table)
            self.table.append(json.loads(text))  # as it reads back from the file
        return slot

    def save(self, listed: Iterable[str] | None = None) -> None:
        """Write the index when this run added to it; ``listed`` (every file of the repository)
        drops the entries of files that are gone. Only the records still pointed at are kept."""
        if self.path is None:
            return
        if listed is not None:
            present = set(listed)
            gone = [relpath for relpath in self._entries if relpath not in present]
            for relpath in gone:
                del self._entries[relpath]
            self._dirty = self._dirty or bool(gone)
        if not self._dirty:
            return
        used = sorted({e[7] for e in self._entries.values()
                       if _kind(e) == FACTS and self._usable(e[7]) and e[7] is not None})
        moved = {old: new for new, old in enumerate(used)}
        files = {relpath: e if _kind(e) == DATA or e[7] is None else [*e[:7], moved[e[7]]]
                 for relpath, e in self._entries.items()
                 if _kind(e) == DATA or (_kind(e) == FACTS and self._usable(e[7]))}
        write_cache(self.path, dumps({"version": VERSION, "tool": __version__,
                                      "facts": [self.table[slot] for slot in used],
                                      "files": files}))


def _kind(entry: Any) -> int | None:
    """What a well-shaped entry holds; None for one of another shape (dropped when saving)."""
    if isinstance(entry, list) and len(entry) == 8 and entry[6] in (FACTS, DATA):
        return int(entry[6])
    return None


_REFUSED = object()  # a file that is not there, or must not be read


def _readable(root: Path, relpath: str) -> os.stat_result | None:
    """The stamps of a provenance file that may be read: a regular file, or a symlink that
    resolves to one inside the repository (then its target's stamps); None otherwise."""
    path = os.path.join(root, relpath)
    try:
        stat = os.lstat(path)
        if stat_mode.S_ISLNK(stat.st_mode):
            from provenance.fs import confine

            if confine.problem(root, Path(path)) is not None:
                return None
            stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return stat if stat_mode.S_ISREG(stat.st_mode) else None


def _load(path: Path) -> Any:
    """A sidecar within the provenance-bytes limit, a manifest within manifest-bytes."""
    from provenance.reading import limits

    if path.name == "provenance.yaml":
        return load_file(path, max_bytes=limits.current().manifest_bytes,
                         setting="manifest-bytes")
    return load_file(path)
