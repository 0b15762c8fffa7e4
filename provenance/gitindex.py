"""What git says a change removes: deleted and renamed files, with the content they had.

A pre-commit hook is handed the files a commit adds or modifies, never the ones it deletes, and a
rename shows only its new name; so a commit that removes a sidecar, a manifest or an attestation
reaches the hook with nothing to check. This module asks git instead (``git diff --raw -z -M``),
for the staged change (the index against HEAD) or for ``--changed-since REF``. It only runs git;
what a removal means is ``checks.coverage``'s. Standard library only: it runs on every commit.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from provenance.config import ConfigError


class GitError(ConfigError):
    """Git cannot answer (not a repository, a bad ref): exit code 2, like a bad configuration."""


@dataclass(frozen=True)
class Removal:
    """A file the change deletes (``renamed_to`` None) or renames, relative to the root."""

    path: str
    renamed_to: str | None
    blob: str  # the object id of the content it had, to read a removed manifest back

    def describe(self) -> str:
        if self.renamed_to is None:
            return f"{self.path} is deleted"
        return f"{self.path} is renamed to {self.renamed_to}"


def _git(root: Path, *args: str, what: str) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git: {message[0] if message else 'failed'} ({what})")
    return result.stdout


def _has_head(root: Path) -> bool:
    try:
        result = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"],
                                cwd=root, capture_output=True, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    return result.returncode == 0


def parse_raw(output: bytes) -> list[Removal]:
    """Deletions and renames in ``git diff --raw -z --no-abbrev`` output.

    Each entry is ``:<mode> <mode> <old id> <new id> <status>`` then one path (two for a rename
    or copy), every field ended by NUL. Paths are decoded as the file system would
    (surrogateescape), so a name that is not UTF-8 still names its file."""
    fields = output.split(b"\0")
    out: list[Removal] = []
    index = 0
    while index < len(fields) and fields[index].startswith(b":"):
        meta = fields[index][1:].split(b" ")
        status = meta[4][:1] if len(meta) > 4 else b""
        paths = 2 if status in (b"R", b"C") else 1
        names = [f.decode("utf-8", "surrogateescape") for f in fields[index + 1:index + 1 + paths]]
        index += 1 + paths
        if len(names) < paths:
            break  # cut short: nothing more to read
        blob = meta[2].decode("ascii", "replace") if len(meta) > 2 else ""
        if status == b"D":
            out.append(Removal(names[0], None, blob))
        elif status == b"R":
            out.append(Removal(names[0], names[1], blob))
    return out


def _diff(root: Path, *revisions: str, cached: bool = False, what: str) -> list[Removal]:
    args = ["diff", "--raw", "-z", "--no-abbrev", "-M", "--relative", "--no-ext-diff",
            "--no-textconv"]
    if cached:
        args.append("--cached")
    return parse_raw(_git(root, *args, *revisions, "--", what=what))


def staged_removals(root: Path) -> list[Removal]:
    """What the commit being made deletes or renames (the index against HEAD)."""
    if not _has_head(root):
        return []  # the first commit removes nothing
    return _diff(root, "HEAD", cached=True, what="the staged changes")


def removals_since(root: Path, ref: str) -> list[Removal]:
    """What was deleted or renamed since the merge base of ``ref`` and HEAD, in commits or in
    the working tree, and is not in the working tree now (that is what the check reads)."""
    if ref.startswith("-"):
        raise GitError(f"{ref}: not a git ref")
    found = {r.path: r for r in _diff(root, f"{ref}...HEAD", what=ref)}
    found.update({r.path: r for r in _diff(root, "HEAD", what="the working tree")})
    return [r for r in found.values() if not os.path.lexists(root / r.path)]


def tracked(root: Path) -> set[str]:
    """Every path in the index, relative to the root."""
    output = _git(root, "ls-files", "-z", "--cached", what="the index")
    return {name.decode("utf-8", "surrogateescape") for name in output.split(b"\0") if name}


def blob(root: Path, object_id: str) -> bytes:
    """The content of one object (a removed file as it was)."""
    return _git(root, "cat-file", "blob", object_id, what=object_id)
