"""Per-record provenance with real files: the loops really in them are found and reported in
aggregate, human-annotated sets pass with valid provenance, file-level records may omit what the
records give but must not contradict it, generator shares, and the independence policies."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from conftest import Repo, Runner, copy_real, dump_yaml, line_of

from provenance.checker import Checker
from provenance.checks.per_record import merge, scan
from provenance.config import load_config
from provenance.identity.independence import Judge, Policy
from provenance.identity.registry import Relation
from provenance.reading.profiles import profile_from_mapping
from provenance.record import Agent

HUMAN_VALIDATOR = {"type": "human", "id": "Acme QA", "method": "human-review"}

LLAMAINDEX_LOOPS = [
    ("llamaindex_ragdataset_aragog_gpt-3.5-turbo_first40.json", 40, "gpt-3.5-turbo",
     "/examples/0, /examples/1, /examples/2, ..."),
    ("llamaindex_ragdataset_mentalhealth_vi_first40.json", 40, "gpt-4o-mini", "/0, /1, /2, ..."),
    ("llamaindex_ragdataset_zh_llama3.1.json", 20, "llama3.1:latest",
     "/examples/0, /examples/1, /examples/2, ..."),
]
ANNOTATIONS = [
    "alpacaeval_alpaca-7b_annotations_weighted_gpt4_turbo_first100.json",
    "alpacaeval_gpt4_1106_preview_annotations_weighted_gpt4_turbo_first100.json",
]
OUTPUTS = "alpacaeval_gpt4_1106_preview_model_outputs_first100.json"


def config(repo: Repo, settings: dict[str, Any]) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml(settings))


def findings(out: str, path: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"{path}:")]


# the loops that are really in the real files --------------------------------------------------


@pytest.mark.parametrize(("name", "total", "model", "where"), LLAMAINDEX_LOOPS)
def test_llamaindex_self_answered_sets_are_found(repo: Repo, run: Runner, name: str, total: int,
                                                 model: str, where: str) -> None:
    rel = copy_real(repo, name)
    result = run("check", rel)
    qp012 = [line for line in findings(result.out, rel) if "QP012" in line]
    assert qp012 == [f"{rel}: QP012 [warning] {total} of {total} records: questions and answers "
                     f"both come from model '{model}' (records {where})"], result.out


def test_llamaindex_set_without_agents_has_no_per_record_finding(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, "llamaindex_ragdataset_shape_NO_PROVENANCE_pg_essay.json")
    result = run("check", rel)
    assert [line.split(": ")[1][:5] for line in findings(result.out, rel)] == ["QP001"]


@pytest.mark.parametrize("name", ANNOTATIONS)
def test_alpacaeval_annotations_judged_by_their_generator(repo: Repo, run: Runner,
                                                         name: str) -> None:
    rel = copy_real(repo, name)
    refused = run("stamp", rel)  # the records name both roles, and they are one source
    assert refused.code == 1 and f"{rel}: QP010 100 of 100 records" in refused.err
    repo.sidecar(rel, generator=None, validator=None)  # written by hand: check still says no
    result = run("check", rel)
    assert result.code == 1
    assert findings(result.out, rel) == [
        f"{rel}: QP010 100 of 100 records: validator model 'weighted_alpaca_eval_gpt4_turbo' is "
        "the same source as generator model 'gpt4_1106_preview' (both 'gpt-4-turbo') "
        "(records /0, /1, /2, ...)"
    ], result.out


def test_alpacaeval_pairs_are_counted(repo: Repo) -> None:
    rel = copy_real(repo, ANNOTATIONS[0])
    result = Checker(load_config(repo.root)).run([rel])
    [file_result] = result.files
    assert file_result.profile == "alpacaeval-annotations"
    assert file_result.pairs == (("gpt4_1106_preview, alpaca-7b",
                                  "weighted_alpaca_eval_gpt4_turbo", 100),)


def test_aggregated_report_of_a_large_jsonl(repo: Repo, run: Runner) -> None:
    rows = [{"query": f"q{n}", "query_by": {"model_name": "gpt-4o", "type": "ai"},
             "reference_answer": f"a{n}",
             "reference_answer_by": {"model_name": "openai/gpt-4o-2024-08-06", "type": "ai"}}
            for n in range(5000)]
    rows[0]["reference_answer_by"] = {"model_name": "claude-3-5-sonnet-20241022", "type": "ai"}
    repo.jsonl("data/big.jsonl", rows)
    result = run("check")
    assert findings(result.out, "data/big.jsonl") == [
        "data/big.jsonl: QP001 no provenance record",
        "data/big.jsonl:2: QP012 [warning] 4999 of 5000 records: questions and answers both come "
        "from model 'gpt-4o' (both 'gpt-4o') (records line 2, line 3, line 4, ...)",
    ], result.out


# human-annotated sets pass with valid provenance ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "generator"),
    [
        ("squad_v2.0_dev_normans_subset.json", "human:SQuAD crowdworkers (Daemo)"),
        ("squad_v1.1_format_custom_turkish_dataqa_dev.json", "human:PnrSvc"),
        ("nq_open_dev_first200.jsonl", "human:Natural Questions annotators"),
        ("nq_open_efficientqa_test_1.1_first200.jsonl", "human:Natural Questions annotators"),
        ("hotpotqa_dev_distractor_sample30.json", "human:HotpotQA crowdworkers"),
        ("triviaqa_sample.json", "human:TriviaQA trivia websites"),
    ],
)
def test_human_annotated_sets_pass_when_stamped(repo: Repo, run: Runner, name: str,
                                                generator: str) -> None:
    rel = copy_real(repo, name)
    stamped = run("stamp", rel, "--generator", generator, "--validator",
                  "human:Acme QA Reviewers", "--method", "human-review")
    assert stamped.code == 0, stamped.err
    result = run("check", "-v")
    assert result.code == 0, result.out
    assert result.lines == [f"{rel}: ok (generator {generator[6:]}; validator Acme QA Reviewers)"]
    assert result.summary == "qa-provenance: 1 data file checked, all passed"


# file-level provenance with per-record provenance ---------------------------------------------


def test_file_level_record_may_omit_what_the_records_give(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, OUTPUTS)
    result = run("stamp", rel, "--validator", "human:Acme QA Reviewers")
    assert result.code == 0, result.err
    assert "generator" not in repo.load_yaml(f"{rel}.provenance.yaml")
    result = run("check", "-v")
    assert result.code == 0, result.out
    assert result.lines == [f"{rel}: ok (generator gpt4_1106_preview; validator Acme QA "
                            "Reviewers; records read as alpacaeval-outputs)"]


def test_file_level_record_must_name_what_the_records_do_not(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, OUTPUTS)
    repo.sidecar(rel, generator=None, validator=None)
    result = run("check")
    assert findings(result.out, f"{rel}.provenance.yaml") == [
        f"{rel}.provenance.yaml:1: QP002 (top level): 'validator' is required (the records do "
        "not name their validators)"
    ], result.out


def test_human_validator_contradicting_the_records_judge(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, ANNOTATIONS[0])
    repo.sidecar(rel, generator=None, validator=HUMAN_VALIDATOR)
    result = run("check")
    assert result.code == 1
    sidecar = f"{rel}.provenance.yaml"
    assert result.has(f"{sidecar}:1: QP014 the records name validator model "
                      "'weighted_alpaca_eval_gpt4_turbo', but this record lists only human "
                      "'Acme QA'"), result.out
    assert result.has(f"{rel}: QP010 100 of 100 records"), result.out


def test_file_level_generators_must_list_the_records_generators(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, ANNOTATIONS[0])
    repo.sidecar(rel, generator={"type": "model", "id": "openai/gpt-4-1106-preview"},
                 validator={"type": "model", "id": "weighted_alpaca_eval_gpt4_turbo"})
    result = run("check")
    contradictions = [line for line in result.out.splitlines() if "QP014" in line]
    # gpt4_1106_preview is the listed model under another spelling; alpaca-7b is not listed
    assert contradictions == [f"{rel}.provenance.yaml:1: QP014 the records name generator model "
                              "'alpaca-7b', but this record lists only model "
                              "'openai/gpt-4-1106-preview'"], result.out


def test_file_level_validator_names_the_records_generator(repo: Repo, run: Runner) -> None:
    """The file says the validator is gpt-3.5-turbo; the records say gpt-3.5-turbo wrote the
    questions and the answers. Neither the file-level nor the per-record check sees that pair
    alone."""
    rel = copy_real(repo, LLAMAINDEX_LOOPS[0][0])
    repo.sidecar(rel, generator=None,
                 validator={"type": "model", "id": "openai/gpt-3.5-turbo-0125",
                            "method": "llm-judge"})
    result = run("check")
    assert result.code == 1
    assert result.has(f"{rel}.provenance.yaml:1: QP010 validator model "
                      "'openai/gpt-3.5-turbo-0125' is the same source as generator model "
                      "'gpt-3.5-turbo' (both 'gpt-3-5-turbo'): an independent validator must "
                      "come from a different source (the generator is named by the records)"), \
        result.out


def test_records_judge_is_the_file_level_generator(repo: Repo, run: Runner) -> None:
    rows = [{"question": f"q{n}", "answer": f"a{n}", "judge": "azure/GPT-4o"} for n in range(3)]
    repo.jsonl("data/judged.jsonl", rows)
    repo.sidecar("data/judged.jsonl", validator=None)  # generator openai/gpt-4o-2024-08-06
    config(repo, {"records": [{"files": "data/judged.jsonl", "validator": "judge"}]})
    result = run("check")
    assert result.code == 1
    assert "QP010 validator model 'azure/GPT-4o' is the same source as generator model " \
           "'openai/gpt-4o-2024-08-06'" in result.out


def test_validator_named_at_file_level_suppresses_self_answered(repo: Repo, run: Runner) -> None:
    name, _total, model, _where = LLAMAINDEX_LOOPS[1]
    rel = copy_real(repo, name)
    assert "QP012" in run("check").out
    repo.sidecar(rel, generator=None, validator=HUMAN_VALIDATOR)
    result = run("check", "-v")
    assert result.code == 0, result.out
    assert "QP012" not in result.out
    assert result.lines == [f"{rel}: ok (generator {model}; validator Acme QA; records read as "
                            "llamaindex-rag)"]


def test_trains_is_checked_against_the_records_generators(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, OUTPUTS)
    repo.sidecar(rel, generator=None, validator=HUMAN_VALIDATOR,
                 trains=["openai/gpt-4-1106-preview"])
    result = run("check")
    assert result.code == 1
    assert result.has(f"{rel}.provenance.yaml:") and "QP011 trains model " \
        "'openai/gpt-4-1106-preview', which generated this data (model 'gpt4_1106_preview'" \
        in result.out, result.out


def test_anonymous_human_in_the_records_names_no_one(repo: Repo, run: Runner) -> None:
    """LlamaIndex writes a human as {model_name: "", type: human}: that is no identity, so the
    file-level record must name the people; naming them is no contradiction."""
    rows = [{"query": f"q{n}", "query_by": {"model_name": "", "type": "human"},
             "reference_answer": f"a{n}",
             "reference_answer_by": {"model_name": "", "type": "human"}} for n in range(3)]
    repo.jsonl("data/human.jsonl", rows)
    repo.sidecar("data/human.jsonl", generator=None)
    result = run("check")
    assert result.has("data/human.jsonl.provenance.yaml:1: QP002 (top level): 'generator' is "
                      "required"), result.out
    repo.sidecar("data/human.jsonl",
                 generator={"type": "human", "id": "Acme Writers", "role": "both"})
    result = run("check")
    assert result.code == 0, result.out
    assert "QP014" not in result.out


def test_anonymous_human_is_still_a_contradiction_of_a_model(repo: Repo, run: Runner) -> None:
    rows = [{"query": "q", "query_by": {"model_name": "", "type": "human"},
             "reference_answer": "a", "reference_answer_by": {"model_name": "", "type": "human"}}]
    repo.jsonl("data/human.jsonl", rows)
    repo.sidecar("data/human.jsonl", generator={"type": "model", "id": "openai/gpt-4o"})
    result = run("check")
    assert result.code == 1
    assert "QP014 the records name generator an unnamed human" in result.out


# source diversity: max-generator-share ---------------------------------------------------------


def distilabel_rows(models: list[str]) -> list[dict[str, str]]:
    return [{"instruction": f"q{n}", "generation": f"a{n}", "model_name": model}
            for n, model in enumerate(models)]


def test_max_generator_share_per_file(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, OUTPUTS)
    repo.sidecar(rel, generator=None, validator=HUMAN_VALIDATOR)
    assert run("check").code == 0
    config(repo, {"max-generator-share": 0.8})
    result = run("check")
    assert result.code == 1
    assert findings(result.out, rel) == [
        f"{rel}: QP015 generator 'gpt4_1106_preview' produced 100 of 100 records (100%), more "
        "than max-generator-share 80%"
    ]


@pytest.mark.parametrize(("share", "fails"), [(0.8, False), (0.7, False), (0.6, True)])
def test_max_generator_share_threshold(repo: Repo, run: Runner, share: float,
                                       fails: bool) -> None:
    repo.jsonl("data/gen.jsonl", distilabel_rows(["gpt-4o"] * 7 + ["claude-3-5-haiku"] * 3))
    repo.sidecar("data/gen.jsonl", generator=None)
    config(repo, {"max-generator-share": share})
    result = run("check")
    assert ("QP015 generator 'gpt-4o' produced 7 of 10 records (70%)" in result.out) is fails
    assert result.code == (1 if fails else 0)


def test_generator_share_counts_spellings_of_one_model_together(repo: Repo, run: Runner) -> None:
    models = ["gpt-4o"] * 5 + ["openai/gpt-4o-2024-08-06"] * 3 + ["claude-3-5-haiku"] * 2
    repo.jsonl("data/gen.jsonl", distilabel_rows(models))
    repo.sidecar("data/gen.jsonl", generator=None)
    config(repo, {"max-generator-share": 0.75})
    result = run("check")
    assert result.has("data/gen.jsonl: QP015 generator 'gpt-4o' produced 8 of 10 records (80%)"), \
        result.out


def test_generator_share_with_records_naming_only_validators(repo: Repo, run: Runner) -> None:
    rows = [{"question": f"q{n}", "answer": f"a{n}", "judge": "gpt-4o"} for n in range(3)]
    repo.jsonl("data/judged.jsonl", rows)
    repo.sidecar("data/judged.jsonl", generator={"type": "human", "id": "Acme Writers"},
                 validator=None)
    config(repo, {"max-generator-share": 0.5,
                  "records": [{"files": "data/judged.jsonl", "validator": "judge"}]})
    result = run("check")
    assert result.code == 0, result.out + result.err


def test_max_generator_share_per_folder(repo: Repo, run: Runner) -> None:
    """File-level records count their records for their generator; spellings of one model are
    one generator across files."""
    repo.jsonl("data/a.jsonl")
    repo.sidecar("data/a.jsonl", records=3)  # openai/gpt-4o-2024-08-06
    repo.jsonl("data/b.jsonl")
    repo.sidecar("data/b.jsonl", records=3, generator={"type": "model", "id": "azure/GPT-4o"})
    repo.jsonl("other/c.jsonl")
    repo.sidecar("other/c.jsonl", records=3)
    config(repo, {"max-generator-share": 0.8})
    result = run("check")
    assert result.code == 1
    assert result.lines == [
        "data: QP015 generator 'openai/gpt-4o-2024-08-06' produced 6 of 6 records in this folder "
        "(100%), more than max-generator-share 80%"
    ], result.out  # other/ holds one dataset only: the folder rule needs several


def test_folder_share_mixes_per_record_and_file_level_counts(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/gen.jsonl", distilabel_rows(["claude-3-5-haiku"] * 4))
    repo.sidecar("data/gen.jsonl", generator=None)
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl", records=3)
    config(repo, {"max-generator-share": 0.5,
                  "overrides": [{"files": "data/gen.jsonl", "max-generator-share": 1}]})
    result = run("check")
    assert result.lines == [
        "data: QP015 generator 'claude-3-5-haiku' produced 4 of 7 records in this folder (57%), "
        "more than max-generator-share 50%"
    ], result.out


def test_max_generator_share_through_overrides(repo: Repo, run: Runner) -> None:
    for folder in ("data/eval", "data/train"):
        repo.jsonl(f"{folder}/a.jsonl", distilabel_rows(["gpt-4o"] * 3 + ["qwen2.5-72b"]))
        repo.sidecar(f"{folder}/a.jsonl", generator=None)
        repo.jsonl(f"{folder}/b.jsonl")
        repo.sidecar(f"{folder}/b.jsonl", records=3, generator={"type": "model", "id": "gpt-4o"})
    config(repo, {"overrides": [{"files": "data/eval/**", "max-generator-share": 0.7}]})
    result = run("check")
    assert result.code == 1
    assert result.lines == [  # sorted by path: the folder before the files in it
        "data/eval: QP015 generator 'gpt-4o' produced 6 of 7 records in this folder (86%), more "
        "than max-generator-share 70%",
        "data/eval/a.jsonl: QP015 generator 'gpt-4o' produced 3 of 4 records (75%), more than "
        "max-generator-share 70%",
    ], result.out


def test_generator_share_severity_follows_the_rule_setting(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/gen.jsonl", distilabel_rows(["gpt-4o"] * 3))
    repo.sidecar("data/gen.jsonl", generator=None)
    config(repo, {"max-generator-share": 0.5, "rules": {"generator-dominance": "warn"}})
    result = run("check")
    assert result.code == 0
    assert result.has("data/gen.jsonl: QP015 [warning] generator 'gpt-4o' produced 3 of 3")


def test_max_generator_share_must_be_a_share(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/a.jsonl")
    for bad in (0, 1.5, "80%"):
        config(repo, {"max-generator-share": bad})
        assert run("check").code == 2


# independence policies -------------------------------------------------------------------------


BASE = "meta-llama/Llama-3.1-8B"
INSTRUCT = "meta-llama/Llama-3.1-8B-Instruct"
SIBLING = "meta-llama/Llama-3.1-70B-Instruct"


def judged(repo: Repo, generator: str, validator: str) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl", generator={"type": "model", "id": generator},
                 validator={"type": "model", "id": validator, "method": "llm-judge"})


@pytest.mark.parametrize(
    ("policy", "code", "expected"),
    [
        (None, 1, "QP010 validator model 'meta-llama/Llama-3.1-8B-Instruct' is the same source "
                  "as generator model 'meta-llama/Llama-3.1-8B' "
                  "(meta-llama/Llama-3.1-8B-Instruct is a fine-tune of meta-llama/Llama-3.1-8B)"),
        ("lineage", 1, "QP010"),
        ("family", 1, "QP010"),
        ("model", 0, None),
    ],
)
def test_policy_decides_a_derived_pair(repo: Repo, run: Runner, policy: str | None, code: int,
                                       expected: str | None) -> None:
    judged(repo, BASE, INSTRUCT)
    if policy is not None:
        config(repo, {"independence": policy})
    result = run("check")
    assert result.code == code, result.out
    if expected is None:
        assert result.lines == []
    else:
        assert expected in result.out


@pytest.mark.parametrize(
    ("policy", "code", "expected"),
    [
        ("lineage", 0, "QP013 [warning] validator model 'meta-llama/Llama-3.1-70B-Instruct' is of "
                       "the same family as generator model 'meta-llama/Llama-3.1-8B-Instruct' "
                       "(meta-llama/Llama-3.1-70B-Instruct is in the llama-3 family; "
                       "meta-llama/Llama-3.1-8B-Instruct is in the llama-3 family)"),
        ("family", 1, "QP010 validator model 'meta-llama/Llama-3.1-70B-Instruct' is the same "
                      "source as generator model 'meta-llama/Llama-3.1-8B-Instruct'"),
        ("model", 0, None),
    ],
)
def test_policy_decides_a_same_family_pair(repo: Repo, run: Runner, policy: str, code: int,
                                           expected: str | None) -> None:
    judged(repo, INSTRUCT, SIBLING)
    config(repo, {"independence": policy})
    result = run("check")
    assert result.code == code, result.out
    if expected is None:
        assert result.lines == []  # README: under `model` the family is independent
    else:
        assert expected in result.out


def test_policy_per_glob_through_overrides(repo: Repo, run: Runner) -> None:
    for rel in ("data/strict/qa.jsonl", "data/lenient/qa.jsonl"):
        repo.jsonl(rel)
        repo.sidecar(rel, generator={"type": "model", "id": BASE},
                     validator={"type": "model", "id": INSTRUCT})
    config(repo, {"independence": "family",
                  "overrides": [{"files": "data/lenient/**", "independence": "model"}]})
    result = run("check")
    assert [line.split(":")[0] for line in result.lines] == \
        ["data/strict/qa.jsonl.provenance.yaml"], result.out


@pytest.mark.parametrize(("policy", "found"), [("lineage", True), ("family", True),
                                               ("model", False)])
def test_policy_applies_per_record(repo: Repo, run: Runner, policy: str, found: bool) -> None:
    rows = [{"query": f"q{n}", "query_by": {"model_name": BASE, "type": "ai"},
             "reference_answer": f"a{n}",
             "reference_answer_by": {"model_name": INSTRUCT, "type": "ai"}} for n in range(2)]
    repo.write("data/rag.json", json.dumps({"examples": rows}))
    config(repo, {"independence": policy})
    result = run("check")
    assert result.has("data/rag.json: QP012 [warning] 2 of 2 records: questions and answers "
                      f"both come from model '{BASE}' ({INSTRUCT} is a fine-tune of {BASE})") \
        is found, result.out


def test_same_family_per_record_warns_under_lineage(repo: Repo, run: Runner) -> None:
    rows = [{"instruction": "i", "output_1": "a", "output_2": "b", "generator_1": INSTRUCT,
             "generator_2": "alpaca-7b", "annotator": SIBLING}]
    repo.write("data/ann.json", json.dumps(rows))
    repo.sidecar("data/ann.json", generator=None, validator=None)
    result = run("check")
    assert result.code == 0, result.out
    assert result.has("data/ann.json: QP013 [warning] 1 of 1 records: validator model "
                      f"'{SIBLING}' is of the same family as generator model '{INSTRUCT}'"), \
        result.out


# the key a record's agents are cached under (issue 17) -----------------------------------------


def mapped_agents(repo: Repo, fields: tuple[str, str], pairs: list[tuple[str, str]]) -> None:
    """data/qa.jsonl with one (generator, validator) pair per record, at the configured fields:
    ``meta.x`` nested, ``x[]`` a one-item list, else a plain key."""
    def put(row: dict[str, Any], path: str, model: str) -> None:
        if path.endswith("[]"):
            row[path[:-2]] = [model]
        elif path.startswith("meta."):
            row.setdefault("meta", {})[path[5:]] = model
        else:
            row[path] = model

    rows = []
    for n, (gen, val) in enumerate(pairs):
        row: dict[str, Any] = {"question": f"q{n}", "answer": f"a{n}"}
        put(row, fields[0], gen)
        put(row, fields[1], val)
        rows.append(row)
    repo.jsonl("data/qa.jsonl", rows)
    repo.sidecar("data/qa.jsonl", generator=None, validator=None)
    config(repo, {"records": [{"files": "data/qa.jsonl", "generator": fields[0],
                               "validator": fields[1]}]})


@pytest.mark.parametrize("fields", [("meta.model", "meta.judge"), ("models[]", "judges[]")])
def test_nested_fields_are_keyed_per_record(repo: Repo, run: Runner,
                                            fields: tuple[str, str]) -> None:
    """Records 1 and 3 are judged by another model; record 2 by its own generator."""
    pairs = [("gpt-4o", "claude-3-5-sonnet-20241022"), ("gpt-4o", "openai/gpt-4o-2024-08-06"),
             ("claude-3-5-haiku", "gpt-4o")]
    mapped_agents(repo, fields, pairs)
    result = run("check")
    assert result.code == 1, result.out
    assert result.lines == [
        "data/qa.jsonl:2: QP010 1 of 3 records: validator model 'openai/gpt-4o-2024-08-06' is the "
        "same source as generator model 'gpt-4o' (both 'gpt-4o') (records line 2)"
    ], result.out


@pytest.mark.parametrize("fields", [("meta.model", "judge"), ("model", "meta.judge")])
def test_one_nested_field_among_plain_ones_is_keyed_per_record(
        repo: Repo, run: Runner, fields: tuple[str, str]) -> None:
    """One nested field is enough to key records by what they hold: a plain lookup of
    ``meta.model`` finds nothing, and record 2 would share record 1's verdict."""
    generator = fields[0]
    pairs = [("claude-3-5-haiku", "gpt-4o"), ("openai/gpt-4o-2024-08-06", "gpt-4o"),
             ("claude-3-5-haiku", "gpt-4o")]
    if generator == "model":  # the plain field repeats, the nested one differs
        pairs = [(val, gen) for gen, val in pairs]
    mapped_agents(repo, fields, pairs)
    result = run("check")
    assert result.code == 1, result.out
    validator_id, generator_id = ("gpt-4o", "openai/gpt-4o-2024-08-06") \
        if generator == "meta.model" else ("openai/gpt-4o-2024-08-06", "gpt-4o")
    assert result.lines == [
        f"data/qa.jsonl:2: QP010 1 of 3 records: validator model '{validator_id}' is the "
        f"same source as generator model '{generator_id}' (both 'gpt-4o') (records line 2)"
    ], result.out


