"""The way out of a first run: one short block of commands instead of a hint per file.

A repository adopting the tool may have dozens of unlabelled files. Each finding says what is
wrong; this block says once how to fix all of them, with paths that work from where the user
stands (relative to the current folder, shell-quoted), and how to run the tool without it on
PATH (pre-commit installs it in its own environment).
"""

from __future__ import annotations

import os
import posixpath
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path

from provenance.findings import Finding
from provenance.rules import MISSING, Severity

AGENTS = "--generator TYPE:ID --validator TYPE:ID"


def missing_hints(findings: Sequence[Finding], root: Path, cwd: Path) -> list[str]:
    """Hint lines for the data files without provenance; none when there are none."""
    # Files whose missing record is only a warning were lowered on purpose (legacy data).
    missing = sorted({f.path for f in findings
                      if f.rule is MISSING and f.severity is Severity.ERROR})
    if not missing:
        return []

    def shown(relpath: str) -> str:
        return shlex.quote(os.path.relpath(root / relpath, cwd) if relpath else
                           os.path.relpath(root, cwd))

    if len(missing) == 1:
        note = _without_path()
        return [f"add provenance with: qa-provenance stamp {shown(missing[0])} {AGENTS}",
                *([note] if note else [])]
    folder = posixpath.commonpath(missing) if all("/" in p for p in missing) else ""
    if folder in missing:  # a single file's own path
        folder = posixpath.dirname(folder)
    # A folder for the example, as init offers them (under data/, the one below it).
    from provenance.adoption.survey import override_folder

    example = override_folder(missing[0])
    legacy = (example + "/**" if example != "." else "*").replace("'", "''")  # YAML quoting
    lines = [f"{len(missing)} data files have no provenance. The fastest ways out:",
             f"  qa-provenance stamp {shown(folder)} {AGENTS}   (every data file under it, "
             "when one source made them; a file that names its agents keeps them)",
             "  or a provenance.yaml in a folder made by one pipeline: datasets: [{files: "
             "'*.jsonl', generator: {type: model, id: ID}, validator: {type: human, id: ID}}]; "
             "then stamp the folder",
             "  for legacy folders, a warning instead of an error: overrides: [{files: "
             f"'{legacy}', rules: {{missing-provenance: warn}}}}] "
             "in .qa-provenance.yaml"]
    note = _without_path()
    return lines + ([note] if note else [])


def _without_path() -> str | None:
    """How to get the command, for someone whose shell lacks it: under pre-commit (which sets
    PRE_COMMIT=1 and puts its own copy on the hook's PATH) or where it is not on PATH."""
    if os.environ.get("PRE_COMMIT") != "1" and shutil.which("qa-provenance") is not None:
        return None
    return ("  (without qa-provenance on your PATH, as with pre-commit only: pipx run "
            "qa-provenance ..., or pip install qa-provenance)")
