"""Record readers: one per container, every record with the location a person needs to find it.

Real samples are copied from ``tests/fixtures/real`` into ``tmp_path``; synthetic files are written
there too. Reading goes through ``provenance.reading.readers``; problems found while reading records
are
checked end to end through ``qa-provenance check`` (QP020 with the line).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REAL, Repo, Runner, copy_real, jsonl_bytes

from provenance.reading import readers
from provenance.reading.readers import Item, ReadError, json_records, read_records, text_of


def read(tmp_path: Path, name: str, fmt: str, **kwargs: Any) -> list[Item]:
    """Copy a real sample into tmp_path and read all its records."""
    path = tmp_path / name
    path.write_bytes((REAL / name).read_bytes())
    return list(read_records(path, fmt, **kwargs))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# JSONL -----------------------------------------------------------------------------------------


def test_jsonl_location_is_the_line_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", '\n{"q": 1}\n\n  \n{"q": 2}\r\n{"q": 3}')
    items = list(read_records(path, "jsonl"))
    assert [(i.location, i.line, i.data) for i in items] == [
        ("line 2", 2, {"q": 1}), ("line 5", 5, {"q": 2}), ("line 6", 6, {"q": 3}),
    ]


def test_jsonl_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", b"\xef\xbb\xbf" + jsonl_bytes())
    assert len(list(read_records(path, "jsonl"))) == 3


def test_jsonl_invalid_middle_line_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", '{"q": 1}\n\n{"q": 2\n{"q": 3}\n')
    items = read_records(path, "jsonl")
    assert next(items).data == {"q": 1}
    with pytest.raises(ReadError) as caught:
        next(items)
    assert caught.value.line == 3
    assert "not valid JSON" in caught.value.message


def test_nq_open_lines(tmp_path: Path) -> None:
    items = read(tmp_path, "nq_open_dev_first200.jsonl", "jsonl")
    assert len(items) == 200
    assert [i.location for i in items[:2]] == ["line 1", "line 2"]
    assert items[-1].line == 200
    first = json.loads((REAL / "nq_open_dev_first200.jsonl").read_text("utf-8").splitlines()[0])
    assert items[0].data == first
    assert isinstance(items[0].data["answer"], list)  # NQ-open answers are lists


# JSON ------------------------------------------------------------------------------------------


def test_bare_json_array_pointers(tmp_path: Path) -> None:
    items = read(tmp_path, "llamaindex_ragdataset_mentalhealth_vi_first40.json", "json")
    assert len(items) == 40
    assert [i.location for i in items[:3]] == ["/0", "/1", "/2"]
    assert items[-1].location == "/39"
    assert all(i.line is None for i in items)
    assert items[0].data["query_by"] == {"model_name": "gpt-4o-mini", "type": "ai"}


def test_object_wrapping_examples(tmp_path: Path) -> None:
    items = read(tmp_path, "llamaindex_ragdataset_zh_llama3.1.json", "json")
    assert len(items) == 20
    assert items[0].location == "/examples/0"
    assert items[19].location == "/examples/19"
    # every Chinese character is \u-escaped in the file: the reader sees the text
    assert items[0].data["reference_contexts"][0].startswith("# \u6821\u5712\u884c\u4e8b\u66c6")


def test_triviaqa_capitalised_data_key(tmp_path: Path) -> None:
    items = read(tmp_path, "triviaqa_sample.json", "json")
    assert [i.location for i in items] == ["/Data/0"]
    assert items[0].data["Answer"]["Value"]


def test_squad_v2_nested_questions_with_paragraph_context(tmp_path: Path) -> None:
    name = "squad_v2.0_dev_normans_subset.json"
    items = read(tmp_path, name, "json")
    document = json.loads((REAL / name).read_text("utf-8"))
    paragraphs = document["data"][0]["paragraphs"]
    assert len(items) == sum(len(p["qas"]) for p in paragraphs) == 208
    assert items[0].location == "/data/0/paragraphs/0/qas/0"
    assert items[1].location == "/data/0/paragraphs/0/qas/1"
    last_p = len(paragraphs) - 1
    assert items[-1].location == f"/data/0/paragraphs/{last_p}/qas/{len(paragraphs[-1]['qas']) - 1}"
    # "qas" comes before "context" in this file: the context is still the paragraph's
    first = items[0].data
    assert first["context"] == paragraphs[0]["context"]
    assert first["title"] == "Normans"
    assert first["question"] == paragraphs[0]["qas"][0]["question"]
    assert "is_impossible" in first


def test_every_squad_pointer_resolves_to_its_question(tmp_path: Path) -> None:
    name = "squad_v1.1_format_custom_turkish_dataqa_dev.json"
    items = read(tmp_path, name, "json")
    document = json.loads((REAL / name).read_text("utf-8"))
    assert len(items) == 557
    for item in items:
        assert resolve_pointer(document, item.location)["id"] == item.data["id"]


def resolve_pointer(document: Any, pointer: str) -> Any:
    value = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


def test_aragog_columns_are_paired_by_index(tmp_path: Path) -> None:
    name = "aragog_benchmark_questions_ground_truths.json"
    items = read(tmp_path, name, "json")
    document = json.loads((REAL / name).read_text("utf-8"))
    assert len(items) == len(document["questions"]) == 107
    assert items[0].location == "/questions/0"
    assert items[106].location == "/questions/106"
    assert items[5].data == {"questions": document["questions"][5],
                             "ground_truths": document["ground_truths"][5]}


def test_llamaindex_query_response_dataset_by_id(tmp_path: Path) -> None:
    name = "llamaindex_query_response_dataset_eval.json"
    items = read(tmp_path, name, "json")
    document = json.loads((REAL / name).read_text("utf-8"))
    ids = list(document["queries"])
    assert len(items) == len(ids) == 20
    assert [i.location for i in items] == [f"/queries/{ident}" for ident in ids]
    assert items[3].data == {"id": ids[3], "queries": document["queries"][ids[3]],
                             "responses": document["responses"][ids[3]]}


def test_llamaindex_embedding_pairs_by_id(tmp_path: Path) -> None:
    name = "llamaindex_embedding_qa_finetune_val_dataset.json"
    items = read(tmp_path, name, "json")
    document = json.loads((REAL / name).read_text("utf-8"))
    assert len(items) == len(document["queries"]) == 34
    first = items[0].data
    assert first["relevant_docs"] == document["relevant_docs"][first["id"]]


def test_record_keys_choose_the_list(tmp_path: Path) -> None:
    document = {"meta": [1, 2], "samples": [{"q": "a"}, {"q": "b"}]}
    # two lists of equal length and no known key: read as columns, not as records
    assert [i.location for i in json_records(document)] == ["/meta/0", "/meta/1"]
    items = list(json_records(document, ("samples",)))
    assert [(i.location, i.data) for i in items] == [("/samples/0", {"q": "a"}),
                                                     ("/samples/1", {"q": "b"})]


def test_record_keys_are_tried_in_order(tmp_path: Path) -> None:
    document = {"data": [{"q": 1}], "examples": [{"q": 2}, {"q": 3}]}
    assert [i.data for i in json_records(document)] == [{"q": 2}, {"q": 3}]
    assert [i.data for i in json_records(document, ("data", "examples"))] == [{"q": 1}]


def test_pointer_tokens_are_escaped() -> None:
    document = {"a/b": {"x~1": "q"}, "other": {"x~1": "r"}}
    assert [i.location for i in json_records(document)] == ["/a~1b/x~01"]
    assert [i.location for i in json_records({"qa/pairs": [{}]})] == ["/qa~1pairs/0"]


def test_embedded_provenance_is_not_a_record_list() -> None:
    document = {"provenance": {"generator": []}, "examples": [{"q": 1}]}
    assert [i.location for i in json_records(document)] == ["/examples/0"]


def test_json_without_records() -> None:
    assert list(json_records("text")) == []
    assert list(json_records({"version": 1, "title": "x"})) == []


def test_malformed_json_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes((REAL / "alpaca_fork_edited_MALFORMED.json").read_bytes())
    with pytest.raises(ReadError, match="not valid JSON"):
        list(read_records(path, "json"))


# CSV / TSV -------------------------------------------------------------------------------------


CSV_SAMPLES = [
    "deepeval_synthesizer_testset_pdf.csv",
    "llamaindex_eval_results_llama-3.1-8b_faithfulness_relevancy.csv",
    "ragas_example_hf_doc_qa_eval.csv",
    "ragas_v00_eval_basic_qa_dataset.csv",
    "ragas_v01_testset_aimakerspace.csv",
    "ragas_v02_testset_polished_by_gpt-4o_checkpoint.csv",
    "ragas_v02_testset_youtube_gpt-4o.csv",
]


@pytest.mark.parametrize("name", CSV_SAMPLES)
def test_csv_location_is_the_line_where_the_row_starts(tmp_path: Path, name: str) -> None:
    """Parsing the file from the reported line on gives exactly that record: an independent check
    of every start line, quoted newlines included."""
    items = read(tmp_path, name, "csv")
    text = (REAL / name).read_text("utf-8-sig")
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(io.StringIO(text)))
    for item in items:
        assert item.location == f"line {item.line}"
        assert item.line is not None
        row = next(csv.reader(io.StringIO("".join(lines[item.line - 1:]))))
        assert {name: row[i] for i, name in enumerate(header) if name} == item.data


def test_csv_quoted_newlines_move_the_start_lines(tmp_path: Path) -> None:
    items = read(tmp_path, "deepeval_synthesizer_testset_pdf.csv", "csv")
    assert [i.line for i in items] == [2, 7, 8, 9]
    items = read(tmp_path, "ragas_v00_eval_basic_qa_dataset.csv", "csv")
    assert [i.line for i in items] == [2, 5, 8, 11, 14]


def test_csv_pandas_index_column_is_dropped(tmp_path: Path) -> None:
    items = read(tmp_path, "ragas_v01_testset_aimakerspace.csv", "csv")
    assert len(items) == 19
    assert list(items[0].data) == ["question", "contexts", "ground_truth", "evolution_type",
                                   "metadata", "episode_done"]
    assert items[0].data["question"].startswith("How does the tendency to avoid inconsistency")


def test_csv_trailing_empty_column_is_dropped(tmp_path: Path) -> None:
    items = read(tmp_path, "ragas_example_hf_doc_qa_eval.csv", "csv")
    assert len(items) == 66
    assert all(list(i.data) == ["question", "expected_answer"] for i in items)
    # questions end with a newline inside the quotes: every row spans two lines
    assert [i.line for i in items[:4]] == [2, 4, 6, 8]
    assert items[0].data["question"].endswith("?\n")
    # the corrupt row of the source is valid CSV, at the line where it starts
    garbage = [i for i in items if i.data["question"] == "ase"]
    assert [i.line for i in garbage] == [102]


def test_csv_short_rows_and_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "question,answer\r\n\r\nq1,a1\r\nq2\r\n")
    items = list(read_records(path, "csv"))
    assert [(i.line, i.data) for i in items] == [(3, {"question": "q1", "answer": "a1"}),
                                                 (4, {"question": "q2", "answer": None})]


def test_csv_with_bom_and_tsv(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbfquestion,answer\nq,a\n")
    assert [i.data for i in read_records(path, "csv")] == [{"question": "q", "answer": "a"}]
    path = write(tmp_path, "a.tsv", 'question\tanswer\n"multi\nline"\ta\nq2\ta2\n')
    items = list(read_records(path, "tsv"))
    assert [(i.line, i.data["question"]) for i in items] == [(2, "multi\nline"), (4, "q2")]


def test_csv_header_only_has_no_records(tmp_path: Path) -> None:
    assert list(read_records(write(tmp_path, "a.csv", "question,answer\n"), "csv")) == []
    assert list(read_records(write(tmp_path, "b.csv", ""), "csv")) == []


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('question,answer\n"q1","a1"\n"q2","a"b"\n"q3","a3"\n', 3),
        ('question,answer\nq1,a1\nq2,a2\n"q3,a3\n', 4),
    ],
)
def test_broken_csv_quote_is_a_read_error_with_its_line(tmp_path: Path, content: str,
                                                        line: int) -> None:
    with pytest.raises(ReadError) as caught:
        list(read_records(write(tmp_path, "a.csv", content), "csv"))
    assert caught.value.line == line
    assert caught.value.message.startswith("not valid CSV")


# Parquet ---------------------------------------------------------------------------------------


def write_parquet(path: Path, rows: int, row_group_size: int, **columns: Any) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = {"question": [f"question {i}?" for i in range(rows)],
            "answer": [f"answer {i}" for i in range(rows)], **columns}
    pq.write_table(pa.table(data), path, row_group_size=row_group_size)


def test_parquet_rows_across_row_groups(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "qa.parquet"
    write_parquet(path, 10_000, 1_000)
    assert pq.ParquetFile(path).num_row_groups == 10
    items = read_records(path, "parquet")
    first = next(items)
    assert (first.location, first.data) == ("row 1", {"question": "question 0?",
                                                      "answer": "answer 0"})
    rest = list(items)
    assert len(rest) == 9_999
    assert rest[-1].location == "row 10000"
    assert rest[4_999].data["answer"] == "answer 5000"


def test_real_parquet_files(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow.parquet")
    folder = REAL / "hf_layout_parquet_nonqa_jbdel" / "data"
    counts = {}
    for source in sorted(folder.glob("*.parquet")):
        path = tmp_path / source.name
        path.write_bytes(source.read_bytes())
        items = list(read_records(path, "parquet"))
        counts[source.name.split("-")[0]] = len(items)
        assert set(items[0].data) == {"text", "label"}
    assert counts == {"test": 3, "train": 5, "validation": 2}


def test_corrupt_parquet_pages_are_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "qa.parquet"
    write_parquet(path, 1_000, 100)
    data = bytearray(path.read_bytes())
    for index in range(200, len(data) // 2, 37):  # the pages; the footer stays readable
        data[index] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="unreadable Parquet data"):
        list(read_records(path, "parquet"))


# Through the check: QP020 from the record readers --------------------------------------------


def test_invalid_jsonl_middle_line_fails_qp020_with_its_line(repo: Repo, run: Runner) -> None:
    """datafile parses only the first and last records; the per-record pass finds the rest."""
    rows = [json.dumps({"instruction": f"q{i}", "generation": f"a{i}", "model_name": "gpt-4o"})
            for i in range(5)]
    rows[2] = rows[2][:-1]  # line 3 loses its closing brace
    repo.write("data/gen.jsonl", "\n".join(rows) + "\n")
    repo.sidecar("data/gen.jsonl", validator={"type": "human", "id": "Acme QA"}, generator=None)
    result = run("check")
    assert result.code == 1
    assert result.has("data/gen.jsonl:3: QP020 record is not valid JSON"), result.out


def test_invalid_jsonl_middle_line_without_per_record_agents_is_not_read(
        repo: Repo, run: Runner) -> None:
    rows = [json.dumps({"question": f"q{i}", "answer": f"a{i}"}) for i in range(5)]
    rows[2] = "{broken"
    repo.write("data/qa.jsonl", "\n".join(rows) + "\n")
    repo.sidecar("data/qa.jsonl")
    assert run("check").code == 0  # the hash-only path: only the first and last are parsed


def test_broken_csv_quote_fails_qp020_with_its_line(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.csv", 'question,answer\n"q1","a1"\n"q2","a"b"\n')
    result = run("check")
    assert result.code == 1
    assert result.has("data/qa.csv:3: QP020 not valid CSV"), result.out


def test_malformed_alpaca_fails_qp020_at_line_5(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, "alpaca_fork_edited_MALFORMED.json")
    result = run("check", rel)
    assert result.code == 1
    assert result.has(f"{rel}:5: QP020 not valid JSON"), result.out
    assert "(column 19)" in result.out


def test_record_keys_configuration(repo: Repo, run: Runner) -> None:
    judged = [{"instruction": f"q{n}", "output_1": "a", "output_2": "b",
               "generator_1": "gpt-4o", "generator_2": "alpaca-7b", "annotator": "azure/GPT-4o"}
              for n in range(2)]
    repo.write("data/ann.json", json.dumps({"tags": ["x", "y"], "samples": judged}))
    repo.sidecar("data/ann.json", generator=None, validator=None)
    result = run("check")
    assert "QP010" not in result.out  # two lists of one length: read as columns, no profile
    repo.write(".qa-provenance.yaml", "record-keys: [samples]\n")
    result = run("check")
    assert result.has("data/ann.json: QP010 2 of 2 records: validator model 'azure/GPT-4o' is "
                      "the same source as generator model 'gpt-4o' (both 'gpt-4o') (records "
                      "/samples/0, /samples/1)"), result.out


def test_parquet_records_through_the_check(repo: Repo, run: Runner) -> None:
    path = repo.path("data/ann.parquet")
    path.parent.mkdir(parents=True)
    rows = 2_500
    write_parquet(path, rows, 1_000, instruction=["i"] * rows, output_1=["a"] * rows,
                  output_2=["b"] * rows, generator_1=["gpt4_1106_preview"] * rows,
                  generator_2=["alpaca-7b"] * rows,
                  annotator=["weighted_alpaca_eval_gpt4_turbo"] * rows)
    repo.sidecar("data/ann.parquet", generator=None, validator=None, records=rows)
    result = run("check", "-v")
    assert result.code == 1
    assert result.has("data/ann.parquet: QP010 2500 of 2500 records: validator model "
                      "'weighted_alpaca_eval_gpt4_turbo' is the same source as generator model "
                      "'gpt4_1106_preview' (both 'gpt-4-turbo') (records row 1, row 2, row 3, "
                      "...)"), result.out


def test_corrupt_parquet_with_per_record_agents_fails_qp020(repo: Repo, run: Runner) -> None:
    path = repo.path("data/gen.parquet")
    path.parent.mkdir(parents=True)
    write_parquet(path, 1_000, 100, model_name=["gpt-4o"] * 1_000)
    data = bytearray(path.read_bytes())
    for index in range(200, len(data) // 2, 37):
        data[index] ^= 0xFF
    path.write_bytes(bytes(data))
    repo.sidecar("data/gen.parquet", generator=None)
    result = run("check")
    assert result.code == 1
    assert result.has("data/gen.parquet: QP020 unreadable Parquet data"), result.out


def test_parquet_with_per_record_agents_passes_without_pyarrow(repo: Repo, run: Runner) -> None:
    """pyarrow is an optional extra: without it a Parquet file gets a note, not a failure."""
    path = repo.path("data/gen.parquet")
    path.parent.mkdir(parents=True)
    write_parquet(path, 30, 10, model_name=["gpt-4o"] * 30)
    repo.sidecar("data/gen.parquet", generator={"type": "model", "id": "openai/gpt-4o"})
    assert run("check").code == 0  # with pyarrow: the records agree with the sidecar
    code = ("import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None\n"
            "from provenance.cli import main\nraise SystemExit(main(['check']))")
    env = {k: v for k, v in os.environ.items() if k != "QA_PROVENANCE_DEBUG"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo.root, capture_output=True,
                          text=True, env=env, timeout=60)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "QP020" not in proc.stdout
    assert "install qa-provenance[parquet]" in proc.stderr


# text_of ---------------------------------------------------------------------------------------


def test_text_of_values() -> None:
    assert text_of(None) == ""
    assert text_of(["a", ["b", 3]]) == "a\nb\n3"
    assert text_of({"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'
    assert text_of(2.5) == "2.5"
    assert text_of([[], ("a", [[]]), None]) == "\na\n\n"


def test_text_of_deeply_nested_values_is_no_recursion_error() -> None:
    """orjson reads 1,024 levels of nesting, past Python's recursion limit."""
    deep: object = "x"
    for _ in range(1000):
        deep = [deep]
    assert text_of(deep) == "x"
    mapping: object = 1
    for _ in range(1000):
        mapping = {"a": mapping}
    assert text_of(mapping) == ""
    assert text_of({"a": [[{"b": 1}]]}) == '{"a": [[{"b": 1}]]}'


