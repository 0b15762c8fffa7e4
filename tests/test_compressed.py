"""Compressed data files (``.jsonl.gz``, ``.csv.zst``...) and Arrow IPC files (Hugging Face
``save_to_disk``): found, read record by record, stamped and checked like their plain kin."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import QA_ROWS, REAL, Repo, Runner, dump_yaml, jsonl_bytes, sha256_bytes

from provenance.config import Config
from provenance.reading import datafile, limits, readers
from provenance.reading.compressed import _zstd
from provenance.spot import scan

zstd = _zstd()
HOOKS = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"
ARROW = REAL / "distilabel_distiset_generated_personas/default/train/data-00000-of-00001.arrow"
AGENTS = ("--generator", "model:openai/gpt-4o-2024-08-06",
          "--validator", "human:Acme Annotation Team")


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zst(data: bytes) -> bytes:
    return bytes(zstd.compress(data))


COMPRESS = {"gz": gz, "zst": zst}


def rows(count: int) -> list[dict[str, str]]:
    return [{"question": f"How much does item {i} weigh?", "answer": f"{i + 1} grams",
             "context": f"In the catalogue, item {i} weighs {i + 1} grams."}
            for i in range(count)]


# ---------------------------------------------------------------------------------------------
# discovery


@pytest.mark.parametrize(("relpath", "dataset"), [
    ("qa.jsonl.gz", True), ("deep/er/qa.jsonl.zst", True), ("Data/QA.JSONL.GZ", True),
    ("x.ndjson.zst", True), ("data/faq.csv.gz", True), ("datasets/a/b.tsv.zst", True),
    ("data/qa.json.gz", True), ("train/data-00000-of-00001.arrow", True),
    ("faq.csv.gz", False), ("data/x.parquet.gz", False), ("notes.txt.gz", False),
    ("data/.gz", False), ("qa.jsonl.bz2", False),
])
def test_discovery_and_the_hook_agree(relpath: str, dataset: bool) -> None:
    assert Config(root=Path(".")).is_dataset(relpath) is dataset
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    pattern = re.compile(hooks[0]["files"])
    assert bool(pattern.search(relpath)) is dataset


@pytest.mark.parametrize(("name", "fmt"), [
    ("a.jsonl.gz", "jsonl"), ("a.NDJSON.ZST", "jsonl"), ("a.csv.gz", "csv"),
    ("a.tsv.zst", "tsv"), ("a.json.gz", "json"), ("a.arrow", "arrow"),
    ("a.parquet.gz", None), ("a.gz", None), ("a.txt.zst", None),
])
def test_format_of_a_compressed_name(name: str, fmt: str | None) -> None:
    assert datafile.format_of(name) == fmt


# ---------------------------------------------------------------------------------------------
# reading


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_compressed_jsonl_reads_as_the_plain_file(tmp_path: Path, kind: str) -> None:
    plain = b"\n" + jsonl_bytes(rows(500)) + b"  \n" + json.dumps(QA_ROWS[0]).encode()
    stored = COMPRESS[kind](plain)
    path = tmp_path / f"qa.jsonl.{kind}"
    path.write_bytes(stored)
    (tmp_path / "qa.jsonl").write_bytes(plain)
    facts, twin = datafile.inspect(path), datafile.inspect(tmp_path / "qa.jsonl")
    assert facts.problem is None
    assert (facts.records, facts.sha256, facts.size) == (501, sha256_bytes(stored), len(stored))
    assert twin.records == 501
    got = [(i.location, i.data) for i in readers.read_records(path, "jsonl")]
    assert got == [(i.location, i.data) for i in readers.read_records(tmp_path / "qa.jsonl",
                                                                      "jsonl")]
    assert got[0][0] == "line 2" and got[-1][0] == "line 503"


def test_gzip_members_and_zstd_frames_are_read_one_after_the_other(tmp_path: Path) -> None:
    first, second = jsonl_bytes(rows(3)), jsonl_bytes(QA_ROWS)
    for name, stored in (("a.jsonl.gz", gz(first) + gz(second)),
                         ("a.jsonl.zst", zst(first) + zst(second))):
        path = tmp_path / name
        path.write_bytes(stored)
        assert datafile.inspect(path).records == 6
        assert len(list(readers.read_records(path, "jsonl"))) == 6


def test_a_long_compressed_jsonl_keeps_its_first_and_last_records(tmp_path: Path) -> None:
    """Over several 1 MiB reads, a broken last record is found and named by its line."""
    body = jsonl_bytes(rows(30_000))
    path = tmp_path / "qa.jsonl.gz"
    path.write_bytes(gz(body + b'{"question": "cut off\n\n'))
    facts = datafile.inspect(path)
    assert facts.records == 30_001
    assert facts.problem is not None and facts.problem.startswith("record is not valid JSON")
    assert facts.problem_line == 30_001
    path.write_bytes(gz(b"\n\n  \nnot json\n" + body))
    facts = datafile.inspect(path)
    assert (facts.problem_line, facts.records) == (4, 30_001)


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_compressed_csv_tsv_and_json(tmp_path: Path, kind: str) -> None:
    csv = b"question,answer\n" + b"".join(f"q{i},a{i}\n".encode() for i in range(7))
    array = json.dumps(QA_ROWS).encode()
    wrapped = json.dumps({"examples": QA_ROWS}).encode()
    for name, plain, count in ((f"f.csv.{kind}", csv, 7),
                               (f"f.tsv.{kind}", csv.replace(b",", b"\t"), 7),
                               (f"a.json.{kind}", array, 3), (f"o.json.{kind}", wrapped, 3)):
        path = tmp_path / name
        path.write_bytes(COMPRESS[kind](plain))
        facts = datafile.inspect(path)
        assert (facts.problem, facts.records) == (None, count), name
        assert facts.sha256 == sha256_bytes(path.read_bytes())
        fmt = datafile.format_of(name)
        assert fmt is not None
        records = list(readers.read_records(path, fmt, document=facts.document))
        assert len(records) == count, name


@pytest.mark.parametrize(("kind", "cut"), [("gz", "truncated gzip"), ("zst", "truncated zstd")])
def test_a_truncated_stream_is_one_line_naming_it(tmp_path: Path, kind: str, cut: str) -> None:
    stored = COMPRESS[kind](jsonl_bytes(rows(2000)))
    path = tmp_path / f"qa.jsonl.{kind}"
    path.write_bytes(stored[: len(stored) * 2 // 3])
    facts = datafile.inspect(path)
    assert facts.problem is not None and facts.problem.startswith(cut)
    assert facts.sha256 == sha256_bytes(path.read_bytes())  # intrinsic: cached like any digest
    with pytest.raises(readers.ReadError, match=f"^{cut}"):
        list(readers.read_records(path, "jsonl"))


@pytest.mark.parametrize(("name", "message"), [
    ("qa.jsonl.gz", "corrupt gzip data: Not a gzipped file"),
    ("qa.jsonl.zst", "corrupt zstd data:"),
    ("faq.csv.gz", "corrupt gzip data: Not a gzipped file"),
])
def test_a_file_that_is_not_what_its_name_says(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(jsonl_bytes())
    assert (datafile.inspect(path).problem or "").startswith(message)


def test_corrupt_bytes_inside_a_gzip_stream(tmp_path: Path) -> None:
    stored = bytearray(gz(jsonl_bytes(rows(2000))))
    stored[len(stored) // 2] ^= 0xFF
    path = tmp_path / "qa.jsonl.gz"
    path.write_bytes(bytes(stored))
    assert (datafile.inspect(path).problem or "").startswith("corrupt gzip data:")


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_a_decompression_bomb_hits_the_limit(tmp_path: Path, kind: str) -> None:
    """16 MiB of blank lines in a few kB: refused at decompressed-bytes, not read to its end;
    one endless line: refused at record-bytes."""
    path = tmp_path / f"bomb.jsonl.{kind}"
    path.write_bytes(COMPRESS[kind](b'{"question": "q"}\n' + b"\n" * (16 << 20)))
    assert path.stat().st_size < 64 << 10
    limits.use(limits.Limits(decompressed_bytes=4 << 20))
    try:
        facts = datafile.inspect(path)
        assert facts.problem == ("decompresses to more than the limit of 4 MiB (limits: "
                                 "decompressed-bytes): a decompression bomb, or raise the limit")
        assert facts.sha256 == ""  # a setting's verdict is not cached
        with pytest.raises(readers.ReadError, match="decompressed-bytes"):
            list(readers.read_data(path, "jsonl"))
        line = tmp_path / f"line.jsonl.{kind}"
        line.write_bytes(COMPRESS[kind](b'{"q": "' + b"x" * (3 << 20)))
        limits.use(limits.Limits(record_bytes=1 << 20, decompressed_bytes=4 << 20))
        facts = datafile.inspect(line)
        assert (facts.problem or "").startswith("line longer than the limit of 1 MiB")
    finally:
        limits.use(limits.Limits())


def test_a_compressed_file_is_sampled_as_the_file_it_holds(tmp_path: Path) -> None:
    """Positions are offsets in the decompressed bytes: the same rows as the plain file."""
    plain = jsonl_bytes(rows(400))
    (tmp_path / "a.jsonl").write_bytes(plain)
    (tmp_path / "a.jsonl.zst").write_bytes(zst(plain))
    key = b"k" * 32
    one = scan.sample_jsonl(tmp_path / "a.jsonl", key, 20)
    other = scan.sample_jsonl(tmp_path / "a.jsonl.zst", key, 20)
    assert [(r.position, r.line) for r in one.rows] == [(r.position, r.line) for r in other.rows]
    assert (other.count, other.lines) == (400, 400)


# ---------------------------------------------------------------------------------------------
# through the command line


def test_stamp_then_check_a_gzip_file(repo: Repo, run: Runner) -> None:
    stored = gz(jsonl_bytes(rows(40)))
    repo.write("data/qa.jsonl.gz", stored)
    assert run("check").has("data/qa.jsonl.gz: QP001")
    stamped = run("stamp", "data/qa.jsonl.gz", *AGENTS)
    assert stamped.code == 0, stamped.err
    record = repo.load_yaml("data/qa.jsonl.gz.provenance.yaml")
    assert record["digest"]["sha256"] == sha256_bytes(stored)  # the bytes as stored
    assert record["records"] == 40
    result = run("check")
    assert result.code == 0, result.out
    repo.write("data/qa.jsonl.gz", gz(jsonl_bytes(rows(41))))
    assert "QP003 content changed since it was stamped" in run("check").out


def test_a_corrupt_stream_through_the_cli(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.jsonl.zst", zst(jsonl_bytes(rows(500)))[:-40])
    repo.sidecar("data/qa.jsonl.zst")
    result = run("check")
    assert result.code == 1
    assert result.lines == ["data/qa.jsonl.zst: QP020 truncated zstd data: the stream ends before "
                            "its end marker (an interrupted write or copy?)"]
    stamped = run("stamp", "data/qa.jsonl.zst", *AGENTS)
    assert stamped.code != 0 and "truncated zstd data" in stamped.out + stamped.err


def test_a_bomb_through_the_cli(repo: Repo, run: Runner) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml({"limits": {"decompressed-bytes": 1 << 20}}))
    repo.write("data/qa.jsonl.gz", gz(jsonl_bytes(QA_ROWS) + b" \n" * (1 << 20)))
    repo.sidecar("data/qa.jsonl.gz")
    result = run("check")
    assert result.lines == ["data/qa.jsonl.gz: QP020 decompresses to more than the limit of 1 MiB "
                            "(limits: decompressed-bytes): a decompression bomb, or raise the "
                            "limit"]


def test_per_record_rules_name_the_line_in_a_compressed_file(repo: Repo, run: Runner) -> None:
    """Records naming their generator and judge; the fourth is judged by its own generator."""
    records = [{"question": f"Question {i}?", "answer": f"Answer {i}.", "model_name": "gpt-4o",
                "judge": "gpt-4o" if i == 3 else "claude-3-5-sonnet-20241022"}
               for i in range(6)]
    repo.write("data/gen.jsonl.gz", gz(jsonl_bytes(records)))
    repo.sidecar("data/gen.jsonl.gz", generator=None, validator=None)
    repo.write(".qa-provenance.yaml", dump_yaml({"records": [
        {"files": "data/gen.jsonl.gz", "generator": "model_name", "validator": "judge"}]}))
    result = run("check")
    assert result.code == 1
    assert result.lines == [
        "data/gen.jsonl.gz:4: QP010 1 of 6 records: validator model 'gpt-4o' is the same source "
        "as generator model 'gpt-4o' (both 'gpt-4o') (records line 4)"], result.out


def test_the_paths_that_cut_files_by_bytes_read_a_compressed_file_whole(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read ahead, in a worker process, and with every file 'large enough' to be cut in parts:
    a compressed file is still read from its start, and its per-record finding is the same."""
    from provenance.speed import parallel_scan, schedule

    for module, name in ((schedule, "READ_AHEAD_MIN_BYTES"), (schedule, "WORKER_MIN_BYTES"),
                         (parallel_scan, "PARALLEL_MIN_BYTES")):
        monkeypatch.setattr(module, name, 0)
    test_per_record_rules_name_the_line_in_a_compressed_file(repo, run)


