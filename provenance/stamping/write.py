"""Writing provenance files (never data files): serialised as their format wants, atomically.

Shared by ``stamp`` and ``spot-check --record``. YAML files keep their leading comment block;
other comments are lost in a rewrite, which the README says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provenance.fs.atomic import remove_leftovers, write_atomic
from provenance.reading.locate import SIDECAR_SUFFIXES, is_manifest


def write_provenance(target: Path, data: Any) -> None:
    """Callers hold the folder lock (``file_lock``), so leftovers of killed writes can go."""
    if not (target.name.endswith(SIDECAR_SUFFIXES) or is_manifest(target.name)):
        raise ValueError(f"{target}: refusing to write a file that is not a provenance file")
    remove_leftovers(target)
    write_atomic(target, serialise(target, data))


def serialise(target: Path, data: Any) -> bytes:
    if target.suffix == ".json":
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    import yaml

    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)
    return (_leading_comments(target) + text).encode("utf-8")


def _leading_comments(target: Path) -> str:
    """The comment block at the top of the file being replaced."""
    if not target.is_file():
        return ""
    lines = []
    with open(target, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            lines.append(line if line.endswith("\n") else line + "\n")
    return "".join(lines)
