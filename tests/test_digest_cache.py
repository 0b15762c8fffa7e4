"""The digest cache serves unchanged files only: never a changed one, whatever its stamps say."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provenance.reading import datafile
from provenance.speed import digest_cache
from provenance.speed.digest_cache import DigestCache


def _age(path: Path, seconds: float) -> None:
    """Make the file look older than the racy window (as if written a while ago)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - int(seconds * 1e9)))


def _counting_reader() -> tuple[list[Path], object]:
    reads: list[Path] = []

    def read(path: Path) -> datafile.DataFacts:
        reads.append(path)
        return datafile.inspect(path)

    return reads, read


def test_unchanged_file_is_served_from_the_cache_across_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "a.jsonl"
    data.write_text('{"question": "q", "answer": "a"}\n')
    store = tmp_path / "cache.json"
    reads, read = _counting_reader()
    later = digest_cache.time.time() + 10  # the entry is made well after the file was written
    monkeypatch.setattr(digest_cache.time, "time", lambda: later)
    cache = DigestCache(store)
    first = cache.inspect("a.jsonl", data, read)  # type: ignore[arg-type]
    cache.save()
    again = DigestCache(store)
    second = again.inspect("a.jsonl", data, read)  # type: ignore[arg-type]
    assert (second.sha256, second.records) == (first.sha256, 1)
    assert again.hits == 1 and len(reads) == 1


def test_changed_content_with_same_size_and_mtime_is_never_served(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    data = tmp_path / "a.jsonl"
    data.write_text('{"question": "q", "answer": "a"}\n')
    _age(data, 60)
    store = tmp_path / "cache.json"
    reads, read = _counting_reader()
    later = digest_cache.time.time() + 10  # trusted entry: the racy window does not apply
    monkeypatch.setattr(digest_cache.time, "time", lambda: later)
    cache = DigestCache(store)
    before = cache.inspect("a.jsonl", data, read)  # type: ignore[arg-type]
    cache.save()
    stat = data.stat()
    data.write_text('{"question": "q", "answer": "b"}\n')  # same size
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime as before
    assert data.stat().st_size == stat.st_size and data.stat().st_mtime_ns == stat.st_mtime_ns
    after = DigestCache(store).inspect("a.jsonl", data, read)  # type: ignore[arg-type]
    assert after.sha256 != before.sha256  # ctime moved: the key no longer matches
    assert len(reads) == 2



def test_recently_modified_files_are_not_trusted(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest_cache, "RACY_SECONDS", 2.0)
    data = tmp_path / "a.jsonl"
    data.write_text('{"question": "q", "answer": "a"}\n')
    store = tmp_path / "cache.json"
    reads, read = _counting_reader()
    cache = DigestCache(store)
    cache.inspect("a.jsonl", data, read)  # type: ignore[arg-type]
    cache.save()
    DigestCache(store).inspect("a.jsonl", data, read)  # type: ignore[arg-type]
    assert len(reads) == 2  # written moments ago: racily clean, so read again


def test_check_uses_the_cache_under_dot_git_and_still_catches_edits(repo, run) -> None:  # type: ignore[no-untyped-def]
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl")
    assert run("check").code == 0
    assert (repo.root / ".git" / "qa-provenance" / "digests.json").is_file()
    (repo.root / "data/train.jsonl").write_text('{"question": "x", "answer": "y"}\n')
    result = run("check")
    assert result.code == 1 and "QP003" in result.out


def test_cache_can_be_disabled(repo, run) -> None:  # type: ignore[no-untyped-def]
    repo.write(".qa-provenance.yaml", "digest-cache: false\n")
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl")
    assert run("check").code == 0
    assert not (repo.root / ".git" / "qa-provenance" / "digests.json").exists()


def test_valid_record_keys_do_not_grow_without_bound(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each edit of a record adds a key; past the bound only the keys a run used are kept, and
    under it nothing is dropped."""
    monkeypatch.setattr(digest_cache, "VALID_KEYS_SLACK", 3)
    store = tmp_path / "cache.json"
    cache = DigestCache(store)
    for index in range(3):
        cache.mark_valid(f"old-{index}")
    cache.save()
    kept = DigestCache(store)
    assert all(kept.is_valid(f"old-{index}") for index in range(3))  # 3 keys: under the bound
    later = DigestCache(store)
    assert later.is_valid("old-0")
    later.mark_valid("new")  # 4 keys, no cached file: over 2 * 0 + 3
    later.save()
    pruned = DigestCache(store)
    assert pruned.is_valid("old-0") and pruned.is_valid("new")
    assert not pruned.is_valid("old-1") and not pruned.is_valid("old-2")