def test_spot_check_reads_a_compressed_file_in_one_pass(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    from provenance.spot import shards

    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 1)  # plain JSONL would be cut in parts
    monkeypatch.setattr(shards, "SPLIT_MIN_BYTES", 1)
    repo.write(".qa-provenance.yaml", dump_yaml({"verifier": {"kind": "local"}}))
    repo.write("data/qa.jsonl.gz", gz(jsonl_bytes(rows(30))))
    repo.sidecar("data/qa.jsonl.gz")
    result = run("spot-check", "--format", "json")
    assert result.code == 0, result.out + result.err
    report = json.loads(result.out)
    files = report["files"]
    assert [(f["path"], f["population"]) for f in files] == [("data/qa.jsonl.gz", 30)]


@pytest.mark.parametrize("split", [False, True], ids=["one-pass", "parts-forced"])
def test_contamination_is_found_in_compressed_files(repo: Repo, run: Runner, split: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    if split:  # a plain JSONL file would be cut in parts: a compressed one is read whole
        from provenance.contamination import parallel

        monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
        monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES_COMPILED", 1)
    evaluation = rows(10)
    repo.write("data/eval/held.jsonl.gz", gz(jsonl_bytes(evaluation)))
    repo.sidecar("data/eval/held.jsonl.gz", evaluates=["acme/student-8b"], held_out=True)
    training = [{"question": f"Unrelated question number {i} about spare parts?",
                 "answer": "x"} for i in range(20)]
    training[5] = evaluation[2]
    repo.write("data/train/sft.jsonl.zst", zst(jsonl_bytes(training)))
    repo.sidecar("data/train/sft.jsonl.zst", trains=["acme/student-8b"])
    result = run("check")
    found = [line for line in result.lines if "QP041" in line]
    assert found and found[0].startswith("data/eval/held.jsonl.gz:3: QP041 record line 3 is in "
                                         "training data data/train/sft.jsonl.zst:6")


def test_stats_reads_a_compressed_file(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.csv.zst", zst(b"question,answer\n" + b"".join(
        f"Question {i}?,answer {i}\n".encode() for i in range(25))))
    result = run("stats", "data/qa.csv.zst", "--format", "json")
    assert result.code == 0, result.err
    assert "data/qa.csv.zst" in result.out


