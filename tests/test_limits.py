"""The readers' limits are settings (``limits:``), in force for the run and its workers."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from conftest import Repo, Runner

from provenance.reading import limits


@pytest.fixture(autouse=True)
def default_limits() -> Iterator[None]:
    """The limits are the process's: put the defaults back for the tests that follow."""
    limits.use(limits.Limits())
    yield
    limits.use(limits.Limits())


def test_a_configured_record_limit_names_the_record(repo: Repo, run: Runner) -> None:
    repo.write(".qa-provenance.yaml", "limits:\n  record-bytes: 1048576\n")
    repo.write("data/qa.jsonl", '{"a": 1}\n' + '{"a": "' + "x" * (2 << 20) + '"}\n')
    result = run("check")
    assert result.code == 1
    assert ("data/qa.jsonl:2: QP020 line longer than the limit of 1 MiB (limits: record-bytes)"
            in result.out), result.out


def test_a_configured_provenance_limit(repo: Repo, run: Runner) -> None:
    repo.write(".qa-provenance.yaml", "limits:\n  provenance-bytes: 2048\n")
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl", description="x" * 4096)
    result = run("check")
    assert "larger than the limit of 2 KiB (limits: provenance-bytes)" in result.out, result.out


def test_an_unknown_or_too_small_limit_is_a_configuration_error(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.write(".qa-provenance.yaml", "limits:\n  record-size: 10\n")
    assert run("check").code == 2
    repo.write(".qa-provenance.yaml", "limits:\n  record-bytes: 10\n")
    assert run("check").code == 2


def test_workers_read_with_the_runs_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = limits.Limits(record_bytes=3 << 20, manifest_subjects=7)
    limits.use(chosen)
    environment = limits.environment()
    monkeypatch.setattr(limits, "_current", None)
    monkeypatch.setattr(os, "environ", {**os.environ, **environment})
    assert limits.current() == chosen
