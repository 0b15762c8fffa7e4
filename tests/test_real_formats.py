"""Every real QA sample in ``tests/fixtures/real`` (see its SOURCES.md): how many records the
readers find and where, which profile is detected, what a first check of the untouched files
reports, and what stamping them with their documented provenance gives. The samples are copied,
never edited."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REAL, Repo, Runner, copy_real

from provenance.reading import datafile, profiles
from provenance.reading.readers import read_records

# name: (records, first location, last location, detected profile)
SAMPLES: dict[str, tuple[int, str, str, str | None]] = {
    "alpaca_text-davinci-003_sample200.json": (200, "/0", "/199", "alpaca"),
    "alpacaeval_alpaca-7b_annotations_weighted_gpt4_turbo_first100.json":
        (100, "/0", "/99", "alpacaeval-annotations"),
    "alpacaeval_gpt4_1106_preview_annotations_weighted_gpt4_turbo_first100.json":
        (100, "/0", "/99", "alpacaeval-annotations"),
    "alpacaeval_gpt4_1106_preview_model_outputs_first100.json":
        (100, "/0", "/99", "alpacaeval-outputs"),
    "alpacaeval_text_davinci_003_model_outputs_first100.json":
        (100, "/0", "/99", "alpacaeval-outputs"),
    "aragog_benchmark_questions_ground_truths.json":
        (107, "/questions/0", "/questions/106", "column-questions"),
    "deepeval_synthesizer_testset_pdf.csv": (4, "line 2", "line 9", "deepeval"),
    "hotpotqa_dev_distractor_sample30.json": (30, "/0", "/29", "hotpotqa"),
    "llamaindex_embedding_qa_finetune_val_dataset.json":
        (34, "/queries/b03ba63c-9c9f-4746-a9bf-3875854d4c4f",
         "/queries/f374a813-e3ff-435c-a787-e6e977d7be44", "embedding-pairs"),
    "llamaindex_eval_results_llama-3.1-8b_faithfulness_relevancy.csv":
        (44, "line 2", "line 45", "qa-eval-results"),
    "llamaindex_query_response_dataset_eval.json":
        (20, "/queries/fcece494-2ad7-4902-81af-6e3794eff2c4",
         "/queries/362eb8ad-9023-4781-97f0-f1aeff92d43e", "query-response"),
    "llamaindex_ragdataset_aragog_gpt-3.5-turbo_first40.json":
        (40, "/examples/0", "/examples/39", "llamaindex-rag"),
    "llamaindex_ragdataset_mentalhealth_vi_first40.json": (40, "/0", "/39", "llamaindex-rag"),
    "llamaindex_ragdataset_shape_NO_PROVENANCE_pg_essay.json":
        (44, "/examples/0", "/examples/43", "llamaindex-rag"),
    "llamaindex_ragdataset_zh_llama3.1.json": (20, "/examples/0", "/examples/19", "llamaindex-rag"),
    "nq_open_dev_first200.jsonl": (200, "line 1", "line 200", "qa-generic"),
    "nq_open_efficientqa_test_1.1_first200.jsonl": (200, "line 1", "line 200", "qa-generic"),
    "ragas_example_hf_doc_qa_eval.csv": (66, "line 2", "line 131", "qa-expected"),
    "ragas_v00_eval_basic_qa_dataset.csv": (5, "line 2", "line 14", "ragas-eval-v00"),
    "ragas_v01_testset_aimakerspace.csv": (19, "line 2", "line 20", "ragas-testset-v01"),
    "ragas_v02_testset_polished_by_gpt-4o_checkpoint.csv":
        (11, "line 2", "line 17", "ragas-testset-v02"),
    "ragas_v02_testset_youtube_gpt-4o.csv": (11, "line 2", "line 12", "ragas-testset-v02"),
    "selfinstruct_humaneval_text-davinci-003_predictions_first100.jsonl":
        (100, "line 1", "line 100", "self-instruct-predictions"),
    "selfinstruct_seed_tasks.jsonl": (175, "line 1", "line 175", "self-instruct-tasks"),
    "selfinstruct_user_oriented_instructions_first100.jsonl":
        (100, "line 1", "line 100", "self-instruct-tasks"),
    "squad_v1.1_format_custom_turkish_dataqa_dev.json":
        (557, "/data/0/paragraphs/0/qas/0", "/data/32/paragraphs/0/qas/79", "squad"),
    "squad_v2.0_dev_normans_subset.json":
        (208, "/data/0/paragraphs/0/qas/0", "/data/0/paragraphs/38/qas/4", "squad"),
    "triviaqa_sample.json": (1, "/Data/0", "/Data/0", "triviaqa"),
    "wizardlm_evol_instruct_testset_first100.jsonl":
        (100, "line 1", "line 100", "question-only"),
}
MALFORMED = "alpaca_fork_edited_MALFORMED.json"
NOT_RECORDS = "triviaqa_sample_predictions.json"  # a {"<qid>--<file>": answer} map


def test_the_table_covers_every_top_level_sample() -> None:
    on_disk = {p.name for p in REAL.iterdir()
               if p.is_file() and datafile.format_of(p.name) is not None}
    assert on_disk == {*SAMPLES, MALFORMED, NOT_RECORDS}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_records_locations_and_profile(tmp_path: Path, name: str) -> None:
    count, first, last, profile = SAMPLES[name]
    path = tmp_path / name
    path.write_bytes((REAL / name).read_bytes())
    fmt = datafile.format_of(name)
    assert fmt is not None
    facts = datafile.inspect(path)
    assert facts.problem is None
    items = list(read_records(path, fmt, document=facts.document))
    assert (len(items), items[0].location, items[-1].location) == (count, first, last)
    detected = profiles.detect(items[0].data)
    assert (detected.name if detected else None) == profile
    if fmt in ("jsonl", "csv"):
        assert all(item.location == f"line {item.line}" for item in items)


def test_record_counts_of_the_hash_only_path() -> None:
    """What ``records:`` is checked against (README: items of the top-level array or of the
    object's only list). It differs from the readers' count for nested and keyed shapes."""
    differing = {}
    for name, (count, *_rest) in SAMPLES.items():
        records = datafile.inspect(REAL / name).records
        if records != count:
            differing[name] = records
    assert differing == {
        "aragog_benchmark_questions_ground_truths.json": None,
        "llamaindex_embedding_qa_finetune_val_dataset.json": None,
        "llamaindex_query_response_dataset_eval.json": None,
        "squad_v1.1_format_custom_turkish_dataqa_dev.json": 33,  # articles, not questions
        "squad_v2.0_dev_normans_subset.json": 1,
    }


def test_not_a_record_file(tmp_path: Path) -> None:
    path = tmp_path / NOT_RECORDS
    path.write_bytes((REAL / NOT_RECORDS).read_bytes())
    assert list(read_records(path, "json")) == []


@pytest.mark.parametrize(
    ("rel", "count", "keys"),
    [
        ("croissant/1.0_huggingface-rag-dataset/output/question-answer.jsonl", 2,
         {"question-answer/question", "question-answer/answer"}),
        ("croissant/1.1_huggingface-squad_v2/output/record_set_plain_text.jsonl", 3,
         {"record_set_plain_text/question", "record_set_plain_text/context"}),
        ("croissant/1.1_huggingface-wildchat/output/default.jsonl", 2, {"default/model"}),
        ("croissant/1.0_huggingface-open-hermes/output/default.jsonl", 3, {"default/model"}),
    ],
)
def test_croissant_flattened_records_are_read(tmp_path: Path, rel: str, count: int,
                                              keys: set[str]) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes((REAL / rel).read_bytes())
    items = list(read_records(path, "jsonl"))
    assert len(items) == count
    assert keys <= set(items[0].data)
    assert profiles.detect(items[0].data) is None  # `recordset/field` keys: map them yourself


# a first check of the untouched files ----------------------------------------------------------


def test_first_check_of_every_sample(repo: Repo, run: Runner) -> None:
    for name in (*SAMPLES, MALFORMED, NOT_RECORDS):
        copy_real(repo, name)
    result = run("check")
    assert result.code == 1
    codes: dict[str, set[str]] = {}
    for line in result.lines:
        path, _, rest = line.partition(": ")
        codes.setdefault(path.split(":")[0], set()).add(rest[:5])
    per_record = {
        "data/alpacaeval_alpaca-7b_annotations_weighted_gpt4_turbo_first100.json": "QP010",
        "data/alpacaeval_gpt4_1106_preview_annotations_weighted_gpt4_turbo_first100.json":
            "QP010",
        "data/llamaindex_ragdataset_aragog_gpt-3.5-turbo_first40.json": "QP012",
        "data/llamaindex_ragdataset_mentalhealth_vi_first40.json": "QP012",
        "data/llamaindex_ragdataset_zh_llama3.1.json": "QP012",
        f"data/{MALFORMED}": "QP020",
    }
    expected = {f"data/{name}": {"QP001"} for name in (*SAMPLES, MALFORMED, NOT_RECORDS)}
    for path, code in per_record.items():
        expected[path].add(code)
    assert codes == expected, result.out
    assert result.has(f"data/{MALFORMED}:5: QP020 not valid JSON")


# stamped with the provenance SOURCES.md documents ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "generator", "validator", "stamped"),
    [
        ("alpaca_text-davinci-003_sample200.json", "openai/text-davinci-003",
         "human:Stanford Alpaca team", True),
        ("deepeval_synthesizer_testset_pdf.csv", "openai/gpt-4o", "human:RMCV reviewers", True),
        ("llamaindex_eval_results_llama-3.1-8b_faithfulness_relevancy.csv",
         "meta-llama/Llama-3.1-8B", "qwen-max", True),
        ("ragas_v01_testset_aimakerspace.csv", "gpt-3.5-turbo-16k", "gpt-4", True),
        ("ragas_v02_testset_youtube_gpt-4o.csv", "openai/gpt-4o", "human:RMCV reviewers", True),
        # generated with gpt-4o, then polished and validated with gpt-4o: a loop in the code only
        ("ragas_v02_testset_polished_by_gpt-4o_checkpoint.csv", "openai/gpt-4o", "gpt-4o", False),
        ("selfinstruct_humaneval_text-davinci-003_predictions_first100.jsonl",
         "text-davinci-003", "human:Self-Instruct authors", True),
        ("selfinstruct_seed_tasks.jsonl", "human:Self-Instruct authors",
         "human:Self-Instruct authors review", True),
        ("wizardlm_evol_instruct_testset_first100.jsonl", "human:WizardLM authors",
         "human:WizardLM reviewers", True),
    ],
)
def test_documented_provenance(repo: Repo, run: Runner, name: str, generator: str,
                               validator: str, stamped: bool) -> None:
    rel = copy_real(repo, name)
    result = run("stamp", rel, "--generator", generator, "--validator", validator)
    assert result.code == (0 if stamped else 1), result.err
    assert repo.exists(f"{rel}.provenance.yaml") is stamped
    check = run("check")
    if stamped:
        assert check.code == 0, check.out
        assert check.summary == "qa-provenance: 1 data file checked, all passed"
    else:
        assert "QP010 validator model 'gpt-4o' is the same source as generator model " \
               "'openai/gpt-4o'" in result.err
        assert check.code == 1


# Git LFS pointers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "rel", "oid"),
    [
        ("dolly15k_hf_mirror_lfs/databricks-dolly-15k.jsonl", "data/dolly.jsonl",
         "2df9083338b4abd6bceb5635764dab5d833b393b55759dffb0959b6fcbf794ec"),
        ("llama-datasets_mini_squadv2/rag_dataset.json", "data/rag_dataset.json",
         "21a76c3bcb31e49369d81ba8d527605b7afbd778e291bface8e532b672a9e6eb"),
        ("localsearchbench_lfs_parquet/data/train-00000-of-00001.parquet", "data/train.parquet",
         "1fa0ac21c88ae314817d072723d44e686cbc38801bee6c9120516b52929f9afb"),
    ],
)
def test_lfs_pointers_skip_record_checks(repo: Repo, run: Runner, source: str, rel: str,
                                         oid: str) -> None:
    copy_real(repo, source, rel)
    result = run("stamp", rel, "--generator", "human:Databricks employees", "--validator",
                 "human:Acme QA")
    assert result.code == 0, result.err
    assert repo.load_yaml(f"{rel}.provenance.yaml")["digest"] == {"sha256": oid}
    result = run("check")
    assert result.code == 0, result.out
    assert f"note: {rel}: Git LFS pointer: digest taken from its oid, record checks skipped" \
        in result.err


def test_lfs_pointer_with_a_records_profile(repo: Repo, run: Runner) -> None:
    """A pinned profile with per-record agents cannot read a pointer: a note, no failure, and
    the file-level record must then name its agents itself."""
    rel = copy_real(repo, "llama-datasets_braintrust_coda/rag_dataset.json",
                    "data/rag_dataset.json")
    repo.write(".qa-provenance.yaml", "records:\n  - files: data/*.json\n"
                                      "    profile: llamaindex-rag\n")
    repo.sidecar(rel, {"generator": {"type": "model", "id": "gpt-4"},
                       "validator": {"type": "human", "id": "Braintrust"},
                       "digest": {"sha256": repo.read(rel).split("sha256:")[1].split()[0]}})
    result = run("check")
    assert result.code == 0, result.out
    assert "record checks skipped" in result.err
