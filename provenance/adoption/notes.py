"""What a run says about the files it did not check: silence would read as "all passed".

A whole-repository run that matched no data file, a path named on the command line that is not
a dataset, and dataset metadata files (Croissant, Hugging Face, LlamaIndex) that describe data
rather than hold it, each get one note.
"""

from __future__ import annotations

import os
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
            kinds = sorted({METADATA_NAMES[p.rsplit("/", 1)[-1].lower()] for p in metadata})
            notes.append(f"{len(metadata)} dataset metadata file"
                         f"{'s' if len(metadata) != 1 else ''} ({', '.join(kinds)}) not checked "
                         "as QA data; qa-provenance import drafts provenance from what they say "
                         f"(e.g. {metadata[0]})")
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
            notes.append(f"{raw}: {METADATA_NAMES[relpath.rsplit('/', 1)[-1].lower()]}, not QA "
                         f"data: qa-provenance import drafts provenance from it")
        elif not config.is_dataset(relpath):
            notes.append(f"{raw}: not a QA dataset under the configuration's include patterns "
                         "(not checked)")
    return notes
