"""Files are read on background threads ahead of their checks, without changing any result."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from conftest import Repo, Runner

from provenance.speed import schedule
from provenance.speed.read_ahead import ReadAhead


def test_hands_out_results_in_order_and_reads_each_name_once() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def read(name: str) -> str:
        with lock:
            seen.append(name)
        return name.upper()

    names = [f"f{i}" for i in range(10)]
    with ReadAhead(names, read, workers=2, ahead=1) as reader:
        assert [reader.take(name) for name in names] == [name.upper() for name in names]
    assert sorted(seen) == sorted(names)


def gated(names: int, workers: int, ahead: int) -> tuple[ReadAhead[str], list[str],
                                                          threading.Event]:
    """A reader whose reads record their start, then wait for the gate to open."""
    started: list[str] = []
    gate = threading.Event()

    def read(name: str) -> str:
        started.append(name)
        gate.wait(5)
        return name

    return ReadAhead([f"f{i}" for i in range(names)], read, workers=workers,
                     ahead=ahead), started, gate


def test_no_more_than_workers_plus_ahead_files_are_read_before_their_turn() -> None:
    reader, started, gate = gated(8, workers=2, ahead=1)
    try:
        time.sleep(0.2)  # give the pool every chance to start more than the window
        assert len(started) == 2  # both workers busy, the third file waits in the window
    finally:
        gate.set()
        assert reader.take("f0") == "f0"
        reader.close()
    assert len(started) <= 4  # three in the window, one more after the take


def test_closing_early_never_starts_the_files_not_yet_reached() -> None:
    reader, started, gate = gated(50, workers=1, ahead=1)
    gate.set()
    reader.close()
    assert len(started) <= 2


def test_an_error_while_reading_reaches_the_taker() -> None:
    def read(name: str) -> str:
        raise OSError(f"cannot read {name}")

    with ReadAhead(["a"], read) as reader, pytest.raises(OSError, match="cannot read a"):
        reader.take("a")


def test_a_name_out_of_order_is_read_when_asked_for() -> None:
    with ReadAhead(["a", "b"], str.upper, workers=1, ahead=0) as reader:
        assert reader.take("zzz") == "ZZZ"
        assert reader.take("a") == "A"


def test_a_run_with_or_without_reading_ahead_reports_the_same(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading ahead (every file, as if all were large: JSONL records scanned while the file is
    hashed) or not at all (as if all were small) gives the same report."""
    for index in range(6):
        repo.jsonl(f"data/part{index}.jsonl")
        if index % 2:
            repo.sidecar(f"data/part{index}.jsonl")
    repo.write("data/broken.jsonl", b'{"question": "q"}\n{"question": \n')
    repo.sidecar("data/broken.jsonl", generator={"type": "model", "id": "gpt-4o"},
                 validator={"type": "model", "id": "openai/gpt-4o"})
    repo.write("data/lfs.jsonl", "version https://git-lfs.github.com/spec/v1\n"
               f"oid sha256:{'a' * 64}\nsize 12345\n")
    repo.sidecar("data/lfs.jsonl", digest={"sha256": "a" * 64})
    repo.write("data/agents.jsonl", b'{"query": "q?", "query_by": {"model_name": "gpt-4o", '
               b'"type": "ai"}, "reference_answer": "a", "reference_answer_by": '
               b'{"model_name": "gpt-4o", "type": "ai"}}\n')
    repo.sidecar("data/agents.jsonl", generator=None)
    monkeypatch.setattr(schedule, "READ_AHEAD_MIN_BYTES", 0)
    result = run("check", "--format", "json")
    monkeypatch.setattr(schedule, "READ_AHEAD_MIN_BYTES", 1 << 62)
    other = run("check", "--format", "json")
    assert result.code == other.code == 1
    assert result.out == other.out
    assert {"QP001", "QP010", "QP020"} <= _codes(result.out)
    files = {f["path"]: f for f in json.loads(result.out)["files"]}
    assert files["data/agents.jsonl"]["profile"]  # its records were scanned
    assert "gpt-4o" in files["data/agents.jsonl"]["generators"]
    assert not files["data/lfs.jsonl"].get("profile")  # an LFS pointer's are not


def _codes(text: str) -> set[str]:
    return {part for part in text.split('"') if part.startswith("QP") and len(part) == 5}


def test_a_file_that_vanishes_before_its_turn_is_reported_not_raised(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    for index in range(4):
        repo.jsonl(f"data/part{index}.jsonl")
        repo.sidecar(f"data/part{index}.jsonl")
    original = schedule.Schedule._read

    def read_and_delete_the_last(self: schedule.Schedule, relpath: str) -> object:
        if relpath.endswith("part0.jsonl"):
            Path(self.config.root / "data/part3.jsonl").unlink()
        return original(self, relpath)

    monkeypatch.setattr(schedule.Schedule, "_read", read_and_delete_the_last)
    result = run("check")
    assert result.code == 1
    assert result.has("data/part3.jsonl")
