"""The evaluation results file: one entry per (model, round, dataset, metric), as provenance.

Stored as YAML at the root (``evaluations.yaml`` unless ``evaluations.file`` says otherwise),
validated against ``schemas/evaluations.schema.json``. YAML rather than JSONL because the default
dataset globs take every ``*.jsonl`` for a QA dataset, and because a reviewer reads a result in a
diff as easily as a sidecar. ``qa-provenance record-eval`` writes it: the whole file is read,
extended, validated and replaced atomically while the folder is locked, so two concurrent writers
take turns and a killed one leaves the old file whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance.record import Agent

DEFAULT_FILE = "evaluations.yaml"
HELD_OUT, SELF_GENERATED = "held-out", "self-generated"
CLASSES = (HELD_OUT, SELF_GENERATED)
HEADER = ("# Evaluation results recorded by `qa-provenance record-eval` (see docs/drift.md).\n"
          "# One entry per model, round, dataset and metric; checked by `qa-provenance check`.\n")


class ResultsError(Exception):
    """A results file that cannot be used; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Result:
    model: str
    round: int
    dataset: str  # path relative to the root
    sha256: str  # of the dataset's bytes when it was evaluated
    metric: str
    score: float
    n: int
    time: str  # ISO 8601, UTC
    claimed: str | None = None  # the class the result claims for its dataset, if any
    stderr: float | None = None
    judge: Agent | None = None
    task: str | None = None  # e.g. the lm-evaluation-harness task
    trained_on: tuple[str, ...] = ()  # the datasets this round of the model was trained on
    source: str | None = None  # e.g. "lm-evaluation-harness 0.4.9"
    line: int | None = field(default=None, compare=False)  # where it is in the results file

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], line: int | None = None) -> Result:
        """From an entry that passed the schema."""
        judge = raw.get("judge")
        return cls(
            model=raw["model"], round=raw["round"], dataset=raw["dataset"]["path"],
            sha256=raw["dataset"]["sha256"], metric=raw["metric"], score=float(raw["score"]),
            n=raw["n"], time=str(raw["time"]), claimed=raw.get("class"),
            stderr=raw.get("stderr"),
            judge=Agent(judge["type"], judge["id"]) if isinstance(judge, Mapping) else None,
            task=raw.get("task"), trained_on=tuple(raw.get("trained_on") or ()),
            source=raw.get("source"), line=line,
        )

    def to_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model, "round": self.round,
            "dataset": {"path": self.dataset, "sha256": self.sha256},
        }
        if self.claimed is not None:
            out["class"] = self.claimed
        if self.task is not None:
            out["task"] = self.task
        out.update(metric=self.metric, score=self.score, n=self.n)
        if self.stderr is not None:
            out["stderr"] = self.stderr
        if self.judge is not None:
            out["judge"] = {"type": self.judge.type, "id": self.judge.id}
        if self.trained_on:
            out["trained_on"] = list(self.trained_on)
        if self.source is not None:
            out["source"] = self.source
        out["time"] = self.time
        return out


def parse(text: str) -> list[Result]:
    """The results in a file's text; ResultsError (with its line) when it is not valid."""
    from provenance.reading.documents import LoadError, format_path, load_yaml
    from provenance.reading.schema import validate

    try:
        document = load_yaml(text)
    except LoadError as exc:
        raise ResultsError(exc.message, exc.line) from None
    data = document.data
    if data is None:
        return []
    problems = validate("evaluations", data)
    if problems:
        first = problems[0]
        raise ResultsError(f"{format_path(first.path)}: {first.message}",
                           document.line_of(first.path))
    return [Result.from_mapping(item, document.line_of(("results", index)))
            for index, item in enumerate(data.get("results") or ())]


def load(path: Path) -> list[Result]:
    """The results recorded in ``path``; none when it does not exist."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ResultsError(f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ResultsError(f"not valid UTF-8 at byte {exc.start}") from None
    return parse(text)


def render(results: Sequence[Result]) -> str:
    import yaml

    body = yaml.safe_dump({"version": 1, "results": [r.to_mapping() for r in results]},
                          sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def append(path: Path, new: Sequence[Result]) -> list[Result]:
    """Add ``new`` to the file (created when missing) and return all its results. The existing
    file must be valid; the new whole is validated before it replaces the old atomically."""
    from provenance.fs.atomic import remove_leftovers, write_atomic
    from provenance.fs.lock import locked

    with locked(path.parent):
        results = [*load(path), *new]
        text = render(results)
        parse(text)  # what is written must read back: never a file check would refuse
        remove_leftovers(path)
        write_atomic(path, text.encode("utf-8"))
    return results
