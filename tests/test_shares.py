"""Generator dominance per folder (QP015) from declared counts: the arithmetic, by hand.

A file without per-record agents counts its declared ``records`` for its generators, split evenly
between them, and a declared count is capped at 2^53 (docs/limits.md) so that the float sums stay
exact. Expected shares below are worked out by hand.
"""

from __future__ import annotations

from typing import Any

from provenance.checks.shares import FolderShares
from provenance.record import Record


def declared(records: int, *models: str) -> Record:
    raw: dict[str, Any] = {"generator": [{"type": "model", "id": m} for m in models],
                           "records": records}
    return Record.from_mapping(raw)


def folder_findings(files: dict[str, Record], share: float) -> list[str]:
    shares = FolderShares()
    for path, record in files.items():
        shares.add_file(path, None, record, claimed=True)
    return [f"{folder}: {problem.message}" for folder, problem in shares.problems(lambda _: share)]


def test_a_files_declared_records_are_split_between_its_generators() -> None:
    # gpt-4o 50, claude 50, mistral 100 of 200: mistral has 50%
    files = {"d/a.jsonl": declared(100, "gpt-4o", "claude-3-5-sonnet-20241022"),
             "d/b.jsonl": declared(100, "mistral-large-2407")}
    assert folder_findings(files, 0.45) == [
        "d: generator 'mistral-large-2407' produced 100 of 200 records in this folder (50%), "
        "more than max-generator-share 45%"]
    assert folder_findings(files, 0.5) == []


def test_a_declared_count_past_two_to_the_53_counts_as_two_to_the_53() -> None:
    # 10**30 counts as 2**53: against 2**53 that is one half, not more
    files = {"d/a.jsonl": declared(10**30, "gpt-4o"), "d/b.jsonl": declared(2**53, "o1-mini")}
    assert folder_findings(files, 0.5) == []
    # against 2**52 it is two thirds
    files["d/b.jsonl"] = declared(2**52, "o1-mini")
    assert folder_findings(files, 0.6) == [
        "d: generator 'gpt-4o' produced 9007199254740992 of 13510798882111488 records in this "
        "folder (67%), more than max-generator-share 60%"]
