"""Keeping reads inside the repository: symlinks that leave it, dangle or loop are not followed.

A data repository is written by many hands, and a symlink committed into it can point anywhere:
``data/train.jsonl -> /home/ci/.netrc`` would have the check hash (and a record reader print) a
file that is not part of the repository, and one to a named pipe would wait forever. A symlink is
followed only when it resolves to a regular file under the root; otherwise the caller reports
why, in one line, and reads nothing.

Only symlinks cost a ``realpath``: a plain file needs one ``lstat``, and a walk of the root never
descends through a symlinked folder (command-line paths through one are resolved by
``discovery.relative_path``).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

OUTSIDE = "symlink leads outside the repository (not read)"
DANGLING = "symlink to a file that does not exist, deleted? (not read)"
LOOP = "symlink loop (not read)"
SPECIAL = "symlink to something that is not a regular file, such as a pipe (not read)"


def problem(root: Path, path: Path) -> str | None:
    """Why ``path`` (named under ``root``) must not be read, or None when it may be: it is not a
    symlink, or it is one that resolves to an existing file under the root. A path that does not
    exist at all is None too: the reader reports it as it would any missing file."""
    try:
        if not stat.S_ISLNK(os.lstat(path).st_mode):
            return None
    except OSError:
        return None
    return _target_problem(root, path)


def _target_problem(root: Path, path: Path) -> str | None:
    try:
        real = Path(path).resolve(strict=True)
    except FileNotFoundError:
        return DANGLING
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return LOOP
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return LOOP
        return f"symlink cannot be followed: {exc.strerror or exc} (not read)"
    if not inside(root, real):
        return OUTSIDE
    try:
        regular = stat.S_ISREG(os.stat(real).st_mode)
    except OSError:
        return None  # gone since: the reader says so
    return None if regular else SPECIAL  # opening a pipe would wait for a writer forever


def inside(root: Path, real: Path) -> bool:
    """Whether the resolved path ``real`` lies under the (resolved) ``root``."""
    try:
        real.relative_to(Path(os.path.realpath(root)))
    except ValueError:
        return False
    return True
