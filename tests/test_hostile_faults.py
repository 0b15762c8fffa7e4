"""Faults that used to end in "internal error" (issue 14): the run goes on and says why.

The verdict cache of ``spot-check`` that cannot be read or written is a note; the cases run the
embedded local verifier (no sockets). A full disk is a real small tmpfs (mounted on the cache folder
in the git directory) and a read-only checkout a read-only bind mount, where this machine lets the
test mount them (as root); an injected ``ENOSPC`` everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner

DATA = "data/qa.jsonl"
CACHE_DIR = ".git/qa-provenance"  # where provenance.fs.cache_dir keeps caches in a checkout


def qa_rows(count: int = 3) -> list[dict[str, Any]]:
    return [{"question": f"How much does item {i} weigh?", "answer": f"{i + 1} grams",
             "context": f"In the catalogue, item {i} weighs {i + 1} grams."} for i in range(count)]


def setup(repo: Repo) -> None:
    repo.jsonl(DATA, qa_rows())
    repo.sidecar(DATA)
    repo.write(".qa-provenance.yaml", "{}\n")


def test_a_verdict_cache_that_cannot_be_created_is_a_note(repo: Repo, run: Runner) -> None:
    """A file where the cache folder would be: the cache can be neither read nor written."""
    setup(repo)
    if repo.path(CACHE_DIR).is_dir():  # made by an earlier run's caches
        shutil.rmtree(repo.path(CACHE_DIR))
    repo.write(CACHE_DIR, "not a folder\n")
    result = run("spot-check")
    assert result.code == 0, result.out + result.err
    assert "verdict cache could not be" in result.out + result.err
    assert "this run goes on without it" in result.out + result.err


def test_a_full_disk_under_the_verdict_cache_is_a_note(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing a verdict fails with ENOSPC (injected): the spot check still ends with its
    verdicts (was: internal error: OSError)."""
    from provenance.spot import verdict_cache

    setup(repo)

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(verdict_cache.os, "write", full)
    result = run("spot-check")
    assert result.code == 0, result.out + result.err
    assert "verdict cache could not be written (No space left on device)" in result.out + result.err


@contextlib.contextmanager
def _tiny_tmpfs(where: Path) -> Iterator[None]:
    where.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if mount is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(where)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        yield
    finally:
        subprocess.run(["umount", str(where)], capture_output=True, check=False)


def test_a_really_full_disk_under_the_verdict_cache_is_a_note(repo: Repo, run: Runner) -> None:
    setup(repo)
    cache = repo.path(CACHE_DIR)
    with _tiny_tmpfs(cache):
        filler = cache / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as handle:
            while True:
                handle.write(b"\0" * 1024)
                handle.flush()
        result = run("spot-check")
    assert result.code == 0, result.out + result.err
    assert "verdict cache could not be" in result.out + result.err


def test_a_read_only_checkout_is_a_note(repo: Repo, run: Runner) -> None:
    """The whole repository bind-mounted read-only (where the machine allows it)."""
    setup(repo)
    mount = shutil.which("mount")
    if mount is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root and mount(8)")
    root = str(repo.root)
    if subprocess.run([mount, "--bind", root, root], capture_output=True).returncode != 0:
        pytest.skip("this machine does not allow bind mounts")
    try:
        if subprocess.run([mount, "-o", "remount,ro,bind", root],
                          capture_output=True).returncode != 0:
            pytest.skip("this machine does not allow a read-only remount")
        result = run("spot-check")
    finally:
        subprocess.run(["umount", root], capture_output=True, check=False)
    assert result.code == 0, result.out + result.err
    assert "verdict cache could not be" in result.out + result.err
