"""What a run says about the files it did not check: silence would read as "all passed".

A whole-repository run that matched no data file, a path named on the command line that is not
a dataset, and dataset metadata files (Croissant, Hugging Face, LlamaIndex) that describe data
rather than hold it, each get one note.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

from provenance.config import METADATA_NAMES, is_metadata
from provenance.discovery import PathError, is_provenance_file, relative_path
from provenance.findings import RunResult

if TYPE_CHECKING:
    from provenance.session import Session


def selection_notes(session: Session, result: RunResult, named: Sequence[str] | None
                    ) -> list[str]:
    notes: list[str] = []
    config = session.config
    if not named:
        if not result.files:
            notes.append("no data file matched the include patterns (*.jsonl, *.ndjson, "
                         "*.parquet, *.arrow anywhere; *.json, *.csv, *.tsv under data/ or "
                         "datasets/; .gz and .zst compressed too); "
                         "set include in .qa-provenance.yaml if your data lives elsewhere")
        metadata = [p for p in session.all_files() if is_metadata(p)]
        if metadata:
            kinds = sorted({_kind(p) for p in metadata})
            note = (f"{len(metadata)} dataset metadata file{'s' if len(metadata) != 1 else ''} "
                    f"({', '.join(kinds)}) not checked as QA data")
            croissant = [p for p in metadata if _kind(p) == CROISSANT]
            if croissant:
                shown = shlex.quote(os.path.relpath(config.root / croissant[0]))
                note += (f"; to draft provenance from Croissant metadata: qa-provenance import "
                         f"{shown} --data DATA_FILE")
            notes.append(note)
        return notes
    if os.environ.get("PRE_COMMIT"):
        return notes  # the hook's file list is pre-commit's choice, not the user's
    checked = {f.path for f in result.files}
    for raw in named:
        try:
            relpath = relative_path(config.root, raw)
        except PathError:
            continue
        path = config.root / relpath
        if not path.is_file() or relpath in checked or is_provenance_file(relpath):
            continue
        if relpath == (config.evaluations.get("file") or "evaluations.yaml"):
            continue  # the evaluation results: checked for QP042/QP043 (provenance.evaluation)
        if is_metadata(relpath):
            note = f"{raw}: {_kind(relpath)}, not QA data"
            if _kind(relpath) == CROISSANT:
                note += (f": qa-provenance import {shlex.quote(raw)} --data DATA_FILE drafts "
                         "provenance from it")
            notes.append(note)
        elif not config.is_dataset(relpath):
            notes.append(f"{raw}: not a QA dataset under the configuration's include patterns "
                         "(not checked)")
    return notes


CROISSANT = "Croissant metadata"  # what `import` reads (and dataset cards, README.md)


def _kind(relpath: str) -> str:
    return METADATA_NAMES[relpath.rsplit("/", 1)[-1].lower()]
