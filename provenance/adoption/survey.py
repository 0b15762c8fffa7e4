"""What a repository holds, as ``init`` needs to know it: its data files, where they sit, which
already have provenance, and what the hook will need installed to read them. Pure over a file
listing and a locator; no writes."""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from provenance.config import Config
from provenance.reading.datafile import format_of
from provenance.reading.locate import Locator


@dataclass
class Survey:
    data: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    folders: Counter[str] = field(default_factory=Counter)  # folder -> unlabelled files
    formats: Counter[str] = field(default_factory=Counter)

    @property
    def needs_pyarrow(self) -> bool:
        return self.formats["parquet"] + self.formats["arrow"] > 0


def survey(config: Config, locator: Locator, files: Iterable[str]) -> Survey:
    found = Survey()
    for relpath in files:
        if not config.is_dataset(relpath):
            continue
        found.data.append(relpath)
        found.formats[format_of(relpath) or "other"] += 1
        if not locator.claims(relpath):
            found.unlabelled.append(relpath)
            found.folders[override_folder(relpath)] += 1
    return found


CONTAINERS = ("data", "datasets")  # a top folder that holds many datasets, not one


def override_folder(relpath: str) -> str:
    """The folder a warning override would name: the top folder, or under ``data/`` and
    ``datasets/`` the one below it (``data/legacy``), since ``data/**`` would be everything."""
    parts = relpath.split("/")
    if len(parts) == 1:
        return "."
    if parts[0].lower() in CONTAINERS and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0]


def common_folder(paths: list[str]) -> str:
    if not paths:
        return "."
    if len(paths) == 1:
        return posixpath.dirname(paths[0]) or "."
    return posixpath.commonpath(paths) or "."
