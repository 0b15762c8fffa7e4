"""The repository's provenance files, parsed once and remembered by their stamps.

Every check that touches one dataset still builds the lineage graph of all of them, which means
reading every sidecar and manifest: about a millisecond of YAML each, seconds for ten thousand.
What a provenance file says is remembered here by the same stamps the digest cache trusts
(device, inode, size, modification and change times, not racily clean), so an unchanged file is
never parsed twice. Only the parsed values are kept (as JSON), never line numbers: the index
serves the lineage graph, not the findings that point into a file.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

from provenance.reading.documents import LoadError, load_file
from provenance.speed.digest_cache import RACY_SECONDS, _key, write_cache

VERSION = 1


class RecordIndex:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.parsed = 0  # files read this run (the rest came from the index)
        self._entries: dict[str, Any] = {}
        self._dirty = False
        if path is not None and path.is_file():
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(path.read_text("utf-8"))
                if isinstance(data, dict) and data.get("version") == VERSION:
                    self._entries = dict(data.get("files") or {})

    def data(self, root: Path, relpath: str) -> Any:
        """The file's parsed content; None when it cannot be read or parsed."""
        path = root / relpath
        try:
            stat = path.stat()
        except OSError:
            return None
        key = _key(stat)
        entry = self._entries.get(relpath)
        if entry is not None and entry.get("key") == key \
                and entry.get("made", 0) - stat.st_mtime_ns / 1e9 > RACY_SECONDS \
                and entry.get("made", 0) - stat.st_ctime_ns / 1e9 > RACY_SECONDS:
            return entry.get("data")
        self.parsed += 1
        try:
            data = json.loads(json.dumps(load_file(path).data, default=str))
        except (LoadError, OSError, ValueError):
            data = None
        self._entries[relpath] = {"key": key, "made": time.time(), "data": data}
        self._dirty = True
        return data

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        write_cache(self.path, json.dumps({"version": VERSION, "files": self._entries}))
