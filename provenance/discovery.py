"""Which data files a run checks, from the paths pre-commit (or a user) passes.

A data file is checked when the configuration calls it a dataset, or when a sidecar or manifest
claims it. Passing a sidecar or manifest checks the data it covers, so editing provenance alone can
never slip past the hook; passing the configuration file checks everything.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from provenance.config import CONFIG_FILE, Config
from provenance.fs.atomic import is_temporary
from provenance.fs.confine import inside
from provenance.reading.locate import (
    Locator,
    data_path_of_sidecar,
    is_manifest,
    present,
    sidecar_paths,
)

PRUNED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox",
     ".qa-provenance-cache"}
)


class PathError(Exception):
    """A path given on the command line that cannot be checked here: exit code 2."""


@dataclass
class Selection:
    data: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)  # sidecars whose data file is missing

    def shard(self, shard: tuple[int, int] | None) -> Selection:
        """The ``shard=(i, n)`` part of the selection (all of it for None)."""
        if shard is None:
            return self
        index, total = shard
        return Selection([p for p in self.data if shard_of(p, total) == index],
                         [p for p in self.orphans if shard_of(p, total) == index])


def is_provenance_file(relpath: str) -> bool:
    return data_path_of_sidecar(relpath) is not None or is_manifest(relpath)


def select(config: Config, locator: Locator, paths: Iterable[str] | None) -> Selection:
    relpaths = list(walk(config.root)) if paths is None else _expand(config.root, paths)
    walked = paths is None
    source = _configuration(config)
    if any(posixpath.basename(p) == CONFIG_FILE or p == source for p in relpaths):
        relpaths, walked = list(walk(config.root)), True  # the configuration changed
    data: set[str] = set()
    orphans: set[str] = set()
    for relpath in relpaths:
        if is_temporary(posixpath.basename(relpath)):
            continue  # left by a write that was killed: neither data nor provenance
        sidecar_of = data_path_of_sidecar(relpath)
        if sidecar_of is not None:
            if present(config.root / sidecar_of):
                data.add(sidecar_of)
            elif present(config.root / relpath):
                orphans.add(relpath)
        elif is_manifest(relpath):
            data.update(_covered_by_manifest(config.root, locator, relpath))
        elif present(config.root / relpath):
            # A symlink counts (its target is judged when it is read: one that leaves the root,
            # dangles or loops is reported there, not skipped). A walk meets every sidecar and
            # manifest itself; a file named alone must be checked when its provenance claims
            # it, or editing it could slip past the hook.
            if config.is_dataset(relpath) or (not walked and _claimed(locator, relpath)):
                data.add(relpath)
        elif not walked:  # a deleted data file leaves its sidecar behind
            orphans.update(s for s in sidecar_paths(relpath) if (config.root / s).is_file())
    return Selection(sorted(data), sorted(orphans))


def _configuration(config: Config) -> str | None:
    """The configuration file in use, relative to the root (``pyproject.toml`` when its
    ``[tool.qa-provenance]`` holds it), or None."""
    if not config.source:
        return None
    try:
        return Path(config.source).resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return None


def walk(root: Path, start: Path | None = None) -> Iterator[str]:
    """Every file below ``start`` (default: the root) as a POSIX path relative to the root, but
    the temporary files an interrupted atomic write leaves behind."""
    top = start or root
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in PRUNED_DIRS)
        rel_folder = os.path.relpath(folder, root)
        for name in sorted(files):
            if is_temporary(name):
                continue
            relpath = name if rel_folder == "." else f"{rel_folder}/{name}"
            yield relpath.replace(os.sep, "/")


def relative_path(root: Path, raw: str) -> str:
    """A command-line path (relative to the working directory) as a path relative to the root."""
    absolute = Path(os.path.abspath(raw))
    # The root is resolved; the path may reach it through a symlink, or leave it through a
    # symlinked folder (whose files would then be read as if they were here). Resolve only the
    # folder of a file, so that a symlinked data file keeps its own name: where it leads is
    # judged when it is read.
    is_dir = absolute.is_dir()
    real_folder = Path(os.path.realpath(absolute if is_dir else absolute.parent))
    if not inside(root, real_folder):
        raise PathError(f"{raw}: outside the checked root {root}")
    try:
        relpath = absolute.relative_to(root).as_posix()
    except ValueError:
        real = real_folder if is_dir else real_folder / absolute.name
        relpath = real.relative_to(root).as_posix()
    return "" if relpath in (".", "") else relpath


def _expand(root: Path, paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in paths:
        relpath = relative_path(root, raw)
        if (root / relpath).is_dir():
            out.extend(walk(root, root / relpath))
        else:
            out.append(relpath)
    return out


def _claimed(locator: Locator, relpath: str) -> bool:
    """Whether a sidecar or a manifest (without loading any sidecar) claims ``relpath``."""
    if any(present(locator.root / sidecar) for sidecar in sidecar_paths(relpath)):
        return True
    directory = posixpath.dirname(relpath)
    while True:
        manifest = locator.manifest(directory)
        if manifest is not None and manifest.error is None and manifest.matches(relpath):
            return True
        if not directory:
            return False
        directory = posixpath.dirname(directory)


def _covered_by_manifest(root: Path, locator: Locator, relpath: str) -> list[str]:
    directory = posixpath.dirname(relpath)
    manifest = locator.manifest(directory)
    if manifest is None or manifest.error is not None:
        return []
    start = root / directory if directory else root
    return [
        candidate
        for candidate in walk(root, start)
        if not (data_path_of_sidecar(candidate) or is_manifest(candidate))
        and manifest.matches(candidate)
    ]


def shard_of(relpath: str, shards: int) -> int:
    """A path's shard of ``shards``: stable across runs and machines, so every shard of a CI
    matrix gets the same share."""
    return int.from_bytes(hashlib.sha256(relpath.encode("utf-8")).digest()[:8], "big") % shards
