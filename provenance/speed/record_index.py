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
import time
from pathlib import Path
from typing import Any

from provenance.reading.documents import LoadError, load_file
from provenance.speed.digest_cache import _key, read_cache, trusted, write_cache

VERSION = 1


class RecordIndex:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.parsed = 0  # files read this run (the rest came from the index)
        self._entries: dict[str, Any] = {}
        self._dirty = False
        self._entries = dict(read_cache(path, VERSION).get("files") or {})

    def data(self, root: Path, relpath: str) -> Any:
        """The file's parsed content; None when it cannot be read or parsed."""
        path = root / relpath
        try:
            stat = path.stat()
        except OSError:
            return None
        entry = self._entries.get(relpath)
        if entry is not None and trusted(entry, stat):
            return entry.get("data")
        self.parsed += 1
        try:
            data = json.loads(json.dumps(load_file(path).data, default=str))
        except (LoadError, OSError, ValueError):
            data = None
        self._entries[relpath] = {"key": _key(stat), "made": time.time(), "data": data}
        self._dirty = True
        return data

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        write_cache(self.path, json.dumps({"version": VERSION, "files": self._entries}))