def test_agent_objects_in_a_list_are_keyed_by_value(repo: Repo, run: Runner) -> None:
    """A list of agent objects is unhashable: the fallback key must still tell records apart
    (it crashed with a TypeError)."""
    def row(n: int, *judges: str) -> dict[str, Any]:
        return {"question": f"q{n}", "answer": f"a{n}", "model_name": "gpt-4o",
                "judges": [{"type": "model", "id": judge} for judge in judges]
                + [{"model_name": "", "type": "human"}]}

    rows = [row(0, "claude-3-5-sonnet-20241022"), row(1, "claude-3-5-sonnet-20241022"),
            row(2, "azure/gpt-4o"), row(3, "claude-3-5-sonnet-20241022")]
    repo.jsonl("data/qa.jsonl", rows)
    repo.sidecar("data/qa.jsonl", generator=None, validator=None)
    config(repo, {"records": [{"files": "data/qa.jsonl", "validator": "judges"}]})
    result = run("check")
    assert result.code == 1, result.out + result.err
    assert result.lines == [
        "data/qa.jsonl:3: QP010 1 of 4 records: validator model 'azure/gpt-4o' is the same "
        "source as generator model 'gpt-4o' (both 'gpt-4o') (records line 3)"
    ], result.out


def test_values_equal_in_python_but_not_in_json_are_different_agents() -> None:
    """1, 1.0 and True are equal dictionary keys; as model names they are '1', '1.0', 'True'."""
    profile = profile_from_mapping({"generator": "gen", "validator": "val"})
    rows = [{"gen": {"model_name": 1, "type": "ai"}, "val": {"model_name": "1", "type": "ai"}},
            {"gen": {"model_name": 1.0, "type": "ai"}, "val": {"model_name": "1", "type": "ai"}},
            {"gen": {"model_name": True, "type": "ai"}, "val": {"model_name": "1", "type": "ai"}},
            {"gen": {"model_name": 1, "type": "ai"}, "val": {"model_name": "1", "type": "ai"}}]
    result = scan([(row, n) for n, row in enumerate(rows)], profile, Judge())
    assert {key: o.count for key, o in result.offences.items()} == {("QP010", "1|1"): 2}
    assert result.pairs == Counter({("1", "1"): 2, ("1.0", "1"): 1, ("True", "1"): 1})


