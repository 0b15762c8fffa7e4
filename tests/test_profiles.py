"""Record profiles: detection from the first record, pinning and custom field mappings per glob,
per-record agent fields, and ``qa-provenance profiles``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner, dump_yaml, jsonl_bytes, line_of

from provenance.reading import profiles
from provenance.reading.profiles import AgentField, Profile, ProfileError, choose, detect, extract
from provenance.record import Agent

FORMATS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "formats.md"


# the built-in table ----------------------------------------------------------------------------


def test_builtin_profiles_have_unique_names_and_detection_keys() -> None:
    builtin = profiles.builtin_profiles()
    names = [p.name for p in builtin]
    assert len(names) == len(set(names))
    assert all(p.detect for p in builtin)
    assert all(p.question for p in builtin)


@pytest.mark.parametrize("profile", profiles.builtin_profiles(), ids=lambda p: p.name)
def test_no_builtin_profile_is_shadowed_by_an_earlier_one(profile: Profile) -> None:
    """A record with exactly a profile's detection keys is detected as that profile: the more
    specific profiles come first, so none is unreachable."""
    record = dict.fromkeys(profile.detect, "x")
    assert detect(record) is profile


def test_detection_needs_every_key_and_a_mapping() -> None:
    assert detect({"query": "q"}) is None
    assert detect(["query", "reference_answer"]) is None
    assert detect(None) is None
    assert detect({"query": "q", "reference_answer": "a"}) == profiles.by_name("llamaindex-rag")


def test_first_matching_profile_wins() -> None:
    record = {"instruction": "i", "output": "o", "generator": "gpt4"}
    assert detect(record) == profiles.by_name("alpacaeval-outputs")
    assert detect({"instruction": "i", "output": "o"}) == profiles.by_name("alpaca")
    assert detect({"instruction": "i", "response": "r", "target": "t"}) == \
        profiles.by_name("self-instruct-predictions")


# field paths -----------------------------------------------------------------------------------


SQUAD_RECORD = {"question": "Q?", "answers": [{"text": "A1", "answer_start": 0},
                                              {"text": "A2", "answer_start": 4}]}


@pytest.mark.parametrize(
    ("record", "path", "expected"),
    [
        ({"Answer": {"Value": "Sunset Blvd"}}, "Answer.Value", "Sunset Blvd"),
        (SQUAD_RECORD, "answers[].text", ["A1", "A2"]),
        ({"context": [["Title", ["s1", "s2"]]]}, "context[]", [["Title", ["s1", "s2"]]]),
        ({"instances": [{"input": "", "output": "o1"}, {"output": "o2"}]}, "instances[].output",
         ["o1", "o2"]),
        ({"single": "x"}, "single[]", ["x"]),
        ({"a": {"b": None}}, "a.b.c", None),
        ({"a": "text"}, "a.b", None),
        ({"q": 1}, "missing", None),
        ({"q": 1}, None, None),
    ],
)
def test_extract(record: Any, path: str | None, expected: Any) -> None:
    assert extract(record, path) == expected


def test_agent_field_shapes() -> None:
    profile = Profile("p", generators=(AgentField("gen", role="answers"),),
                      validators=(AgentField("judge", method="llm-judge"),))
    record = {
        "gen": [{"model_name": "gpt-4o-mini", "type": "ai"},
                {"model_name": "", "type": "human"},
                {"type": "program", "id": "ragas"},
                "meta-llama/Llama-3.1-8B-Instruct", "", None, 42],
        "judge": "weighted_alpaca_eval_gpt4_turbo",
    }
    generators, validators = profile.agents(record)
    assert generators == (
        Agent("model", "gpt-4o-mini", role="answers"),
        Agent("human", "", role="answers"),
        Agent("program", "ragas", role="answers"),
        Agent("model", "meta-llama/Llama-3.1-8B-Instruct", role="answers"),
    )
    assert validators == (Agent("model", "weighted_alpaca_eval_gpt4_turbo", method="llm-judge"),)
    assert profile.agents("not a record") == ((), ())
    assert profile.agents({}) == ((), ())


def test_llamaindex_profile_reads_both_created_by_fields() -> None:
    profile = profiles.by_name("llamaindex-rag")
    assert profile is not None and profile.has_agents
    record = {"query": "q", "query_by": {"model_name": "gpt-3.5-turbo", "type": "ai"},
              "reference_answer": "a",
              "reference_answer_by": {"model_name": "gpt-4o", "type": "ai"}}
    generators, validators = profile.agents(record)
    assert [(a.id, a.role) for a in generators] == [("gpt-3.5-turbo", "questions"),
                                                    ("gpt-4o", "answers")]
    assert validators == ()


# choose: the configuration's mapping over detection -------------------------------------------


def test_choose_without_configuration_detects() -> None:
    assert choose(None, {"question": "q", "answer": "a"}) == profiles.by_name("qa-generic")
    assert choose(None, None) is None


def test_choose_pinned_profile_ignores_the_first_record() -> None:
    chosen = choose({"files": "x", "profile": "llamaindex-rag"}, {"unrelated": 1})
    assert chosen == profiles.by_name("llamaindex-rag")


def test_choose_custom_fields_extend_the_detected_profile() -> None:
    chosen = choose({"files": "x", "validator": "judge_model"},
                    {"question": "q", "answer": "a", "judge_model": "gpt-4o"})
    assert chosen is not None
    assert chosen.name == "qa-generic+custom"
    assert (chosen.question, chosen.answer) == ("question", "answer")
    assert chosen.validators == (AgentField("judge_model"),)


def test_choose_custom_fields_replace_the_pinned_profiles() -> None:
    chosen = choose({"files": "x", "profile": "alpacaeval-annotations",
                     "validator": {"field": "judge.model", "method": "llm-judge"}}, None)
    assert chosen is not None and chosen.name == "alpacaeval-annotations+custom"
    assert chosen.validators == (AgentField("judge.model", None, "llm-judge"),)
    assert [a.field for a in chosen.generators] == ["generator_1", "generator_2"]


def test_choose_custom_fields_without_a_detected_profile() -> None:
    chosen = choose({"files": "x", "question": "prompt", "generator": ["a", "b"]},
                    {"prompt": "p"})
    assert chosen is not None and chosen.name == "custom"
    assert [a.field for a in chosen.generators] == ["a", "b"]


def test_choose_unknown_profile_raises() -> None:
    with pytest.raises(ProfileError, match=r"unknown record profile 'llama-index'.*llamaindex-rag"):
        choose({"files": "x", "profile": "llama-index"}, None)


# through the check -----------------------------------------------------------------------------


def llamaindex_row(query_by: str | None, answer_by: str | None, n: int = 0) -> dict[str, Any]:
    row: dict[str, Any] = {"query": f"question {n}?", "reference_answer": f"answer {n}",
                           "reference_contexts": [f"context {n}"]}
    if query_by is not None:
        row["query_by"] = {"model_name": query_by, "type": "ai"}
    if answer_by is not None:
        row["reference_answer_by"] = {"model_name": answer_by, "type": "ai"}
    return row


def write_config(repo: Repo, config: dict[str, Any]) -> str:
    text = dump_yaml(config)
    repo.write(".qa-provenance.yaml", text)
    return text


def test_pinning_a_profile_reads_records_detection_would_miss(repo: Repo, run: Runner) -> None:
    """Detection looks at the first record only; a file whose first record is odd is read
    correctly once its profile is pinned."""
    rows = [{"query": "header row"}] + [llamaindex_row("gpt-4o", "gpt-4o", n) for n in range(4)]
    repo.jsonl("data/rag.jsonl", rows)
    repo.sidecar("data/rag.jsonl", validator=None, generator={"type": "model", "id": "gpt-4o"})
    result = run("check", "-v")
    # detection fails on the first record, so the records name no validator
    assert result.has("data/rag.jsonl.provenance.yaml:1: QP002 (top level): 'validator' is "
                      "required"), result.out
    write_config(repo, {"records": [{"files": "data/rag.jsonl", "profile": "llamaindex-rag"}]})
    result = run("check", "-v")
    assert result.has("data/rag.jsonl:2: QP012 [warning] 4 of 5 records: questions and answers "
                      "both come from model 'gpt-4o' (records line 2, line 3, line 4, ...)"), \
        result.out
    assert result.code == 1  # the validator is still required: the records name none


def test_detected_profile_shows_in_verbose_output(repo: Repo, run: Runner) -> None:
    rows = [llamaindex_row("gpt-4o", "claude-3-5-sonnet-20241022", n) for n in range(3)]
    repo.jsonl("data/rag.jsonl", rows)
    repo.sidecar("data/rag.jsonl", generator=None)
    result = run("check", "-v")
    assert result.code == 0, result.out
    assert "data/rag.jsonl: ok (generator gpt-4o, claude-3-5-sonnet-20241022; validator Acme " \
           "Annotation Team; records read as llamaindex-rag)" in result.out


def test_custom_field_paths(repo: Repo, run: Runner) -> None:
    rows = [{"prompt": f"p{n}", "completion": f"c{n}", "meta": {"model": "openai/gpt-4o"},
             "judge_model": "azure/GPT-4o" if n % 2 else "anthropic/claude-3-5-sonnet-20241022"}
            for n in range(4)]
    repo.jsonl("data/judged.jsonl", rows)
    repo.sidecar("data/judged.jsonl", generator=None, validator=None)
    write_config(repo, {"records": [{
        "files": "data/judged.jsonl", "question": "prompt", "answer": "completion",
        "generator": {"field": "meta.model", "role": "answers"},
        "validator": {"field": "judge_model", "method": "llm-judge"},
    }]})
    result = run("check", "-v")
    assert result.code == 1
    assert result.has("data/judged.jsonl:2: QP010 2 of 4 records: validator model 'azure/GPT-4o' "
                      "is the same source as generator model 'openai/gpt-4o' (both 'gpt-4o') "
                      "(records line 2, line 4)"), result.out
    assert "QP002" not in result.out  # the records name both roles


def test_custom_validator_field_on_a_detected_format(repo: Repo, run: Runner) -> None:
    rows = [{"question": f"q{n}", "answer": f"a{n}", "judge_model": "gpt-4o"} for n in range(3)]
    repo.jsonl("data/qa.jsonl", rows)
    repo.sidecar("data/qa.jsonl", validator=None)  # generator openai/gpt-4o-2024-08-06
    write_config(repo, {"records": [{"files": "data/*.jsonl", "validator": "judge_model"}]})
    result = run("check")
    assert result.code == 1
    assert result.has("data/qa.jsonl.provenance.yaml:"), result.out
    assert "QP010" in result.out  # the records' judge is the file-level generator


def test_later_record_mappings_win(repo: Repo, run: Runner) -> None:
    rows = [{"question": f"q{n}", "answer": f"a{n}", "judge": "gpt-4o", "gen": "gpt-4o"}
            for n in range(2)]
    repo.jsonl("data/qa.jsonl", rows)
    repo.sidecar("data/qa.jsonl", generator=None, validator=None)
    write_config(repo, {"records": [
        {"files": "**/*.jsonl", "generator": "gen", "validator": "judge"},
        {"files": "data/qa.jsonl", "generator": "gen", "validator": "missing_field"},
    ]})
    result = run("check")
    assert "QP010" not in result.out
    assert result.has("data/qa.jsonl.provenance.yaml:1: QP002 (top level): 'validator'"), \
        result.out  # the later mapping's validator field is missing: no validator at all


def test_unknown_profile_is_a_configuration_error(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl")
    text = write_config(repo, {"records": [{"files": "data/*.jsonl", "profile": "llama-index"}]})
    line = line_of(text, "profile:")
    for command in (("check",), ("graph",), ("stamp", "data/qa.jsonl", "--validator",
                                               "human:Acme QA")):
        result = run(*command)
        assert result.code == 2, command
        assert f".qa-provenance.yaml:{line}: unknown record profile 'llama-index'" in result.err
        assert "llamaindex-rag" in result.err


def test_unknown_profile_is_an_error_even_when_no_file_matches(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl")
    write_config(repo, {"records": [{"files": "nothing/*.csv", "profile": "nope"}]})
    result = run("check")
    assert result.code == 2
    assert "unknown record profile 'nope'" in result.err


@pytest.mark.parametrize(
    "mapping",
    [
        {"files": "x", "generator": {"role": "answers"}},
        {"files": "x", "generator": {"field": "m", "role": "judge"}},
        {"files": "x", "question": ""},
        {"profile": "alpaca"},
        {"files": "x", "detect": ["a"]},
    ],
)
def test_invalid_record_mappings_exit_2(repo: Repo, run: Runner, mapping: dict[str, Any]) -> None:
    repo.jsonl("data/qa.jsonl")
    write_config(repo, {"records": [mapping]})
    result = run("check")
    assert result.code == 2
    assert "records" in result.err


def test_profile_error_without_any_readable_record(repo: Repo, run: Runner) -> None:
    """No traceback when a pinned profile meets a file with no records at all."""
    repo.write("data/qa.json", json.dumps({"version": 1}))
    repo.sidecar("data/qa.json")
    write_config(repo, {"records": [{"files": "data/qa.json", "profile": "llamaindex-rag"}]})
    result = run("check")
    assert result.code == 0, result.out


# qa-provenance profiles ------------------------------------------------------------------------


def test_profiles_command_lists_every_profile(run: Runner) -> None:
    result = run("profiles")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "| profile | detected by | question | answer | context | per-record agents |"
    assert lines[1] == "|---|---|---|---|---|---|"
    names = [line.split("|")[1].strip() for line in lines[2:]]
    assert names == [p.name for p in profiles.builtin_profiles()]
    assert ("| llamaindex-rag | `query`, `reference_answer` | `query` | `reference_answer` | "
            "`reference_contexts` | generator `query_by`, generator `reference_answer_by` |"
            ) in lines
    assert ("| alpacaeval-annotations | `instruction`, `output_1`, `output_2`, `annotator` | "
            "`instruction` | `output_2` | `-` | generator `generator_1`, generator `generator_2`, "
            "validator `annotator` |") in lines
    assert "| squad | `question`, `answers`, `context`, `id` | `question` | `answers[].text` | " \
           "`context` | - |" in lines


def test_docs_profile_table_matches_the_command(run: Runner) -> None:
    page = FORMATS_PAGE.read_text("utf-8").splitlines()
    for line in run("profiles").out.splitlines():
        assert line in page, line


def test_jsonl_helper_rows_are_generic_qa() -> None:
    first = json.loads(jsonl_bytes().splitlines()[0])
    assert detect(first) == profiles.by_name("qa-generic")
