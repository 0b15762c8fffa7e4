"""A content-addressed cache of what reading a data file found, that cannot serve a changed file.

Keyed the way git's index is: by the file's (device, inode, size, mtime_ns, ctime_ns). Any write
to a file changes its ctime, which no user tool can set back, so a changed file never matches its
old key. As in git, an entry is not trusted when the file was modified too close to the moment the
entry was made ("racily clean"): a write in the same clock tick could keep the same stamps.
The cache lives in the git directory's ``qa-provenance/`` folder, or the user's cache folder outside
a checkout (``provenance.fs.cache_dir``): never where it could be committed.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provenance.reading.datafile import DataFacts

VERSION = 4  # 2: a file that only starts like a Git LFS pointer is data; 3: .gz, .zst, .arrow read;
# 4: a file read without an optional reader (pyarrow) is not kept
RACY_SECONDS = 2.0
#: Valid-record keys kept beyond two per cached file before the set is cut to one run's keys.
VALID_KEYS_SLACK = 1000
FIELDS = ("sha256", "size", "records", "problem", "problem_line", "embedded",
          "embedded_sha256", "lfs_oid", "notices")


def default_location(root: Path) -> Path:
    from provenance.fs.cache_dir import cache_dir

    return cache_dir(root) / "digests.json"


def location(root: Path, setting: bool | str) -> Path | None:
    """The digest cache file for the ``digest-cache`` setting (checked when the configuration
    was loaded: a path inside the git directory), or None when it is off."""
    if setting is False:
        return None
    if setting is True:
        return default_location(root)
    from provenance.fs.cache_dir import configured_path

    return configured_path(root, str(setting))


def make_cache_folder(folder: Path) -> None:
    """Create the cache folder (in the git directory or the user's cache folder)."""
    folder.mkdir(parents=True, exist_ok=True)


def write_cache(path: Path, text: str) -> None:
    """Replace a cache file whole (temporary file of this process, then rename), creating its
    folder; a cache that cannot be written is simply not kept."""
    with contextlib.suppress(OSError):
        make_cache_folder(path.parent)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(text, "utf-8")
        os.replace(temp, path)


class DigestCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.hits = 0
        self._entries: dict[str, Any] = {}
        self._valid: set[str] = set()
        self._used: set[str] = set()  # the valid keys this run asked about or added
        self._schema_hash: str | None = None
        self._dirty = False
        data = read_cache(path, VERSION)
        self._entries = dict(data.get("files") or {})
        self._valid = set(data.get("valid-records") or ())

    def inspect(self, relpath: str, path: Path, read: Callable[[Path], DataFacts]) -> DataFacts:
        """Cached facts when the file is provably unchanged, else ``read(path)`` (and remember)."""
        try:
            stat = path.stat()
        except OSError:
            return read(path)
        key = _key(stat)
        entry = self._entries.get(relpath)
        if self._trusted(entry, stat):
            assert entry is not None
            self.hits += 1
            from provenance.reading.datafile import DataFacts

            facts = DataFacts(**{name: entry["facts"][name] for name in FIELDS})
            facts.notices = list(facts.notices)
            return facts
        facts = read(path)
        if (facts.problem is None or facts.sha256) and not facts.partial:
            self._entries[relpath] = {
                "key": key,
                "made": time.time(),
                "facts": {name: getattr(facts, name) for name in FIELDS},
            }
            self._dirty = True
        return facts

    @staticmethod
    def _trusted(entry: Any, stat: os.stat_result) -> bool:
        return trusted(entry, stat)

    def record_key(self, raw: Any) -> str | None:
        """Content address of a provenance record together with the schema that judges it."""
        if self.path is None:
            return None
        import hashlib

        from provenance.reading.schema import schema_dir

        if self._schema_hash is None:
            self._schema_hash = hashlib.sha256(
                (schema_dir() / "provenance.schema.json").read_bytes()).hexdigest()
        try:
            text = json.dumps(raw, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):
            return None
        return hashlib.sha256((self._schema_hash + text).encode("utf-8")).hexdigest()

    def is_valid(self, key: str) -> bool:
        if key in self._valid:
            self._used.add(key)
            return True
        return False

    def mark_valid(self, key: str) -> None:
        self._used.add(key)
        if key not in self._valid:
            self._valid.add(key)
            self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        # Every edited record adds a key and none is ever taken back: past a bound that grows
        # with the repository, keep only this run's (a record dropped is validated once again).
        valid = self._valid
        if len(valid) > 2 * len(self._entries) + VALID_KEYS_SLACK:
            valid = self._used
        write_cache(self.path, dumps({"version": VERSION, "files": self._entries,
                                           "valid-records": sorted(valid)}))


def dumps(document: Any) -> str:
    """A cache document as JSON text: orjson when installed (the caches of a large repository
    are megabytes, written on most commits), else the standard library."""
    try:
        import orjson

        return orjson.dumps(document).decode("utf-8")
    except (ImportError, TypeError):  # not installed, or a value it cannot write (10**400)
        return json.dumps(document)


def _loads(raw: bytes) -> Any:
    try:
        import orjson
    except ImportError:
        return json.loads(raw)
    return orjson.loads(raw)


def trusted(entry: Any, stat: os.stat_result) -> bool:
    """Same stamps as when the entry was made, and not racily clean (see the module doc)."""
    return entry is not None and entry.get("key") == _key(stat) \
        and entry.get("made", 0) - stat.st_mtime_ns / 1e9 > RACY_SECONDS \
        and entry.get("made", 0) - stat.st_ctime_ns / 1e9 > RACY_SECONDS


def read_cache(path: Path | None, version: int) -> dict[str, Any]:
    """A cache file's document when it is this version's; empty when absent or unreadable."""
    if path is not None and path.is_file():
        with contextlib.suppress(OSError, ValueError):
            data = _loads(path.read_bytes())
            if isinstance(data, dict) and data.get("version") == version:
                return data
    return {}


def _key(stat: os.stat_result) -> list[int]:
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
