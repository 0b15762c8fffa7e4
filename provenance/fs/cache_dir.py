"""Where the tool keeps what it reads back: never at a path git would commit.

A cache the tool trusts (parsed configuration, digests, replayed runs, verifier verdicts) is
evidence if it can be committed: a planted ``verdicts.jsonl`` full of "supported" passes a bad file
in a fresh clone. So caches live under the git directory (``.git/qa-provenance/``, or the
worktree's own git directory), and outside a checkout in the user's cache folder
(``$XDG_CACHE_HOME`` or ``~/.cache``, one folder per root). A configured cache path must lie inside
the git directory, reached without symlinks; the old ``.qa-provenance-cache`` folder in the work
tree is never read, and a run says so once.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

WORKTREE_FOLDER = ".qa-provenance-cache"  # where caches once lived: never read, never written
SUBFOLDER = "qa-provenance"


class CachePathError(ValueError):
    """A configured cache path that could be committed or leaves the repository."""


def git_dir(root: Path) -> Path | None:
    """The git directory of the checkout holding ``root`` (which may be a folder inside it):
    ``.git`` itself, or where a worktree's ``.git`` file points."""
    for folder in (root, *root.absolute().parents):
        dot = folder / ".git"
        if dot.is_symlink():
            return None
        if dot.is_dir():
            return dot
        if dot.is_file():
            return _pointed(folder, dot)
    return None


def _pointed(folder: Path, dot: Path) -> Path | None:
    try:
        first = dot.read_text("utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return None
    if not first.startswith("gitdir:"):
        return None
    target = Path(first[len("gitdir:"):].strip())
    target = target if target.is_absolute() else folder / target
    return target if target.is_dir() else None


def user_cache_root() -> Path:
    """The user's cache folder, as the platform names it."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    return Path.home() / ".cache"


def cache_dir(root: Path) -> Path:
    """The folder for every cache of the checkout at ``root``."""
    found = git_dir(root)
    if found is not None:
        return found / SUBFOLDER
    key = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return user_cache_root() / SUBFOLDER / key[:16]


def configured_path(root: Path, value: str) -> Path:
    """A cache path from the configuration (relative to the root): inside the git directory and
    reached without symlinks, else ``CachePathError`` saying why."""
    found = git_dir(root)
    if found is None:
        raise CachePathError(f"'{value}': a configured cache path must lie inside the git "
                             "directory, and there is none here (use true: the user's cache "
                             "folder)")
    target = Path(os.path.normpath(root / value))
    git = Path(os.path.normpath(found if found.is_absolute() else root / found))
    if not _under(target, git):
        where = "inside the work tree, where it could be committed" if _under(target, root) \
            else "outside the repository"
        raise CachePathError(f"'{value}' lies {where}: a cache must live in the git "
                             f"directory ({_shown(root, git)}/{SUBFOLDER}/...)")
    for part in (target, *target.parents):
        if part == git.parent:
            break
        if part.is_symlink():
            raise CachePathError(f"'{value}' goes through a symlink ({_shown(root, part)}): a "
                                 "cache path must not lead elsewhere")
    return target


def worktree_cache_note(root: Path) -> str | None:
    """The once-per-run note for a cache folder found in the work tree (it is never read)."""
    folder = root / WORKTREE_FOLDER
    if not (folder.is_symlink() or folder.exists()):
        return None
    return (f"{WORKTREE_FOLDER}/ in the work tree is ignored: a cache that could be committed is "
            f"never trusted (caches live in {_shown(root, cache_dir(root))}); delete it")


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
