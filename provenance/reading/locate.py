"""Where a data file's provenance lives: sidecar, directory manifest, or embedded in the file.

Each place yields a ``Claim`` with a level (how close it is to the file). The deepest level wins;
two claims at the same level conflict. Manifests are loaded once per run and shared by every file
below.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.fs import confine
from provenance.fs.globs import GlobError, GlobSet
from provenance.reading.documents import Document, LoadError, format_path, load_file

if TYPE_CHECKING:
    from provenance.speed.record_index import RecordIndex

SIDECAR_SUFFIXES = (".provenance.yaml", ".provenance.json")
MANIFEST_NAME = "provenance.yaml"
FILE_LEVEL = 1 << 16
MANIFEST_ONLY_KEYS = ("files", "subjects")


@dataclass(frozen=True)
class Claim:
    """One source of provenance for one data file, able to point back into its own document."""

    kind: str  # "sidecar", "manifest" or "embedded"
    source: str  # path of the provenance (for embedded: the data file), relative to the root
    level: int
    record: Any
    document: Document | None = None
    prefix: tuple[str | int, ...] = ()
    moved: Mapping[str, tuple[str | int, ...]] = field(default_factory=dict)
    load_error: LoadError | None = None

    def describe(self) -> str:
        """How a message names this claim: the file, the manifest entry, or the embedded member."""
        if self.kind == "embedded":
            return "its embedded 'provenance' member"
        if self.kind == "manifest":
            index = self.prefix[1] if len(self.prefix) > 1 else "?"
            return f"{self.source} (datasets[{index}])"
        return self.source

    def line_of(self, path: Sequence[str | int]) -> int | None:
        if self.load_error is not None:
            return self.load_error.line
        if self.document is None:
            return None
        if path and path[0] in self.moved:
            return self.document.line_of((*self.moved[str(path[0])], *path[1:]))
        return self.document.line_of((*self.prefix, *path))


@dataclass
class Manifest:
    relpath: str
    directory: str
    document: Document | None
    entries: list[tuple[int, GlobSet, Mapping[str, Any]]] = field(default_factory=list)
    error: LoadError | None = None

    def matches(self, relpath: str) -> list[tuple[int, Mapping[str, Any]]]:
        inner = _relative_to(relpath, self.directory)
        return [(index, entry) for index, globs, entry in self.entries if globs.matches(inner)]


def sidecar_paths(data_relpath: str) -> list[str]:
    return [data_relpath + suffix for suffix in SIDECAR_SUFFIXES]


def data_path_of_sidecar(relpath: str) -> str | None:
    for suffix in SIDECAR_SUFFIXES:
        if relpath.endswith(suffix) and len(relpath) > len(suffix):
            return relpath[: -len(suffix)]
    return None


def is_manifest(relpath: str) -> bool:
    return posixpath.basename(relpath) == MANIFEST_NAME


class Locator:
    """Finds claims for data files under one root, caching manifests for the run."""

    def __init__(self, root: Path, index: RecordIndex | None = None) -> None:
        """``index``: parsed provenance remembered across runs, for readers that need the
        values but not their line numbers (the lineage graph)."""
        self.root = root
        self.index = index
        self._manifests: dict[str, Manifest | None] = {}

    def manifest(self, directory: str) -> Manifest | None:
        if directory not in self._manifests:
            self._manifests[directory] = self._load_manifest(directory)
        return self._manifests[directory]

    def broken_manifests(self) -> list[Manifest]:
        return [m for m in self._manifests.values() if m is not None and m.error is not None]

    def claims(self, relpath: str, embedded: Any = None) -> list[Claim]:
        found: list[Claim] = []
        if embedded is not None:
            found.append(Claim("embedded", relpath, FILE_LEVEL, embedded, prefix=("provenance",)))
        for sidecar in sidecar_paths(relpath):
            if present(self.root / sidecar):
                found.append(self._sidecar_claim(sidecar))
        directory = posixpath.dirname(relpath)
        while True:
            manifest = self.manifest(directory)
            if manifest is not None and manifest.error is None:
                found.extend(self._manifest_claims(manifest, relpath))
            if not directory:
                break
            directory = posixpath.dirname(directory)
        return found

    def under_broken_manifest(self, relpath: str) -> Manifest | None:
        directory = posixpath.dirname(relpath)
        while True:
            manifest = self.manifest(directory)
            if manifest is not None and manifest.error is not None:
                return manifest
            if not directory:
                return None
            directory = posixpath.dirname(directory)

    def _sidecar_claim(self, sidecar: str) -> Claim:
        try:
            document = self._load(sidecar)
        except LoadError as exc:
            return Claim("sidecar", sidecar, FILE_LEVEL, None, load_error=exc)
        return Claim("sidecar", sidecar, FILE_LEVEL, document.data, document)

    def _manifest_claims(self, manifest: Manifest, relpath: str) -> list[Claim]:
        claims = []
        level = manifest.directory.count("/") + (1 if manifest.directory else 0)
        subject_key = _relative_to(relpath, manifest.directory)
        for index, entry in manifest.matches(relpath):
            record = {k: v for k, v in entry.items() if k not in MANIFEST_ONLY_KEYS}
            subject = (entry.get("subjects") or {}).get(subject_key)
            moved: dict[str, tuple[str | int, ...]] = {}
            if isinstance(subject, Mapping):
                for key in ("digest", "records", "verifications"):
                    if key in subject:
                        record[key] = subject[key]
                        moved[key] = ("datasets", index, "subjects", subject_key, key)
            claims.append(
                Claim("manifest", manifest.relpath, level, record, manifest.document,
                      prefix=("datasets", index), moved=moved)
            )
        return claims

    def _load_manifest(self, directory: str) -> Manifest | None:
        relpath = posixpath.join(directory, MANIFEST_NAME) if directory else MANIFEST_NAME
        if not present(self.root / relpath):
            return None
        from provenance.reading import limits, schema

        bound = limits.current()
        try:
            document = self._load(relpath, bound.manifest_bytes, "manifest-bytes")
        except LoadError as exc:
            return Manifest(relpath, directory, None, error=exc)
        bad_subjects = _subject_problem(document, bound.manifest_subjects)
        if bad_subjects is not None:
            return Manifest(relpath, directory, document, error=bad_subjects)

        problems = schema.validate("manifest", document.data)
        if problems:
            first = problems[0]
            message = f"{format_path(first.path)}: {first.message}"
            return Manifest(relpath, directory, document,
                            error=LoadError(message, document.line_of(first.path)))
        entries = []
        for index, entry in enumerate(document.data["datasets"]):
            files = entry["files"]
            try:
                globs = GlobSet((files,) if isinstance(files, str) else files)
            except GlobError as exc:
                where = ("datasets", index, "files")
                return Manifest(relpath, directory, document,
                                error=LoadError(f"{format_path(where)}: {exc}",
                                                document.line_of(where)))
            entries.append((index, globs, entry))
        return Manifest(relpath, directory, document, entries)

    def _load(self, relpath: str, max_bytes: int | None = None,
              setting: str = "provenance-bytes") -> Document:
        """A provenance document, unless it is a symlink leading out of the root (or nowhere)."""
        path = self.root / relpath
        refused = confine.problem(self.root, path)
        if refused is not None:
            raise LoadError(refused)
        if self.index is not None:
            data = self.index.data(self.root, relpath)
            if data is None:
                raise LoadError("cannot be read as provenance")
            return Document(data)
        return load_file(path, max_bytes=max_bytes, setting=setting)


def _subject_problem(document: Document, allowed: int) -> LoadError | None:
    """A manifest's size is bounded by its subjects (each a file it stamps): counted before the
    schema is applied, which costs time in proportion to them. A subject no file system can name
    (a NUL in it) is the manifest's problem, not an error of the run."""
    datasets = document.data.get("datasets") if isinstance(document.data, Mapping) else None
    if not isinstance(datasets, list):
        return None
    count = 0
    for index, entry in enumerate(datasets):
        subjects = entry.get("subjects") if isinstance(entry, Mapping) else None
        if isinstance(subjects, Mapping):
            for key in subjects:
                if isinstance(key, str) and "\0" in key:
                    at: tuple[str | int, ...] = ("datasets", index, "subjects")
                    return LoadError(f"{format_path(at)}: subject {key!r} holds a NUL "
                                     "character, which no file name can",
                                     document.line_of((*at, key)))
            count += len(subjects)
            if count > allowed:
                where = ("datasets", index, "subjects")
                return LoadError(f"manifest stamps more than {allowed} subjects (limits: "
                                 "manifest-subjects): split it into one manifest per folder",
                                 document.line_of(where))
    return None


def present(path: Path) -> bool:
    """A regular file, or a symlink (whose target the loader judges): one ``lstat``. A dangling
    or looping symlink named like provenance is reported, not mistaken for no provenance."""
    try:
        mode = os.lstat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return False
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)


def _relative_to(relpath: str, directory: str) -> str:
    return relpath[len(directory) + 1 :] if directory else relpath