# ---------------------------------------------------------------------------------------------
# Arrow IPC (Hugging Face save_to_disk)


def test_a_real_save_to_disk_arrow_stream(tmp_path: Path) -> None:
    facts = datafile.inspect(ARROW)
    assert (facts.problem, facts.records) == (None, 30)
    items = list(readers.read_records(ARROW, "arrow"))
    assert len(items) == 30 and items[0].location == "row 1"
    assert items[0].data["model_name"] == "fireworks_ai/accounts/fireworks/models/glm-4p5-air"


def test_arrow_file_format_and_a_cut_stream(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"question": [f"q{i}" for i in range(10)], "answer": ["a"] * 10})
    path = tmp_path / "f.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=3)
    assert datafile.inspect(path).records == 10
    assert [i.data["question"] for i in readers.read_records(path, "arrow")][-1] == "q9"
    cut = tmp_path / "cut.arrow"
    cut.write_bytes(ARROW.read_bytes()[:100_000])
    assert (datafile.inspect(cut).problem or "").startswith("unreadable Arrow data after row 0")
    with pytest.raises(readers.ReadError, match="unreadable Arrow data"):
        list(readers.read_records(cut, "arrow"))
    other = tmp_path / "x.arrow"
    other.write_bytes(b"PAR1 not arrow")
    assert datafile.inspect(other).problem == ("not an Arrow IPC file or stream (no Arrow magic "
                                               "bytes)")


