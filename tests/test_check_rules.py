"""Every rule QP001..QP020: a failing and a passing case, with the exact ``path[:line]: CODE``."""

from __future__ import annotations

import json
import re
from typing import Any

from conftest import QA_ROWS, Repo, Runner, dump_yaml, jsonl_bytes, line_of

from provenance.rules import ALL_RULES

DATA = "data/train.jsonl"
SIDECAR = f"{DATA}.provenance.yaml"
GENERATOR_MODEL = {"type": "model", "id": "openai/gpt-4o"}
VALIDATOR_MODEL = {"type": "model", "id": "anthropic/claude-3-5-sonnet-20241022",
                   "method": "llm-judge"}
VALIDATOR_HUMAN = {"type": "human", "id": "Acme QA", "method": "human-review"}
FINDING = re.compile(r"^[^\s:]+(:\d+)?: QP\d{3}( \[warning\])? \S")


def stamped(repo: Repo, **fields: Any) -> str:
    """Write DATA and a sidecar (valid unless ``fields`` say otherwise); return the YAML text."""
    repo.jsonl(DATA)
    repo.sidecar(DATA, **fields)
    return repo.read(SIDECAR)


def test_the_core_rules_tested_here_are_registered() -> None:
    core = {"QP001", "QP002", "QP003", "QP004", "QP005", "QP006", "QP010", "QP011", "QP020"}
    assert core <= {rule.code for rule in ALL_RULES}


def test_passing_repository_exits_0_with_summary(repo: Repo, run: Runner) -> None:
    stamped(repo)
    result = run("check")
    assert result.code == 0
    assert result.lines == []
    assert result.summary == "qa-provenance: 1 data file checked, all passed"


def test_findings_are_one_line_each_then_a_summary(repo: Repo, run: Runner) -> None:
    repo.jsonl("a.jsonl")
    repo.jsonl("b/c.jsonl")
    result = run("check")
    assert result.code == 1
    assert all(FINDING.match(line) for line in result.lines), result.out
    assert result.summary == "qa-provenance: 2 data files checked, 2 errors"


# QP001 missing-provenance


def test_qp001_dataset_without_provenance(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    result = run("check")
    assert result.code == 1
    assert result.has(f"{DATA}: QP001 no provenance record")
    assert f"hint: add provenance with: qa-provenance stamp {DATA} --generator TYPE:ID " \
        "--validator TYPE:ID" in result.err


def test_qp001_passes_with_a_sidecar(repo: Repo, run: Runner) -> None:
    stamped(repo)
    assert run("check", DATA).code == 0


# QP002 invalid-record


def test_qp002_unknown_field_points_at_its_line(repo: Repo, run: Runner) -> None:
    text = stamped(repo, reviewer="Bob")
    result = run("check")
    assert result.code == 1
    line = line_of(text, "reviewer:")
    assert result.has(f"{SIDECAR}:{line}: QP002 reviewer: unknown field 'reviewer'")


def test_qp002_x_prefixed_fields_are_allowed(repo: Repo, run: Runner) -> None:
    stamped(repo, **{"x-pipeline": {"run": 42}, "license": "CC-BY-4.0"})
    assert run("check").code == 0


def test_qp002_bad_enum_in_a_list_item_points_at_the_field(repo: Repo, run: Runner) -> None:
    validators = [VALIDATOR_MODEL, {"type": "robot", "id": "qa-bot"}]
    text = stamped(repo, validator=validators)
    result = run("check")
    # the second validator's "type:" line
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "type: robot" in line]
    assert result.has(f"{SIDECAR}:{lines[0]}: QP002 validator[1].type: 'robot' is not one of")


def test_qp002_missing_required_field_points_at_the_record(repo: Repo, run: Runner) -> None:
    stamped(repo, validator=None)
    result = run("check")
    assert result.has(f"{SIDECAR}:1: QP002 (top level): 'validator' is required")


def test_qp002_agent_given_as_a_string(repo: Repo, run: Runner) -> None:
    text = stamped(repo, generator="gpt-4o")
    result = run("check")
    assert result.has(f"{SIDECAR}:{line_of(text, 'generator:')}: QP002 generator: expected an "
                      "agent object")


def test_qp002_role_on_a_validator_names_the_field(repo: Repo, run: Runner) -> None:
    text = stamped(repo, validator={**VALIDATOR_MODEL, "role": "answers"})
    result = run("check")
    assert result.has(f"{SIDECAR}:{line_of(text, 'role: answers')}: QP002 validator.role: "
                      "unknown field 'role'")


