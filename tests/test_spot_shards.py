"""Spot checks at scale (issue 12): parts and shards of a file merge into exactly the sample one
pass draws; incomplete or mixed partials are refused; Ctrl-C stops the sampling pass at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner, dump_yaml

from provenance.config import load_config
from provenance.spot import scan, shards
from provenance.spot.run import SpotSettings, prepare
from provenance.spot.sampling import file_key

KEY = "ci-secret-for-shards-4b1d9e"


def rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"question": f"How much does item {i} weigh?", "answer": f"{i + 1} grams",
             "context": f"In the catalogue, item {i} weighs {i + 1} grams."}
            for i in range(start, start + count)]


def write_repo(repo: Repo) -> list[str]:
    """Three files: a JSONL with duplicates and blank lines (split between shards), a second
    JSONL, and a CSV (given whole to one shard)."""
    dup = rows(1, 7)[0]
    big = rows(120) + [dup] * 40 + rows(60, 500)
    text = "".join(json.dumps(r) + "\n" + ("\n" if i % 17 == 0 else "") for i, r in
                   enumerate(big))
    repo.write("data/a.jsonl", text)
    repo.jsonl("data/b.jsonl", rows(50, 1000))
    csv = "question,answer,context\n" + "".join(
        f"How much does item {i} weigh?,{i + 1} grams,item {i} weighs {i + 1} grams\n"
        for i in range(80))
    repo.write("data/c.csv", csv)
    for rel in ("data/a.jsonl", "data/b.jsonl", "data/c.csv"):
        repo.sidecar(rel)
    repo.write(".qa-provenance.yaml", dump_yaml({"verifier": {"kind": "local"}}))
    return ["data/a.jsonl", "data/b.jsonl", "data/c.csv"]


def picks(prepared: list[Any]) -> list[tuple[str, int, list[tuple[str, str]]]]:
    return [(p.relpath, p.population, [(s.item.id, s.location) for s in p.sampled])
            for p in prepared]


@pytest.mark.parametrize("total", [1, 2, 3, 5])
def test_merged_shards_are_the_one_pass_sample(repo: Repo, tmp_path: Path, total: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", KEY)
    monkeypatch.setattr(shards, "SPLIT_MIN_BYTES", 1)  # every JSONL file is cut between shards
    relpaths = write_repo(repo)
    config = load_config(repo.root)
    settings = SpotSettings.from_config(config)
    settings.sample = 30
    _, one = prepare(config, settings, relpaths)
    partials = []
    for index in range(total):
        out = tmp_path / f"part-{index}.json"
        shards.write_partial(out, shards.sample_shard(config, settings, relpaths, index, total))
        partials.append(out)
    _, merged = shards.merge_partials(config, settings, partials[::-1])  # any order
    assert picks(merged) == picks(one)
    assert [p.population for p in one] == [220, 50, 80]  # duplicates are rows, blanks are not
    duplicates = [s for s in one[0].sampled if s.item.id == one[0].sampled[0].item.id]
    assert len({s.location for s in duplicates}) == len(duplicates)


def test_parts_on_worker_processes_are_the_one_pass_sample(repo: Repo,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    relpaths = write_repo(repo)
    path = repo.path(relpaths[0])
    key = file_key(b"k", "d" * 64)
    one = scan.sample_jsonl(path, key, 25)
    size = path.stat().st_size
    for parts in (2, 3, 7):
        ranges = scan.cut(path, 0, size, parts)
        merged = scan.merge([scan.sample_jsonl(path, key, 25, a, b) for a, b in ranges], 25)
        assert (merged.rows, merged.count, merged.lines) == (one.rows, one.count, one.lines)
    in_workers = scan.sample_parts(path, scan.cut(path, 0, size, 3), key, 25)
    assert in_workers is not None and in_workers.rows == one.rows
    assert in_workers.count == one.count == 220


def test_the_cli_merge_verifies_the_one_pass_sample(repo: Repo, run: Runner, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", KEY)
    monkeypatch.setattr(shards, "SPLIT_MIN_BYTES", 1)
    write_repo(repo)
    single = run("spot-check")
    assert single.code == 0, single.err
    outs = []
    for index in range(3):
        out = tmp_path / f"p{index}.json"
        result = run("spot-check", "--shard", f"{index}/3", "--partial-out", str(out))
        assert result.code == 0 and "partial sample written" in result.out, result.err
        assert KEY not in out.read_text()
        outs.append(str(out))
    saved = {rel: repo.path(rel).read_bytes() for rel in ("data/a.jsonl", "data/c.csv")}
    for rel in saved:  # the merge job needs no data file...
        repo.path(rel).unlink()
    merged = run("spot-check", "--merge", *outs)
    assert merged.code == 0, merged.err
    assert [line for line in merged.out.splitlines() if "PASS" in line] == \
        [line for line in single.out.splitlines() if "PASS" in line]
    unrecorded = run("spot-check", "--merge", *outs, "--record")  # ...except to record
    assert "not recorded: cannot read data file" in unrecorded.out, unrecorded.out
    for rel, data in saved.items():
        repo.path(rel).write_bytes(data)
    recorded = run("spot-check", "--merge", *outs, "--record")
    assert recorded.code == 0, recorded.err
    assert "verifications" in repo.read("data/a.jsonl.provenance.yaml")


@pytest.mark.parametrize("given", [[0, 1], [0, 1, 1, 2], [0, 2, 2]])
def test_a_missing_or_doubled_shard_is_refused(repo: Repo, run: Runner, tmp_path: Path,
                                               given: list[int]) -> None:
    write_repo(repo)
    outs = {}
    for index in range(3):
        out = tmp_path / f"p{index}.json"
        assert run("spot-check", "--shard", f"{index}/3", "--partial-out", str(out)).code == 0
        outs[index] = str(out)
    result = run("spot-check", "--merge", *(outs[i] for i in given))
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "missing" in result.err or "given twice" in result.err


def test_partials_drawn_with_another_key_are_refused(repo: Repo, run: Runner, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    write_repo(repo)
    outs = []
    for index, key in enumerate(("key-one-aaaaaaaaaaaa", "key-two-bbbbbbbbbbbb")):
        monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", key)
        out = tmp_path / f"p{index}.json"
        assert run("spot-check", "--shard", f"{index}/2", "--partial-out", str(out)).code == 0
        outs.append(str(out))
    result = run("spot-check", "--merge", *outs)
    assert result.code == 2 and "another sample key" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_shard_options_that_do_not_go_together(repo: Repo, run: Runner) -> None:
    write_repo(repo)
    for args in (["--shard", "0/2"], ["--partial-out", "x.json"], ["--shard", "2/2",
                 "--partial-out", "x.json"], ["--merge", "x.json", "--shard", "0/2"],
                 ["--shard", "0/2", "--partial-out", "x.json", "--attest-statement", "s.json"]):
        result = run("spot-check", *args)
        assert result.code == 2 and len(result.err.strip().splitlines()) == 1, args


def test_ctrl_c_stops_the_sampling_pass_at_once(repo: Repo) -> None:
    """A real ``qa-provenance spot-check`` on a large file exits 130 soon after SIGINT."""
    if sys.platform == "win32":
        pytest.skip("SIGINT to a child process is a POSIX matter")
    line = "".join(json.dumps(r) + "\n" for r in rows(2000)).encode()
    repo.path("data").mkdir()
    with open(repo.path("data/big.jsonl"), "wb") as handle:
        for _ in range((256 << 20) // len(line)):
            handle.write(line)
    repo.write(".qa-provenance.yaml", "{}\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen([sys.executable, "-m", "provenance", "spot-check", "--no-cache"],
                             cwd=repo.root, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    time.sleep(2.0)
    if child.poll() is not None:
        pytest.skip("the machine read 256 MiB before the signal could be sent")
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    try:
        _, err = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert time.monotonic() - sent < 10
    assert child.returncode == 130
    assert err.decode().strip() == "qa-provenance: interrupted"


def test_shards_keyed_by_the_recorded_digest_read_only_their_part(
        repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--recorded-digest: the same sample as one pass while the file matches its record, and
    the merge says the digest was not recomputed; a file without a recorded digest is not
    sampled."""
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", KEY)
    monkeypatch.setattr(shards, "SPLIT_MIN_BYTES", 1)
    relpaths = write_repo(repo)
    repo.jsonl("data/d.jsonl", rows(40, 2000))  # no sidecar: no recorded digest
    relpaths.append("data/d.jsonl")
    config = load_config(repo.root)
    settings = SpotSettings.from_config(config)
    settings.sample = 20
    read: list[str] = []
    real_inspect = shards.inspect

    def inspect(config: Any, digests: Any, relpath: str) -> Any:
        read.append(relpath)
        return real_inspect(config, digests, relpath)

    monkeypatch.setattr(shards, "inspect", inspect)
    _, one = prepare(config, settings, relpaths)
    partials = []
    for index in range(2):
        out = tmp_path / f"p{index}.json"
        shards.write_partial(out, shards.sample_shard(config, settings, relpaths, index, 2,
                                                      recorded_digest=True))
        partials.append(out)
    assert not any(rel.endswith(".jsonl") for rel in read)  # no shard read a whole JSONL file
    report, merged = shards.merge_partials(config, settings, partials)
    assert picks(merged) == [p for p in picks(one) if p[0] != "data/d.jsonl"]
    assert any("not recomputed" in note for note in report.notices)
    assert any(note.startswith("data/d.jsonl: not sampled: --recorded-digest")
               for note in report.notices)


def test_the_sampling_bar_counts_bytes_on_a_terminal_only(repo: Repo,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from provenance.spot.run import byte_progress

    relpaths = write_repo(repo)
    config = load_config(repo.root)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert byte_progress(config, relpaths) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = byte_progress(config, relpaths)
    try:
        assert bar.unit == "B" and bar.unit_scale
        assert bar.total == sum(repo.path(rel).stat().st_size for rel in relpaths)
        settings = SpotSettings.from_config(config)
        prepare(config, settings, relpaths, bar)
        assert bar.n == bar.total  # every byte sampled was counted
    finally:
        bar.close()
