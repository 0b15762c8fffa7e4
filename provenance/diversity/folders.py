"""Diversity per folder: each file's accumulator merged into its folder's as the run goes, so a
folder of many files is judged (across files: a question repeated in two files is a duplicate)
without keeping any file's records or more than one accumulator per folder."""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from provenance.diversity.accumulator import Diversity, merge


@dataclass
class _Folder:
    diversity: Diversity
    files: int = 1
    generators: Counter[str] = field(default_factory=Counter)
    with_generators: int = 0


class Folders:
    def __init__(self) -> None:
        self._folders: dict[str, _Folder] = {}

    def add(self, relpath: str, diversity: Diversity, generators: Counter[str] | None = None,
            with_generators: int = 0) -> None:
        name = posixpath.dirname(relpath)
        folder = self._folders.get(name)
        if folder is None:
            folder = self._folders[name] = _Folder(merge([diversity]))
        else:
            folder.diversity = merge([folder.diversity, diversity])
            folder.files += 1
        folder.generators.update(generators or {})
        folder.with_generators += with_generators

    def items(self, min_files: int = 2) -> Iterator[tuple[str, Diversity, int, Counter[str],
                                                          int]]:
        """(folder, merged accumulator, files, generator counts, records naming a generator)
        for each folder of at least ``min_files`` files, in path order."""
        for name, folder in sorted(self._folders.items()):
            if folder.files >= min_files:
                yield (name, folder.diversity, folder.files, folder.generators,
                       folder.with_generators)