def test_qp002_human_without_a_real_identity(repo: Repo, run: Runner) -> None:
    text = stamped(repo, validator={"type": "human", "id": "Annotators"})
    result = run("check")
    assert result.has(f"{SIDECAR}:{line_of(text, 'id: Annotators')}: QP002 validator id "
                      "'Annotators' names no one")


def test_qp002_bad_digest_and_created(repo: Repo, run: Runner) -> None:
    text = stamped(repo, digest={"sha256": "ABC"}, created="last tuesday")
    result = run("check")
    assert result.has(f"{SIDECAR}:{line_of(text, 'sha256:')}: QP002 digest.sha256: 'ABC'")
    assert result.has(f"{SIDECAR}:{line_of(text, 'created:')}: QP002 created:")


def test_qp002_yaml_syntax_error_has_its_line(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, "generator:\n  type: model\n  id: [gpt-4o\nvalidator: x\n")
    result = run("check")
    assert result.code == 1
    assert re.search(rf"^{re.escape(SIDECAR)}:\d+: QP002 invalid YAML", result.out, re.M)


def test_qp002_sidecar_that_is_not_a_mapping(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, "- generator\n- validator\n")
    result = run("check")
    assert result.has(f"{SIDECAR}:1: QP002 provenance must be a mapping of fields, not list")


def test_qp002_empty_sidecar(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, "")
    result = run("check")
    assert result.has(f"{SIDECAR}: QP002 provenance must be a mapping of fields, not empty")


