"""The repository's provenance files, parsed once and remembered by their stamps.

Every check that touches one dataset still builds the lineage graph of all of them, which means
reading every sidecar and manifest: about a millisecond of YAML each, seconds for ten thousand.
What a provenance file says is remembered here by the same stamps the digest cache trusts
(device, inode, size, modification and change times, not racily clean), so an unchanged file is
never parsed twice. Only the parsed values are kept (as JSON), never line numbers: the index
serves the lineage graph, not the findings that point into a file.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provenance.reading.documents import LoadError, load_file
from provenance.record import Record
from provenance.speed.digest_cache import _key, dumps, read_cache, trusted, write_cache

VERSION = 2


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


class RecordIndex:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.parsed = 0  # files read this run (the rest came from the index)
        self._entries: dict[str, Any] = {}
        self._dirty = False
        self._entries = dict(read_cache(path, VERSION).get("files") or {})

    def data(self, root: Path, relpath: str) -> Any:
        """The file's parsed content; None when it cannot be read or parsed."""
        return self._lookup(root, relpath, "data", _plain)

    def facts(self, root: Path, relpath: str) -> Any:
        """A sidecar's record reduced to what the lineage graph reads (``compact``), or None."""
        return self._lookup(root, relpath, "facts", compact)

    def remember(self, root: Path, relpath: str, data: Any, *, sidecar: bool) -> None:
        """What a run has already parsed (with line numbers, for its own findings), so the next
        run that needs only the values finds them here."""
        if relpath in self._entries:
            return
        try:
            stat = os.stat(os.path.join(root, relpath))
            value = compact(data) if sidecar else _plain(data)
        except (OSError, ValueError, TypeError):
            return
        self._entries[relpath] = {"key": _key(stat), "made": time.time(),
                                  "facts" if sidecar else "data": value}
        self._dirty = True

    def _lookup(self, root: Path, relpath: str, kind: str, make: Callable[[Any], Any]) -> Any:
        path = os.path.join(root, relpath)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        entry = self._entries.get(relpath)
        if entry is not None and kind in entry and trusted(entry, stat):
            return entry[kind]
        self.parsed += 1
        try:
            value = make(_load(Path(path)).data)
        except (LoadError, OSError, ValueError, TypeError):
            value = None
        self._entries[relpath] = {"key": _key(stat), "made": time.time(), kind: value}
        self._dirty = True
        return value

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        write_cache(self.path, dumps({"version": VERSION, "files": self._entries}))


def _load(path: Path) -> Any:
    """A sidecar within the provenance-bytes limit, a manifest within manifest-bytes."""
    from provenance.reading import limits

    if path.name == "provenance.yaml":
        return load_file(path, max_bytes=limits.current().manifest_bytes,
                         setting="manifest-bytes")
    return load_file(path)