def test_an_arrow_cell_over_the_limit(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"question": ["q", "x" * (2 << 20)]})
    path = tmp_path / "big.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    limits.use(limits.Limits(record_bytes=1 << 20))
    try:
        assert datafile.inspect(path).problem == (
            "rows 1-2: column 'question' holds a cell longer than the limit of 1 MiB (limits: "
            "record-bytes)")
    finally:
        limits.use(limits.Limits())


def test_arrow_without_pyarrow_says_what_to_install(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)
    facts = datafile.inspect(ARROW)
    assert facts.problem is None and facts.records is None
    assert facts.notices == ["record count not checked: install qa-provenance[parquet]"]
    with pytest.raises(readers.ReadError, match=r"install qa-provenance\[parquet\]"):
        list(readers.read_records(ARROW, "arrow"))


def test_a_save_to_disk_folder_is_checked(repo: Repo, run: Runner) -> None:
    """The Arrow data is a dataset (its metadata is not); its records name their model."""
    folder = "distilabel_distiset_generated_personas/default"
    for name in ("dataset_dict.json", "train/dataset_info.json", "train/state.json",
                 "train/data-00000-of-00001.arrow"):
        repo.write(f"personas/{name}", (REAL / folder / name).read_bytes())
    data = "personas/train/data-00000-of-00001.arrow"
    result = run("check")
    assert result.lines == [f"{data}: QP001 no provenance record"], result.out
    stamped = run("stamp", data, "--validator", "human:Acme Annotation Team")
    assert stamped.code == 0, stamped.out + stamped.err
    record: dict[str, Any] = repo.load_yaml(f"{data}.provenance.yaml")
    assert record["records"] == 30
    assert run("check").code == 0