def test_qp002_invalid_manifest_entry_points_into_the_manifest(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    text = dump_yaml({"datasets": [{
        "files": "*.jsonl",
        "generator": GENERATOR_MODEL,
        "validator": {"type": "human", "id": "Acme QA"},
        "licence": "MIT",
    }]})
    repo.write("data/provenance.yaml", text)
    result = run("check")
    assert result.has(f"data/provenance.yaml:{line_of(text, 'licence:')}: QP002 licence: unknown "
                      "field 'licence'")


def test_qp002_manifest_that_breaks_its_schema(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    text = "datasets:\n  - generator: {type: model, id: gpt-4o}\n"
    repo.write("data/provenance.yaml", text)
    result = run("check")
    assert result.code == 1
    assert result.has("data/provenance.yaml:2: QP002 datasets[0]: 'files' is required")
    # the data file it was meant to cover is not additionally reported as missing provenance
    assert not result.has(f"{DATA}: QP001")


def test_qp002_passes_for_a_complete_record(repo: Repo, run: Runner) -> None:
    stamped(
        repo,
        generator=[
            {"type": "model", "id": "meta-llama/Meta-Llama-3-70B-Instruct", "role": "questions"},
            {"type": "model", "id": "openai/gpt-4o", "role": "answers", "version": "2024-08-06"},
        ],
        validator=[
            {"type": "model", "id": "anthropic/claude-3-5-sonnet-20241022",
             "method": "llm-judge"},
            {"type": "human", "id": "Jane Doe", "method": "human-review",
             "url": "https://example.org/jane"},
        ],
        records=3,
        created="2024-09-01T12:30:00Z",
        sources=[{"uri": "https://en.wikipedia.org/wiki/Canberra"}],
        derived_from=["../raw/wiki.jsonl"],
        trains=["mistralai/Mistral-7B-v0.3"],
        license="CC-BY-SA-4.0",
        description="Extractive QA over Wikipedia paragraphs.",
    )
    result = run("check")
    assert result.code == 0, result.out


# QP003 digest-mismatch


def test_qp003_changed_content_points_at_the_digest(repo: Repo, run: Runner) -> None:
    text = stamped(repo)
    repo.jsonl(DATA, [*QA_ROWS, {"question": "Largest planet?", "answer": "Jupiter"}])
    result = run("check")
    assert result.code == 1
    assert result.has(f"{SIDECAR}:{line_of(text, 'sha256:')}: QP003 content changed since it "
                      "was stamped")


def test_qp003_a_single_byte_counts(repo: Repo, run: Runner) -> None:
    stamped(repo)
    repo.write(DATA, jsonl_bytes().replace(b"Canberra", b"Canberrb"))
    assert "QP003" in run("check").codes()


def test_qp003_manifest_entry_never_stamped(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    text = dump_yaml({"datasets": [{"files": "*.jsonl", "generator": GENERATOR_MODEL,
                                    "validator": VALIDATOR_HUMAN}]})
    repo.write("data/provenance.yaml", text)
    result = run("check")
    assert result.has(f"data/provenance.yaml:{line_of(text, 'files:')}: QP003 no digest binds "
                      f"'{DATA}'")


def test_qp003_manifest_subject_digest_line(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    text = dump_yaml({"datasets": [{
        "files": "*.jsonl", "generator": GENERATOR_MODEL, "validator": VALIDATOR_HUMAN,
        "subjects": {"train.jsonl": {"digest": {"sha256": "0" * 64}}},
    }]})
    repo.write("data/provenance.yaml", text)
    result = run("check")
    assert result.has(f"data/provenance.yaml:{line_of(text, 'sha256:')}: QP003")


def test_qp003_passes_when_unchanged(repo: Repo, run: Runner) -> None:
    stamped(repo)
    repo.jsonl(DATA)  # rewritten with identical bytes
    assert run("check").code == 0


# QP004 record-count-mismatch


def test_qp004_wrong_record_count_points_at_records(repo: Repo, run: Runner) -> None:
    text = stamped(repo, records=5)
    result = run("check")
    assert result.code == 1
    assert result.has(f"{SIDECAR}:{line_of(text, 'records:')}: QP004 records: 5 declared, the "
                      "file holds 3")


def test_qp004_passes_with_right_count_or_none(repo: Repo, run: Runner) -> None:
    stamped(repo, records=3)
    assert run("check").code == 0
    repo.sidecar(DATA)  # no records field: nothing to compare
    assert run("check").code == 0


def test_qp004_is_not_reported_on_top_of_a_digest_mismatch(repo: Repo, run: Runner) -> None:
    stamped(repo, records=3)
    repo.jsonl(DATA, QA_ROWS[:2])
    assert run("check").codes() == {"QP003"}


# QP005 conflicting-provenance


def test_qp005_yaml_and_json_sidecars(repo: Repo, run: Runner) -> None:
    stamped(repo)
    repo.sidecar(DATA, fmt="json")
    result = run("check")
    assert result.code == 1
    assert result.has(f"{DATA}: QP005 claimed by both {SIDECAR} and {DATA}.provenance.json")
    # the report names the first of the two as the file's provenance, as the message does
    [file] = json.loads(run("check", "--format", "json").out)["files"]
    assert (file["path"], file["provenance"]) == (DATA, SIDECAR)


def test_qp005_passes_with_one_sidecar(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA, fmt="json")
    assert run("check").code == 0


# QP006 orphan-provenance


def test_qp006_sidecar_without_its_data_file(repo: Repo, run: Runner) -> None:
    repo.write("data/old.jsonl.provenance.yaml", dump_yaml({"generator": GENERATOR_MODEL}))
    result = run("check")
    assert result.code == 1
    assert result.has("data/old.jsonl.provenance.yaml: QP006 sidecar for 'old.jsonl', which "
                      "does not exist")
    assert result.summary == "qa-provenance: 0 data files checked, 1 error"


def test_qp006_passes_when_the_data_file_exists(repo: Repo, run: Runner) -> None:
    stamped(repo)
    assert "QP006" not in run("check").codes()


# QP010 identical-source


def test_qp010_same_model_under_two_spellings(repo: Repo, run: Runner) -> None:
    text = stamped(repo, generator={"type": "model", "id": "openai/gpt-4o"},
                   validator={"type": "model", "id": "GPT-4o-2024-08-06", "method": "llm-judge"})
    result = run("check")
    assert result.code == 1
    assert result.has(f"{SIDECAR}:{line_of(text, 'validator:')}: QP010 validator model "
                      "'GPT-4o-2024-08-06' is the same source as generator model 'openai/gpt-4o' "
                      "(both 'gpt-4o')")


def test_qp010_points_at_the_offending_validator_in_a_list(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    text = (
        "generator:\n"
        "  - {type: model, id: ollama/llama3:8b}\n"
        "validator:\n"
        "  - {type: human, id: Jane Doe}\n"
        "  - {type: model, id: meta-llama/Meta-Llama-3-8B}\n"
        f"digest:\n  sha256: {repo.sha256(DATA)}\n"
    )
    repo.write(SIDECAR, text)
    result = run("check")
    assert result.has(f"{SIDECAR}:5: QP010 validator model 'meta-llama/Meta-Llama-3-8B'")


def test_qp010_quantised_reupload_is_the_same_source(repo: Repo, run: Runner) -> None:
    stamped(repo, generator={"type": "model", "id": "meta-llama/Llama-2-7b-hf"},
            validator={"type": "model", "id": "TheBloke/Llama-2-7B-GGUF"})
    assert "QP010" in run("check").codes()


def test_qp010_passes_for_independent_sources(repo: Repo, run: Runner) -> None:
    stamped(repo, generator={"type": "model", "id": "openai/gpt-4o"},
            validator={"type": "model", "id": "gpt-4o-mini", "method": "llm-judge"})
    assert run("check").code == 0


def test_qp010_human_and_model_with_one_name_differ(repo: Repo, run: Runner) -> None:
    stamped(repo, generator={"type": "model", "id": "claude"},
            validator={"type": "human", "id": "Claude"})
    assert run("check").code == 0


def test_qp010_same_human_team_in_other_case(repo: Repo, run: Runner) -> None:
    stamped(repo, generator={"type": "human", "id": "Acme  Labelers"},
            validator={"type": "human", "id": "acme labelers"})
    assert "QP010" in run("check").codes()


# QP011 self-training


def test_qp011_trains_its_own_generator(repo: Repo, run: Runner) -> None:
    text = stamped(repo, generator={"type": "model", "id": "meta-llama/Meta-Llama-3-8B"},
                   trains=["mistralai/Mistral-7B-v0.1", "llama3:8b"])
    result = run("check")
    assert result.code == 1
    assert result.has(f"{SIDECAR}:{line_of(text, '- llama3:8b')}: QP011 trains model "
                      "'llama3:8b', which generated this data")


def test_qp011_passes_for_a_different_student(repo: Repo, run: Runner) -> None:
    stamped(repo, trains=["mistralai/Mistral-7B-v0.1"])
    assert run("check").code == 0


# QP020 unreadable-data


def test_qp020_empty_file(repo: Repo, run: Runner) -> None:
    repo.write(DATA, b"")
    repo.sidecar(DATA)
    result = run("check")
    assert result.code == 1
    assert result.has(f"{DATA}: QP020 empty data file")


def test_qp020_bad_record_has_its_data_line(repo: Repo, run: Runner) -> None:
    repo.write(DATA, jsonl_bytes() + b'{"question": "Who painted the Mona Lisa?", "ans')
    result = run("check")
    assert result.has(f"{DATA}:4: QP020 record is not valid JSON")


def test_qp020_unreadable_file_skips_the_digest_check(repo: Repo, run: Runner) -> None:
    stamped(repo)
    repo.write(DATA, b"\n\n")
    result = run("check")
    assert result.codes() == {"QP020"}
    assert result.has(f"{DATA}: QP020 data file holds no records")


def test_qp020_passes_for_readable_data(repo: Repo, run: Runner) -> None:
    stamped(repo)
    assert "QP020" not in run("check").codes()


# Exit codes


def test_exit_2_for_usage_errors(repo: Repo, run: Runner) -> None:
    assert run("check", "--no-such-flag").code == 2
    assert run("frobnicate").code == 2
    result = run("check", "--root", "does-not-exist")
    assert result.code == 2
    assert result.err.startswith("qa-provenance: does-not-exist: not a directory")


# found by mutation testing (issue 17) ----------------------------------------------------------


def test_qp002_absolute_paths_in_sources_and_derived_from(repo: Repo, run: Runner) -> None:
    """A place on one machine is an error; a URI or a repository path is not."""
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl", sources=[{"uri": uri} for uri in (
                     "/home/me/corpus.jsonl", "https://example.org/a", "data/notes.md",
                     "~/raw/b.jsonl")],
                 derived_from=["C:\\data\\seed.jsonl", "s3://bucket/seed.jsonl"])
    result = run("check")
    assert result.code == 1
    found = [line.split(" QP002 ", 1)[1] for line in result.lines]
    assert [text.split(": ", 1)[0] for text in found] == \
        ["sources[0]", "sources[3]", "derived_from[0]"], result.out
    assert found[0].startswith("sources[0]: '/home/me/corpus.jsonl' is an absolute path, a "
                               "place on one machine")


def test_qp011_is_reported_once_per_trained_model(repo: Repo, run: Runner) -> None:
    """Two spellings of one generator: the self-training loop is one finding, not two."""
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl",
                 generator=[{"type": "model", "id": "gpt-4o", "role": "questions"},
                            {"type": "model", "id": "openai/gpt-4o-2024-08-06",
                             "role": "answers"}],
                 trains=["azure/gpt-4o"])
    result = run("check")
    assert result.code == 1
    assert [line.split(" ")[1] for line in result.lines] == ["QP011"], result.out
