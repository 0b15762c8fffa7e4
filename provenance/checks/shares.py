"""Generator dominance (QP015): one generator behind too much of a file's or a folder's records.

The paper's remedy is diversity of sources over volume; this rule only fires when a configuration
sets ``max-generator-share``. Counts are gathered file by file (``FolderShares``) so that a folder
of many files is judged without keeping any file's records.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from provenance import rules
from provenance.checks.problem import Problem
from provenance.record import Record

if TYPE_CHECKING:
    from provenance.checks.per_record import RecordScan

# A declared count is any integer (10**400 is valid JSON): past 2**53 no file holds that many
# records, and the share arithmetic is in floats.
MAX_DECLARED_RECORDS = 2**53


def file_share_problems(generator_counts: Counter[str], with_generators: int,
                        share: float | None) -> list[Problem]:
    """The records' generators in one file, against the configured share."""
    if share is None or not generator_counts:
        return []
    name, count = generator_counts.most_common(1)[0]
    if count / with_generators <= share:
        return []
    return [Problem(rules.GENERATOR_SHARE,
                    f"generator '{name}' produced {count} of {with_generators} records "
                    f"({count / with_generators:.0%}), more than max-generator-share {share:.0%}",
                    in_data=True)]


class FolderShares:
    """Records per generator per folder, one name per generator whatever each file spells."""

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._files: Counter[str] = Counter()
        self._names: dict[str, str] = {}

    def add_file(self, relpath: str, scan: RecordScan | None, record: Record | None, *,
                 claimed: bool) -> None:
        """A file's generators: counted from its records, else from its declared count. Only
        files with provenance count towards the two files a folder needs to be judged."""
        folder = posixpath.dirname(relpath)
        generator_counts = scan.generator_counts if scan is not None else None
        self._files[folder] += claimed
        if generator_counts:
            for name, count in generator_counts.items():
                self._counts[folder][self._name(name)] += count
        elif record is not None and record.generators and record.records:
            declared = min(record.records, MAX_DECLARED_RECORDS)
            for agent in record.generators:
                self._counts[folder][self._name(agent.id)] += declared / len(record.generators)

    def _name(self, name: str) -> str:
        from provenance.identity.spelling import canonical_model_id  # loads the alias tables

        return self._names.setdefault(canonical_model_id(name) or name, name)

    def problems(self, share_for: Callable[[str], float | None]
                 ) -> Iterator[tuple[str, Problem]]:
        """``(folder, problem)`` for folders of two or more files where one generator exceeds
        ``share_for(folder)``."""
        for folder, counts in sorted(self._counts.items()):
            share = share_for(folder)
            total = sum(counts.values())
            if share is None or not total or self._files[folder] < 2:
                continue
            name, count = max(counts.items(), key=lambda item: item[1])
            if count / total > share:
                yield folder, Problem(
                    rules.GENERATOR_SHARE,
                    f"generator '{name}' produced {count:.0f} of {total:.0f} records in this "
                    f"folder ({count / total:.0%}), more than max-generator-share {share:.0%}",
                    path=folder or ".")


def in_folder(folder: str) -> str:
    """A path inside ``folder``: the configuration's globs decide a folder's settings by it."""
    return posixpath.join(folder, "x") if folder else "x"
