"""Large files read in worker processes: the same facts as reading here, and no worse on failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo, Runner

from provenance.reading import datafile
from provenance.speed import inspect_workers, schedule

FILES = {
    "ok.jsonl": b'{"question": "q", "answer": "a"}\n' * 50,
    "crlf.jsonl": b'{"q": 1}\r\n\r\n{"q": 2}\r\n',
    "cut.jsonl": b'{"q": 1}\n{"q": ',
    "bom.jsonl": b'\xef\xbb\xbf{"q": 1}\n',
    "empty.jsonl": b"",
    "lfs.jsonl": b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"b" * 64
                 + b"\nsize 10\n",
    "ok.csv": b"question,answer\nq,a\nr,b\n",
    "broken.csv": b'question,answer\n"q,a\n',
    "ok.tsv": b"question\tanswer\nq\ta\n",
}


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    paths = []
    for name, data in FILES.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_a_worker_finds_what_reading_here_finds(files: list[Path]) -> None:
    pool = inspect_workers.InspectWorkers(2)
    try:
        for path in files:
            assert pool.inspect(path) == datafile.inspect(path), path.name
    finally:
        pool.close()


def test_without_a_python_to_start_the_file_is_read_here(
        files: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(inspect_workers.workers.sys, "executable", str(tmp_path / "none"))
    pool = inspect_workers.InspectWorkers(2)
    try:
        assert [pool.inspect(p) for p in files] == [datafile.inspect(p) for p in files]
    finally:
        pool.close()


def test_a_worker_that_dies_is_replaced_by_reading_here(files: list[Path]) -> None:
    pool = inspect_workers.InspectWorkers(1)
    try:
        assert pool.inspect(files[0]) == datafile.inspect(files[0])
        for worker in pool._started:
            worker.kill()
            worker.wait()
        assert [pool.inspect(p) for p in files] == [datafile.inspect(p) for p in files]
    finally:
        pool.close()


def test_a_check_through_workers_reports_what_reading_here_does(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, data in FILES.items():
        repo.write(f"data/{name}", data)
        if not name.startswith(("cut", "broken")):
            repo.sidecar(f"data/{name}")
    here = run("check", "--format", "json")
    monkeypatch.setattr(schedule, "READ_AHEAD_MIN_BYTES", 0)
    monkeypatch.setattr(schedule, "WORKER_MIN_BYTES", 0)
    through_workers = run("check", "--format", "json")
    assert (through_workers.code, through_workers.out) == (here.code, here.out)
    assert here.code == 1
