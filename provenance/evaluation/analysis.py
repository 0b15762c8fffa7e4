"""The results file read against the repository: each result classified, each model's rounds.

What ``check`` (QP042, QP043) and ``qa-provenance drift`` share. The lineage graph and the
datasets' records come from the caller (the checker has built them already; ``drift`` builds them
from the records alone), so the graph is built once per run.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.evaluation.classify import Classified, classify, generated_only
from provenance.evaluation.drift import Model, Sign, models, signs
from provenance.evaluation.results import Result, ResultsError, load
from provenance.evaluation.settings import EvaluationSettings, from_config
from provenance.fs.confine import inside, problem

if TYPE_CHECKING:
    from provenance.lineage.build import DatasetFacts
    from provenance.lineage.graph import LineageGraph
    from provenance.session import Session


@dataclass
class Analysis:
    settings: EvaluationSettings
    results: list[Result] = field(default_factory=list)
    classified: list[Classified] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)
    signs: dict[str, list[Sign]] = field(default_factory=dict)  # per model label
    error: ResultsError | None = None  # the results file could not be used


def settings_of(session: Session) -> EvaluationSettings:
    return from_config(session.config.evaluations)


def results_path(session: Session) -> Path:
    return session.root / settings_of(session).file


def analyse(session: Session, graph: LineageGraph, facts: Mapping[str, DatasetFacts],
            results: list[Result] | None = None) -> Analysis:
    """Classify the results (read from the file unless given) and find each model's signs."""
    settings = settings_of(session)
    out = Analysis(settings)
    if results is None:
        try:
            results = load(session.root / settings.file)
        except ResultsError as exc:
            out.error = exc
            return out
    out.results = results
    if not results:
        return out
    registry = session.registry()
    digests = {path: file_sha256(session.root, path) for path in {r.dataset for r in results}}
    out.classified = classify(results, graph, registry.key, digests, session.policy_relation)

    def generated(path: str) -> bool | None:
        return generated_only(facts.get(posixpath.normpath(path)))

    out.models = models(out.classified, registry.key, generated)
    out.signs = {m.label: signs(m, settings.drift) for m in out.models}
    return out


def file_sha256(root: Path, relpath: str) -> str | None:
    """The digest of a repository file's bytes; None when ``relpath`` names no regular file
    inside the root (a URI, an absolute path, ``..``, a symlink out, a folder)."""
    if "://" in relpath or posixpath.isabs(relpath):
        return None
    path = root / relpath
    try:
        if problem(root, path) is not None or not inside(root, path.resolve()) \
                or not path.is_file():
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()

