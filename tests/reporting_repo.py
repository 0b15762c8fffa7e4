"""A small failing data repository for the report-format tests, and golden-file helpers.

The repository has one file of every outcome: a pass, an identical-source loop (an error on a
line of the sidecar), content changed after stamping, a file without provenance whose name has a
comma and a space (escaping), a legacy file whose missing provenance is only a warning, and an
orphan sidecar and a folder where one generator wrote too large a share (findings tied to no
data file; the second names a folder and has a ``%`` in its message).

Goldens live in tests/golden/. Run the tests with ``QA_PROVENANCE_UPDATE_GOLDEN=1`` to rewrite
them after an intended change, then review the diff.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from conftest import Repo, dump_yaml

from provenance import __version__

GOLDEN = Path(__file__).parent / "golden"

PASSING = "data/train.jsonl"
SELF_JUDGED = "data/self_judged.jsonl"
EDITED = "data/edited.jsonl"
UNLABELLED = "data/notes, v2.jsonl"
LEGACY = "data/legacy/old_quiz.jsonl"
ORPHAN = "data/gone.jsonl.provenance.yaml"
MIXED = "data/mixed"  # one generator wrote 75% of the folder's records: a folder-level finding


def qa_rows() -> list[dict[str, str]]:
    """The records of every file here: a fresh copy each time, so that no other test's edits
    of shared rows can change a digest in a golden file."""
    return [
        {"question": "At what temperature does water boil at sea level?",
         "answer": "100 degrees Celsius",
         "context": "At standard atmospheric pressure, pure water boils at 100 degrees Celsius."},
        {"question": "Who wrote Pride and Prejudice?", "answer": "Jane Austen",
         "context": "Pride and Prejudice is an 1813 novel of manners by Jane Austen."},
        {"question": "What is the capital of Australia?", "answer": "Canberra",
         "context": "Canberra is the capital city of Australia."},
    ]


def build_failing_repo(repo: Repo) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml({
        "overrides": [
            {"files": "data/legacy/**", "rules": {"missing-provenance": "warn"}},
            {"files": f"{MIXED}/**", "max-generator-share": 0.6},
        ],
    }))
    repo.jsonl(PASSING, qa_rows())
    repo.sidecar(PASSING)
    repo.jsonl(SELF_JUDGED, qa_rows())
    repo.sidecar(SELF_JUDGED, validator={"type": "model", "id": "azure/GPT-4o",
                                         "method": "llm-judge"})
    repo.jsonl(EDITED, qa_rows())
    repo.sidecar(EDITED)
    repo.jsonl(EDITED, [*qa_rows(), {"question": "Added after review?", "answer": "yes",
                                   "context": "This row was added after review: yes."}])
    repo.jsonl(UNLABELLED, qa_rows())
    repo.jsonl(LEGACY, qa_rows())
    repo.write(ORPHAN, dump_yaml(repo.record()))
    repo.jsonl(f"{MIXED}/a.jsonl", qa_rows())
    repo.sidecar(f"{MIXED}/a.jsonl", records=3)
    repo.jsonl(f"{MIXED}/b.jsonl", qa_rows()[:1])
    repo.sidecar(f"{MIXED}/b.jsonl", records=1, generator={
        "type": "model", "id": "anthropic/claude-3-5-sonnet-20241022", "role": "both"})


def normalise(text: str, root: Path) -> str:
    """Machine-specific parts replaced: the absolute root (also as a file URI) and the version."""
    text = text.replace(root.as_uri(), "file:///ROOT")
    text = text.replace(root.as_posix(), "/ROOT")
    return text.replace(f'"{__version__}"', '"VERSION"').replace(
        f"value=\"{__version__}\"", 'value="VERSION"')


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("QA_PROVENANCE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                            actual.splitlines(keepends=True),
                                            f"golden/{name}", "actual", n=1))
        raise AssertionError(
            f"{name} differs from tests/golden/{name} (rerun with QA_PROVENANCE_UPDATE_GOLDEN=1 "
            f"if the change is intended, and review the diff):\n{diff}")


def spot_rows(count: int, wrong: tuple[int, ...] = ()) -> list[dict[str, str]]:
    """Extractive records; those in ``wrong`` answer a number their context does not contain,
    which the local verifier flags."""
    out = []
    for i in range(count):
        answer = f"{i + 900} kilograms" if i in wrong else f"{i + 1} grams"
        out.append({"question": f"How much does item {i} weigh?", "answer": answer,
                    "context": f"In the catalogue, item {i} weighs {i + 1} grams."})
    return out


GOOD = "data/good.jsonl"
BAD = "data/bad.jsonl"


def build_spot_repo(repo: Repo, verifier: dict[str, object] | None = None) -> None:
    """One file the local verifier passes, one it fails (records 2 and 5 are wrong)."""
    repo.write(".qa-provenance.yaml", dump_yaml({"verifier": verifier}) if verifier else "{}\n")
    repo.jsonl(GOOD, spot_rows(3))
    repo.sidecar(GOOD)
    repo.jsonl(BAD, spot_rows(6, wrong=(1, 4)))
    repo.sidecar(BAD)
