"""Crash-safe file replacement: readers see the old file or the new one, never a partial write.

A process killed before the rename leaves its temporary file (``.NAME.RANDOM.tmp``) behind; the
target is untouched, discovery skips such names (``is_temporary``), and the next locked write of
the same file removes them (``remove_leftovers``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"


def is_temporary(name: str) -> bool:
    """A file name shaped like the temporary file of an interrupted write: never data."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def remove_leftovers(path: Path) -> int:
    """Delete the temporary files killed writes of ``path`` left behind; how many there were.

    Only safe under the lock every writer of ``path`` holds (``file_lock``): then no other write
    of it is in progress. Matches exactly the names ``write_atomic`` makes for ``path``."""
    prefix = f"{TEMP_PREFIX}{path.name}."
    removed = 0
    with contextlib.suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(prefix) and name.endswith(TEMP_SUFFIX) \
                    and len(name) == len(prefix) + _RANDOM_CHARS + len(TEMP_SUFFIX) \
                    and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


_RANDOM_CHARS = 8  # the length of tempfile.mkstemp's random part


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux), else
    set and restored at once."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    import tempfile  # here: a check that writes nothing does not pay for the import

    # An existing file keeps its mode; a new one gets what open() would give it (mkstemp's
    # 0600 would hide a sidecar or a report from everyone else on a shared checkout).
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~current_umask()
    fd, temp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX,
                                dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # not every platform can fsync a directory
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
