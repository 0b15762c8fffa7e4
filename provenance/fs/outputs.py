"""Where a report may be written: never over a dataset or a provenance file.

``check -o``, ``--sarif-file``, ``--json-file``, ``--summary-file``, ``spot-check -o``, ``export
-o`` and ``import -o`` (a draft: provenance, but never over a dataset, even with --force) write a
file the user names; a slip of the finger (``-o data/train.jsonl``) would replace the data the
report is about. A path inside the root that is a dataset (by the configuration, or a data file
with provenance beside it) or a provenance file (sidecar, manifest, draft, the configuration) is
refused before anything is written.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from provenance.config import CONFIG_FILE, Config

_PROVENANCE_SUFFIXES = (".provenance.yaml", ".provenance.json", ".provenance.draft.yaml")


def refusal(config: Config, path: str, *, provenance_allowed: bool = False) -> str | None:
    """Why the report must not go to ``path`` (one line), or None. ``provenance_allowed``: the
    output is itself provenance (an import draft), so only a dataset is refused."""
    from provenance.reading.datafile import format_of
    from provenance.reading.locate import MANIFEST_NAME, present, sidecar_paths

    try:
        target = Path(os.path.realpath(Path.cwd() / path))
        root = Path(os.path.realpath(config.root))
        relpath = target.relative_to(root).as_posix()
    except (OSError, ValueError):  # outside the root (or unnameable): not ours to judge
        return None
    name = posixpath.basename(relpath)
    if name.endswith(_PROVENANCE_SUFFIXES) or name in (MANIFEST_NAME, CONFIG_FILE):
        if provenance_allowed:
            return None
        what = "a provenance file"
    elif config.is_dataset(relpath) or (
            format_of(relpath) is not None
            and any(present(root / sidecar) for sidecar in sidecar_paths(relpath))):
        what = "a dataset"
    else:
        return None
    return f"refusing to write to {path}: it is {what} (choose another path)"