# role: both without a validator (issue 17) -----------------------------------------------------

YOURBENCH_ROW = {
    "document_id": "9c2b6f0e-1d1a-4c55-9d53-2f1f0f6c8a11",
    "chunk_id": "9c2b6f0e-1d1a-4c55-9d53-2f1f0f6c8a11_0",
    "question": "What does the warranty exclude?",
    "self_answer": "Damage caused by misuse or unauthorised repair.",
    "estimated_difficulty": 4,
    "self_assessed_question_type": "factual",
    "generating_model": "Qwen/Qwen2.5-72B-Instruct",
    "thought_process": "The chunk lists the exclusions of the warranty.",
    "citations": ["does not cover damage caused by misuse"],
    "question_mode": "open-ended",
}


def test_yourbench_questions_answered_by_their_writer(repo: Repo, run: Runner) -> None:
    rows = [{**YOURBENCH_ROW, "question": f"q{n}?"} for n in range(2)]
    repo.jsonl("data/yourbench.jsonl", rows)
    repo.sidecar("data/yourbench.jsonl", generator=None, validator=None)
    result = run("check", "-v")
    assert sorted(result.lines) == [
        "data/yourbench.jsonl.provenance.yaml:1: QP002 (top level): 'validator' is required "
        "(the records do not name their validators)",
        "data/yourbench.jsonl:1: QP012 [warning] 2 of 2 records: questions and answers both come "
        "from model 'Qwen/Qwen2.5-72B-Instruct' (records line 1, line 2)",
    ], result.out  # the order of the lines is the reporter's business


