"""What ``check`` does with source diversity when a ``diversity:`` threshold is set: judge each
file as its record pass ends, fold it into its folder, and judge the folders at the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from provenance.checks.diversity import diversity_problems
from provenance.checks.shares import in_folder
from provenance.config import Config
from provenance.diversity.folders import Folders
from provenance.diversity.summary import summarise

if TYPE_CHECKING:
    from provenance.checks.per_record import RecordScan
    from provenance.checks.problem import Problem
    from provenance.diversity.accumulator import Diversity


class DiversityChecks:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.folders = Folders()

    def file_problems(self, relpath: str, diversity: Diversity | None,
                      scan: RecordScan | None) -> list[Problem]:
        if diversity is None:
            return []
        counts = scan.generator_counts if scan is not None else None
        named = scan.with_generators if scan is not None else 0
        self.folders.add(relpath, diversity, counts, named)
        return diversity_problems(summarise(relpath, diversity, counts, named),
                                  self.config.diversity_limits(relpath))

    def folder_problems(self) -> Iterator[tuple[str, Problem]]:
        """``(folder, problem)`` for folders of two or more files."""
        for folder, diversity, files, counts, named in self.folders.items():
            summary = summarise(folder or ".", diversity, counts, named, files=files)
            limits = self.config.diversity_limits(in_folder(folder))
            for problem in diversity_problems(summary, limits, folder=folder):
                yield folder, problem
