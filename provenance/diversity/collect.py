"""Source diversity of a list of data files, read through ``check``'s schedule (``stats``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provenance.config import Config
from provenance.diversity.folders import Folders
from provenance.diversity.summary import Summary, summarise

if TYPE_CHECKING:
    from provenance.checks.problem import Problem


@dataclass
class Collected:
    files: list[Summary] = field(default_factory=list)
    folders: list[Summary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def collect(config: Config, relpaths: list[str]) -> Collected:
    """Each file's summary, each folder's (two or more files with questions), and a note for
    every file that has no questions to measure (unreadable, or no question field)."""
    from provenance.session import Session
    from provenance.speed.schedule import Schedule

    session = Session(config)
    schedule = Schedule(config, session.judge_for)
    schedule.collect_diversity = True
    out = Collected()
    folders = Folders()
    with schedule.reading(relpaths):
        for relpath in relpaths:
            facts, scan, problems = schedule.facts_and_scan(relpath)
            diversity = schedule.diversity.pop(relpath, None)
            if diversity is None or not diversity.questions:
                read = facts.problem and facts.problem + (
                    f" at line {facts.problem_line}" if facts.problem_line else "")
                why = read or next((_said(p) for p in problems), None) \
                    or ("a Git LFS pointer, not the data" if facts.lfs_oid else None) \
                    or "no question field in its records"
                out.notes.append(f"{relpath}: not measured ({why})")
                continue
            counts = scan.generator_counts if scan is not None else None
            named = scan.with_generators if scan is not None else 0
            out.files.append(summarise(relpath, diversity, counts, named))
            folders.add(relpath, diversity, counts, named)
    schedule.save()
    for folder, diversity, files, counts, named in folders.items():
        out.folders.append(summarise(folder or ".", diversity, counts, named, files=files))
    return out


def _said(problem: Problem) -> str:
    return problem.message + (f" at line {problem.line}" if problem.line else "")
