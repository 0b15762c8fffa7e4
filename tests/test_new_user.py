"""Rough edges a new user met in a first walkthrough (README, ``init``, ``stamp``, a commit, the
action), each through the real entry point."""

from __future__ import annotations

import sys

import pytest
from conftest import Repo, Runner

from provenance.speed import digest_cache, run_cache


@pytest.fixture
def caches_trusted_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both caches serve what they stored at once (the racily-clean wait has its own tests)."""
    monkeypatch.setattr(run_cache, "RACY_SECONDS", -1e12)
    monkeypatch.setattr(digest_cache, "RACY_SECONDS", -1e12)


@pytest.mark.usefixtures("caches_trusted_at_once")
def test_installing_pyarrow_takes_effect_at_once(repo: Repo, run: Runner,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The note says to install pyarrow; once it is, the next run counts the rows (neither cache
    keeps what was read without it)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    repo.path("data").mkdir()
    pq.write_table(pa.table({"question": ["q1", "q2"], "answer": ["a1", "a2"]}),
                   repo.path("data/qa.parquet"))
    repo.sidecar("data/qa.parquet", records=3)
    with monkeypatch.context() as blocked:
        for name in ("pyarrow", "pyarrow.parquet"):
            blocked.setitem(sys.modules, name, None)  # import fails as if not installed
        first = run("check")
    assert first.code == 0
    assert "record count not checked: install qa-provenance[parquet]" in first.err
    second = run("check")
    assert "record count not checked" not in second.err
    assert second.code == 1
    assert "records: 3 declared, the file holds 2" in second.out


def test_pre_commit_users_are_told_to_add_pyarrow_to_the_hook(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("data/qa.parquet", b"PAR1" + b"\0" * 8 + b"PAR1")
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = run("check", "data/qa.parquet")
    assert "additional_dependencies: [pyarrow]" in result.err