def test_spot_check_samples_an_arrow_stream(repo: Repo, run: Runner) -> None:
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pylist(rows(12))
    path = repo.path("data/train/data-00000-of-00001.arrow")
    path.parent.mkdir(parents=True)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=5)
    repo.sidecar("data/train/data-00000-of-00001.arrow")
    repo.write(".qa-provenance.yaml", dump_yaml({"verifier": {"kind": "local"}}))
    result = run("spot-check", "--format", "json")
    assert result.code == 0, result.out + result.err
    files = json.loads(result.out)["files"]
    assert [(f["path"], f["population"]) for f in files] == [
        ("data/train/data-00000-of-00001.arrow", 12)]


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_damaged_streams_never_escape_as_anything_but_a_finding(tmp_path: Path,
                                                                kind: str) -> None:
    """Seeded damage (flipped, cut, inserted bytes) anywhere in a stream: the facts carry a
    problem or a count, the readers raise only ReadError."""
    import random

    rng = random.Random(15)
    stored = COMPRESS[kind](jsonl_bytes(rows(300)) + b"question,answer\nq,a\n")
    for index in range(150):
        damaged = bytearray(stored)
        at = rng.randrange(len(damaged))
        action = index % 3
        if action == 0:
            damaged[at] ^= 1 << rng.randrange(8)
        elif action == 1:
            del damaged[at:]
        else:
            damaged[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
        for name, fmt in ((f"d.jsonl.{kind}", "jsonl"), (f"d.csv.{kind}", "csv"),
                          (f"d.json.{kind}", "json")):
            path = tmp_path / name
            path.write_bytes(bytes(damaged))
            facts = datafile.inspect(path)
            assert facts.problem is not None or facts.records is not None
            try:
                for _ in readers.read_records(path, fmt, document=facts.document):
                    pass
            except readers.ReadError:
                pass


def test_long_runs_of_blank_lines_keep_every_line_number(tmp_path: Path) -> None:
    """A blank-line bomb is skipped a buffer at a time; the records after it keep their line
    numbers in the digest pass, the record pass and the sampling pass, whole or in parts."""
    from provenance.reading.readers import jsonl_part
    from provenance.speed.parallel_scan import _line_at

    record = json.dumps(QA_ROWS[0]).encode() + b"\n"
    plain = record + b"\n" * 200_000 + b" \r\n" * 70 + record + b"\n" * 65 + record
    path = tmp_path / "qa.jsonl"
    path.write_bytes(plain)
    (tmp_path / "qa.jsonl.zst").write_bytes(zst(plain))
    lines = [1, 200_072, 200_138]
    for each in (path, tmp_path / "qa.jsonl.zst"):
        assert datafile.inspect(each).records == 3
        assert [number for _, number in readers.read_data(each, "jsonl")] == lines
        sample = scan.sample_jsonl(each, b"k" * 32, 10)
        assert sorted(row.line for row in sample.rows) == lines
        assert sample.lines == 200_138
    ranges = scan.cut(path, 0, len(plain), 4)
    assert len(ranges) > 1
    merged = scan.merge([scan.sample_jsonl(path, b"k" * 32, 10, a, b) for a, b in ranges], 10)
    assert sorted(row.line for row in merged.rows) == lines
    parts = [number for a, b in ranges
             for _, number in jsonl_part(path, a, b, _line_at(path, a))]
    assert parts == lines


def test_blank_lines_are_counted_in_c_as_the_pattern_counts_them() -> None:
    import random

    inner = re.compile(rb"\n[ \t\r]*(?=\n)")
    rng = random.Random(7)
    for _ in range(3000):
        chunk = b"".join(rng.choice((b"\n", b" ", b"\t", b"\r", b"a", b"\v"))
                         for _ in range(rng.randrange(1, 30)))
        first = chunk.find(b"\n")
        if first >= 0:
            assert datafile._inner_blanks(chunk, first, chunk.count(b"\n")) == \
                len(inner.findall(chunk, first))
