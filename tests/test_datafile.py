"""Reading data files: digests, record counts, and what makes a file unreadable (QP020)."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest
from conftest import QA_ROWS, Repo, Runner, jsonl_bytes

from provenance.reading import datafile
from provenance.reading.datafile import DataFacts

LFS_OID = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
LFS_POINTER = (f"version https://git-lfs.github.com/spec/v1\noid sha256:{LFS_OID}\n"
               "size 52428800\n").encode()


def inspect(tmp_path: Path, name: str, content: bytes) -> DataFacts:
    path = tmp_path / name
    path.write_bytes(content)
    facts = datafile.inspect(path)
    if facts.lfs_oid is None:
        assert facts.sha256 == hashlib.sha256(content).hexdigest()
        assert facts.size == len(content)
    return facts


# JSONL


def test_jsonl_counts_non_empty_lines(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.jsonl", jsonl_bytes())
    assert (facts.records, facts.problem) == (3, None)


@pytest.mark.parametrize(
    "content",
    [
        b'\n{"q": 1}\n\n{"q": 2}\n\n\n{"q": 3}\n\n',
        b'{"q": 1}\r\n\r\n{"q": 2}\r\n   \r\n{"q": 3}\r\n',
        b'{"q": 1}\n \t \n{"q": 2}\n{"q": 3}',
        b'{"q": 1}\n{"q": 2}\n{"q": 3}\n   ',
    ],
)
def test_jsonl_blank_lines_are_not_records(tmp_path: Path, content: bytes) -> None:
    facts = inspect(tmp_path, "a.jsonl", content)
    assert (facts.records, facts.problem) == (3, None)


def test_jsonl_count_across_read_chunks(tmp_path: Path) -> None:
    rng = random.Random(7)
    lines: list[bytes] = []
    records = size = 0
    while size < 3 * datafile.CHUNK:
        if rng.random() < 0.2:
            lines.append(b"\n" if rng.random() < 0.5 else b"  \r\n")
        else:
            row = {**rng.choice(QA_ROWS), "id": records}
            lines.append(json.dumps(row).encode() + b"\n")
            records += 1
        size += len(lines[-1])
    facts = inspect(tmp_path, "big.jsonl", b"".join(lines))
    assert (facts.records, facts.problem) == (records, None)


def test_ndjson_is_read_as_jsonl(tmp_path: Path) -> None:
    assert inspect(tmp_path, "a.ndjson", jsonl_bytes(QA_ROWS[:2])).records == 2


def test_jsonl_truncated_last_line(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.jsonl", jsonl_bytes() + b'{"question": "Who painted')
    assert facts.problem is not None
    assert facts.problem.startswith("record is not valid JSON")
    assert facts.problem_line == 4


def test_jsonl_truncated_last_line_before_blank_lines(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.jsonl", jsonl_bytes() + b'{"question": "Who\n\n\n')
    assert facts.problem_line == 4


def test_jsonl_bad_first_line(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.jsonl", b"\n\nquestion,answer\n" + jsonl_bytes())
    assert facts.problem_line == 3


def test_binary_file_with_jsonl_extension(tmp_path: Path) -> None:
    content = bytes(random.Random(1).randrange(256) for _ in range(4096))
    facts = inspect(tmp_path, "a.jsonl", content)
    assert facts.problem is not None
    assert facts.problem_line is not None


def test_parquet_bytes_named_jsonl(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.jsonl", b"PAR1\x15\x04\x15\x10\x00\x00PAR1")
    assert facts.problem in ("record is not valid UTF-8", "record is not valid JSON "
                             "(Expecting value)")


def test_jsonl_with_utf8_bom(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.jsonl", b"\xef\xbb\xbf" + jsonl_bytes())
    assert (facts.records, facts.problem) == (3, None)


def test_jsonl_invalid_utf8(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.jsonl", b'{"answer": "Z\xfcrich"}\n')
    assert (facts.problem, facts.problem_line) == ("record is not valid UTF-8", 1)


@pytest.mark.parametrize("name", ["a.jsonl", "a.json", "a.csv", "a.tsv", "a.parquet"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    assert inspect(tmp_path, name, b"").problem == "empty data file"


def test_only_blank_lines(tmp_path: Path) -> None:
    assert inspect(tmp_path, "a.jsonl", b"\n  \n\r\n").problem == "data file holds no records"


# CSV / TSV


def test_csv_counts_rows_not_lines(tmp_path: Path) -> None:
    content = (b'question,answer,context\n'
               b'"Who wrote ""Emma""?",Jane Austen,"Emma is a novel.\nIt was published in 1815."\n'
               b'\n'
               b'"What is 2+2?",4,"Arithmetic,\r\nbasic"\n')
    facts = inspect(tmp_path, "a.csv", content)
    assert (facts.records, facts.problem) == (2, None)


def test_csv_broken_quote(tmp_path: Path) -> None:
    content = b'question,answer\nWho wrote Emma?,Jane Austen\n"What is 2+2?,4\nWhy?,Because\n'
    facts = inspect(tmp_path, "a.csv", content)
    assert facts.problem is not None
    assert facts.problem.startswith("not valid CSV:")
    assert facts.records is None
    assert facts.problem_line == 4


def test_csv_with_utf8_bom(tmp_path: Path) -> None:
    content = b"\xef\xbb\xbfquestion,answer\nWhere is ETH?,Z\xc3\xbcrich\n"
    facts = inspect(tmp_path, "a.csv", content)
    assert (facts.records, facts.problem) == (1, None)


def test_csv_invalid_utf8(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.csv", b"question,answer\nWhere is ETH?,Z\xfcrich\n")
    assert facts.problem == "not valid UTF-8"


def test_csv_header_only_holds_no_records(tmp_path: Path) -> None:
    assert inspect(tmp_path, "a.csv", b"question,answer\n").problem == "data file holds no records"


def test_tsv(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.tsv", b"question\tanswer\nWho?\tJane, obviously\nWhat?\t4\n")
    assert (facts.records, facts.problem) == (2, None)


def test_tsv_problem_says_tsv(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.tsv", b'question\tanswer\n"Who?\tJane\n')
    assert facts.problem is not None
    assert facts.problem.startswith("not valid TSV:")


# JSON


@pytest.mark.parametrize(
    ("document", "records"),
    [
        (QA_ROWS, 3),
        ({"version": "1.0", "data": QA_ROWS[:2]}, 2),
        ({"train": QA_ROWS, "test": QA_ROWS}, None),
        ({"question": "q", "answer": "a"}, None),
    ],
)
def test_json_record_count(tmp_path: Path, document: object, records: int | None) -> None:
    facts = inspect(tmp_path, "a.json", json.dumps(document).encode())
    assert (facts.records, facts.problem) == (records, None)


def test_json_empty_array_holds_no_records(tmp_path: Path) -> None:
    assert inspect(tmp_path, "a.json", b"[]").problem == "data file holds no records"


def test_json_invalid(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.json", b'[\n  {"question": "q",\n  "answer": }\n]')
    assert facts.problem == "not valid JSON: Expecting value (column 13)"
    assert facts.problem_line == 3


def test_json_with_utf8_bom(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.json", b"\xef\xbb\xbf" + json.dumps(QA_ROWS).encode())
    assert (facts.records, facts.problem) == (3, None)


def test_json_invalid_utf8(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.json", b'["Z\xfcrich"]')
    assert facts.problem == "not valid UTF-8 at byte 3"


def test_json_nested_too_deeply(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.json", b"[" * 200_000 + b"]" * 200_000)
    assert facts.problem == "JSON nested too deeply"


def test_json_nan_in_plain_data_is_accepted(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.json", b'[{"question": "q", "score": NaN}]')
    assert (facts.records, facts.problem) == (1, None)


# Parquet


def test_parquet_record_count(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"question": [r["question"] for r in QA_ROWS]}), path)
    facts = datafile.inspect(path)
    assert (facts.records, facts.problem) == (3, None)
    assert facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_parquet_without_magic_bytes(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.parquet", jsonl_bytes())
    assert facts.problem == "not a Parquet file (missing PAR1 magic bytes)"


def test_parquet_with_corrupt_metadata(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    facts = inspect(tmp_path, "a.parquet", b"PAR1" + b"\x00" * 64 + b"\x10\x00\x00\x00PAR1")
    assert facts.problem is not None
    assert facts.problem.startswith("unreadable Parquet metadata")
    assert "\n" not in facts.problem


# Other formats and Git LFS


def test_unknown_format_is_hashed_only(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.txt", b"Q: Why?\nA: Because.\n")
    assert (facts.records, facts.problem) == (None, None)


@pytest.mark.parametrize("name", ["a.jsonl", "a.parquet", "a.csv", "a.json"])
def test_git_lfs_pointer(tmp_path: Path, name: str) -> None:
    facts = inspect(tmp_path, name, LFS_POINTER)
    assert facts.lfs_oid == LFS_OID
    assert facts.content_sha256 == LFS_OID
    assert facts.records is None
    assert facts.problem is None
    assert facts.notices == ["Git LFS pointer: digest taken from its oid, record checks skipped"]


def test_git_lfs_pointer_without_oid_is_data(tmp_path: Path) -> None:
    facts = inspect(tmp_path, "a.jsonl", b"version https://git-lfs.github.com/spec/v1\nsize 5\n")
    assert facts.lfs_oid is None
    assert facts.problem == "record is not valid JSON (Expecting value)"
    assert facts.notices == ["starts like a Git LFS pointer but is not one (no oid line): "
                             "checked as data"]


EXTENSION = f"ext-0-foo sha256:{'c' * 64}\n".encode()


@pytest.mark.parametrize(("content", "why"), [
    (LFS_POINTER + b'{"question": "q", "answer": "a"}\n', "line 4 is not a 'key value' line"),
    (LFS_POINTER + b"zzz 1\n", "line 4: 'zzz' is not an oid, size or extension line"),
    (LFS_POINTER[:-1], "its last line does not end with a newline"),
    (LFS_POINTER.replace(b"size", b"size "), "line 3: 'size' is not an oid, size or extension "
                                             "line"),
    (LFS_POINTER.replace(b"\noid", b"\r\noid"), "line 1 is not a 'key value' line"),
    (LFS_POINTER + LFS_POINTER[LFS_POINTER.index(b"oid"):], "key 'oid' out of order or "
                                                           "repeated (line 4)"),
    (b"version https://git-lfs.github.com/spec/v10\n" + LFS_POINTER.split(b"\n", 1)[1],
     "its first line is not the spec's version line"),
    (LFS_POINTER + b"\n" * 1024, "1024 bytes or more"),
])
def test_anything_but_a_pointer_is_data(tmp_path: Path, content: bytes, why: str) -> None:
    facts = inspect(tmp_path, "a.csv", content)
    assert facts.lfs_oid is None
    assert facts.content_sha256 == hashlib.sha256(content).hexdigest()
    assert facts.notices == [f"starts like a Git LFS pointer but is not one ({why}): "
                             "checked as data"]


def test_a_pointer_with_an_extension_line(tmp_path: Path) -> None:
    version, rest = LFS_POINTER.split(b"\n", 1)
    facts = inspect(tmp_path, "a.jsonl", version + b"\n" + EXTENSION + rest)
    assert facts.lfs_oid == LFS_OID


def test_records_after_a_pointer_edited_after_stamping_are_refused(repo: Repo,
                                                                   run: Runner) -> None:
    """The issue's case: a real pointer, then QA records; the sidecar carries the pointer's
    oid, so only reading the file as data shows that it changed."""
    records = b'{"question": "q", "answer": "a"}\n'
    repo.write("data/train.csv", LFS_POINTER + b"question,answer\nq,a\n")
    repo.sidecar("data/train.csv", digest={"sha256": LFS_OID})
    repo.write("data/train.jsonl", LFS_POINTER + records)
    repo.sidecar("data/train.jsonl", digest={"sha256": LFS_OID})
    result = run("check")
    assert result.code == 1
    assert "data/train.csv.provenance.yaml:10: QP003 content changed" in result.out
    assert "data/train.jsonl:1: QP020" in result.out
    assert "starts like a Git LFS pointer but is not one" in result.err


def test_git_lfs_pointer_in_a_check(repo: Repo, run: Runner) -> None:
    repo.write("data/train.jsonl", LFS_POINTER)
    repo.sidecar("data/train.jsonl", digest={"sha256": LFS_OID}, records=1000)
    result = run("check")
    assert result.code == 0, result.out
    assert result.err == ("note: data/train.jsonl: Git LFS pointer: digest taken from its oid, "
                          "record checks skipped\n")


def test_git_lfs_pointer_with_a_stale_oid(repo: Repo, run: Runner) -> None:
    repo.write("data/train.jsonl", LFS_POINTER)
    repo.sidecar("data/train.jsonl", digest={"sha256": "1" * 64})
    assert run("check").codes() == {"QP003"}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl_bytes())
    path.chmod(0)
    try:
        facts = datafile.inspect(path)
    finally:
        path.chmod(0o644)
    assert facts.problem is not None
    assert facts.problem.startswith("cannot read data file")


# Through the CLI: every kind of bad data is one QP020 line, never a traceback


@pytest.mark.parametrize(
    ("rel", "content", "prefix"),
    [
        ("data/a.jsonl", b"", "data/a.jsonl: QP020 empty data file"),
        ("data/a.jsonl", b"\x00\x01\x02\xff\xfe", "data/a.jsonl:1: QP020 record is not valid"),
        ("data/a.jsonl", jsonl_bytes() + b'{"q', "data/a.jsonl:4: QP020 record is not valid JSON"),
        ("data/a.csv", b'q,a\n"x,y\n', "data/a.csv:2: QP020 not valid CSV"),
        ("data/a.json", b"{,}", "data/a.json:1: QP020 not valid JSON"),
        ("data/a.parquet", b"not parquet", "data/a.parquet: QP020 not a Parquet file"),
    ],
)
def test_bad_data_through_the_cli(repo: Repo, run: Runner, rel: str, content: bytes,
                                  prefix: str) -> None:
    repo.write(rel, content)
    result = run("check", rel)
    assert result.code == 1
    assert result.has(prefix), result.out