def test_yourbench_profile_is_detected_and_reads_the_generator(repo: Repo) -> None:
    rel = "data/yourbench.jsonl"
    repo.jsonl(rel, [YOURBENCH_ROW])
    repo.sidecar(rel, generator=None, validator=HUMAN_VALIDATOR)
    result = Checker(load_config(repo.root)).run([rel])
    [file_result] = result.files
    assert file_result.profile == "yourbench"
    # the records name no validator: the file-level one is not a per-record pair
    assert file_result.pairs == (("Qwen/Qwen2.5-72B-Instruct", "-", 1),)


def test_yourbench_with_a_validator_is_not_self_answered(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/yourbench.jsonl", [YOURBENCH_ROW])
    repo.sidecar("data/yourbench.jsonl", generator=None, validator=HUMAN_VALIDATOR)
    result = run("check")
    assert result.code == 0 and result.lines == [], result.out


# validators without an id (issue 17) -----------------------------------------------------------


@pytest.mark.parametrize("generator", ["meta-llama/Llama-3.1-8B-Instruct", "gpt-4o"])
def test_anonymous_llamaindex_validator_is_no_family_or_loop(repo: Repo, run: Runner,
                                                              generator: str) -> None:
    """LlamaIndex writes a person as {model_name: "", type: human}: no identity to compare."""
    rows = [{"query": f"q{n}", "query_by": {"model_name": generator, "type": "ai"},
             "reference_answer": f"a{n}",
             "reference_answer_by": {"model_name": "", "type": "human"},
             "reviewed_by": {"model_name": "", "type": "human"}} for n in range(3)]
    repo.jsonl("data/rag.jsonl", rows)
    # the records name no one, so the file-level record must; naming them contradicts nothing
    repo.sidecar("data/rag.jsonl", generator=None, validator=HUMAN_VALIDATOR)
    config(repo, {"records": [{"files": "data/rag.jsonl", "validator": "reviewed_by"}]})
    result = run("check")
    assert result.code == 0, result.out
    assert result.lines == [], result.out


@pytest.mark.parametrize("policy", list(Policy))
@pytest.mark.parametrize("other", [Agent("model", "meta-llama/Llama-3.1-70B-Instruct"),
                                   Agent("model", ""), Agent("human", ""),
                                   Agent("human", "Acme QA")])
def test_an_agent_without_id_is_compared_with_no_one(policy: Policy, other: Agent) -> None:
    judge = Judge(policy=policy)
    for anonymous in (Agent("human", ""), Agent("human", "  "), Agent("model", "")):
        for verdict in (judge.judge(anonymous, other), judge.judge(other, anonymous)):
            assert (verdict.relation, verdict.loop, verdict.family_only) == \
                (Relation.INDEPENDENT, False, False)


@pytest.mark.parametrize("with_person", [True, False])
def test_an_unnamed_person_in_the_records_is_one_of_the_listed_people(
        repo: Repo, run: Runner, with_person: bool) -> None:
    """A record that only says "a human reviewed it" is not contradicted by a file-level
    record listing a person among its validators; it is when the file lists only a model."""
    rows = [{"query": f"q{n}", "query_by": {"model_name": "gpt-4o", "type": "ai"},
             "reference_answer": f"a{n}",
             "reference_answer_by": {"model_name": "gpt-4o", "type": "ai"},
             "reviewed_by": {"model_name": "", "type": "human"}} for n in range(2)]
    repo.jsonl("data/rag.jsonl", rows)
    judge = {"type": "model", "id": "claude-3-5-sonnet-20241022", "method": "llm-judge"}
    validators = [judge, HUMAN_VALIDATOR] if with_person else [judge]
    sidecar = repo.sidecar("data/rag.jsonl", generator={"type": "model", "id": "gpt-4o"},
                           validator=validators)
    config(repo, {"records": [{"files": "data/rag.jsonl", "validator": "reviewed_by"}]})
    result = run("check")
    if with_person:
        assert result.code == 0 and result.lines == [], result.out
    else:
        assert result.code == 1
        line = line_of(sidecar.read_text("utf-8"), "validator:")
        assert result.lines == [
            f"data/rag.jsonl.provenance.yaml:{line}: QP014 the records name validator "
            "an unnamed human, but this record lists only model "
            "'claude-3-5-sonnet-20241022'"], result.out


@pytest.mark.parametrize("policy", list(Policy))
@pytest.mark.parametrize(("a", "b"), [
    (Agent("model", "\u200b"), Agent("model", "\u200b")),
    (Agent("model", "\ufeff"), Agent("model", "")),
    (Agent("human", "\u2060"), Agent("human", "\u200b \u200b")),
])
def test_an_id_of_invisible_characters_is_no_id(policy: Policy, a: Agent, b: Agent) -> None:
    """A zero-width space, word joiner or BOM names no one, as an empty id does; before, two of
    them were "both ''" (QP010), and the verdict for "" and "" depended on which pair the
    run's cache met first."""
    for first, second in ((a, b), (b, a)):
        verdict = Judge(policy=policy).judge(first, second)
        assert (verdict.relation, verdict.loop, verdict.family_only, verdict.why) == \
            (Relation.INDEPENDENT, False, False, "an agent without an id")


def test_yourbench_with_a_judge_column_needs_no_file_level_agents(repo: Repo, run: Runner) -> None:
    """The records name an independent judge: no self-answered warning, from the records or
    from the file-level check of what the records name."""
    rows = [{**YOURBENCH_ROW, "question": f"q{n}?", "judge": "claude-3-5-sonnet-20241022"}
            for n in range(2)]
    repo.jsonl("data/yourbench.jsonl", rows)
    repo.sidecar("data/yourbench.jsonl", generator=None, validator=None)
    config(repo, {"records": [{"files": "data/yourbench.jsonl", "validator": "judge"}]})
    result = run("check")
    assert result.code == 0 and result.lines == [], result.out


def test_records_naming_no_agent_count_in_no_pair() -> None:
    """The JSON report's pairs list what the records name; a record naming no one adds none."""
    profile = profile_from_mapping({"generator": "gen", "validator": "val"})
    rows = [{"gen": "gpt-4o", "val": "claude-3-5-haiku"}, {"q": "no agents"}, {"gen": ""},
            {"gen": "gpt-4o", "val": "claude-3-5-haiku"}]
    result = scan([(row, n) for n, row in enumerate(rows)], profile, Judge())
    assert (result.total, result.with_agents, result.with_generators) == (4, 2, 2)
    # as dicts: Counter equality ignores a pair counted zero times, the report would not
    assert dict(result.pairs) == {("gpt-4o", "claude-3-5-haiku"): 2}
    assert dict(result.generator_counts) == {"gpt-4o": 2}


def test_one_part_merges_into_itself() -> None:
    """A large file of a few long lines may split into a single part."""
    profile = profile_from_mapping({"generator": "gen", "validator": "val"})
    rows = [{"gen": "gpt-4o", "val": "gpt-4o"}, {"gen": "gpt-4o", "val": "claude-3-5-haiku"}]
    merged = merge([scan([(row, n) for n, row in enumerate(rows)], profile, Judge())])
    assert (merged.total, merged.with_agents, merged.with_generators) == (2, 2, 2)
    assert dict(merged.pairs) == {("gpt-4o", "gpt-4o"): 1, ("gpt-4o", "claude-3-5-haiku"): 1}
    assert [(code, offence.count) for (code, _), offence in merged.offences.items()] == \
        [("QP010", 1)]