def test_default_record_keys_are_documented() -> None:
    assert readers.DEFAULT_RECORD_KEYS == ("examples", "data", "Data", "records", "rows", "items")


# --- issue 14: every reader streams or refuses ---------------------------------------------------


def test_a_json_array_is_read_in_bounded_memory(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A top-level array streams: reading 270 KB of records holds a window of 16 KiB and the
    records decoded from it, not the document (read whole: about 2 MB of Python objects)."""
    import tracemalloc

    from provenance.reading import datafile, json_stream, readers

    monkeypatch.setattr(json_stream, "CHUNK", 16 << 10)
    path = tmp_path / "qa.json"
    record = json.dumps({"instruction": "Name a prime.", "generation": "7"})
    path.write_text("[" + ",\n".join([record] * 5_000) + "]", encoding="utf-8")
    tracemalloc.start()
    try:
        facts = datafile.inspect(path)
        count = sum(1 for _ in readers.read_records(path, "json"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (facts.records, facts.problem, count) == (5_000, None, 5_000)
    assert peak < 1 << 19, peak  # read whole: about 2 MB


def test_a_parquet_cell_longer_than_the_limit_is_refused_from_the_footer(tmp_path: Path) -> None:
    """A small file can hold a huge cell that compresses well: found before it is decoded."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from provenance.reading import datafile, limits, readers

    path = tmp_path / "qa.parquet"
    big = "x" * (17 << 20)
    pq.write_table(pa.table({"instruction": ["q", big], "generation": ["a", "b"]}), path,
                   compression="zstd", row_group_size=1)
    assert path.stat().st_size < 1 << 20
    facts = datafile.inspect(path)
    assert facts.problem == ("row 2: column 'instruction' holds a cell longer than the limit of "
                             "16 MiB (limits: record-bytes)")
    with pytest.raises(readers.ReadError, match="row 2: column 'instruction'"):
        list(readers.read_records(path, "parquet"))
    limits.use(limits.Limits(record_bytes=32 << 20))
    try:
        assert datafile.inspect(path).problem is None
    finally:
        limits.use(limits.Limits())


def test_a_jsonl_file_that_shrinks_between_passes_is_changed_while_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hash pass counted records; before the first record is parsed the file is cut short
    (was: internal error: AssertionError)."""
    from provenance.reading import datafile

    path = tmp_path / "qa.jsonl"
    path.write_text('{"a": 1}\n' * 10, encoding="utf-8")
    real = datafile._finish_jsonl

    def shrink_then_finish(handle: Any, *args: Any) -> None:
        with open(path, "r+b") as writer:
            writer.truncate(0)
        real(handle, *args)

    monkeypatch.setattr(datafile, "_finish_jsonl", shrink_then_finish)
    facts = datafile.inspect(path)
    assert facts.problem == datafile.CHANGED


def test_a_shrunk_jsonl_file_with_the_same_size_check_still_cannot_assert(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blanked in place (same size, no record left): still 'changed while reading'."""
    from provenance.reading import datafile

    path = tmp_path / "qa.jsonl"
    path.write_text('{"a": 1}\n' * 10, encoding="utf-8")
    real = datafile._finish_jsonl

    def blank_then_finish(handle: Any, *args: Any) -> None:
        path.write_bytes(b" " * 89 + b"\n")
        real(handle, *args)

    monkeypatch.setattr(datafile, "_finish_jsonl", blank_then_finish)
    assert datafile.inspect(path).problem == datafile.CHANGED


def test_a_csv_file_that_grows_while_it_is_read_is_changed_while_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process appends once the reader has reached the end it saw."""
    from provenance.reading import datafile

    path = tmp_path / "qa.csv"
    path.write_text("question,answer\nq,a\n", encoding="utf-8")
    real = datafile._HashingReader.readinto

    def read_then_grow(self: Any, buffer: Any) -> int:
        count: int = real(self, buffer)
        if count == 0:
            with open(path, "ab") as writer:
                writer.write(b"q2,a2\n")
        return count

    monkeypatch.setattr(datafile._HashingReader, "readinto", read_then_grow)
    assert datafile.inspect(path).problem == datafile.CHANGED
