"""``qa-provenance stamp``: writing and updating provenance, refusing loops, never the data."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import QA_ROWS, Repo, Runner, dump_yaml, jsonl_bytes

from provenance.stamping.build import StampError, parse_agent

DATA = "data/train.jsonl"
SIDECAR = f"{DATA}.provenance.yaml"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
AGENTS = ("--generator", "openai/gpt-4o", "--validator", "human:Acme Team")


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def age_file(path: Path) -> None:
    """Move the mtime into the past, so a rewrite within the same clock tick would show."""
    past = time.time() - 3600
    os.utime(path, (past, past))


# Agent specs


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("openai/gpt-4o", {"type": "model", "id": "openai/gpt-4o"}),
        ("human:Acme Team", {"type": "human", "id": "Acme Team"}),
        ("llama3:8b", {"type": "model", "id": "llama3:8b"}),
        ("ollama/llama3:latest", {"type": "model", "id": "ollama/llama3:latest"}),
        ("program:dedupe-v2", {"type": "program", "id": "dedupe-v2"}),
        ("model:meta-llama/Meta-Llama-3-8B", {"type": "model",
                                              "id": "meta-llama/Meta-Llama-3-8B"}),
        ("human:  Jane Doe ", {"type": "human", "id": "Jane Doe"}),
    ],
)
def test_parse_agent(spec: str, expected: dict[str, str]) -> None:
    assert parse_agent(spec) == expected


@pytest.mark.parametrize("spec", ["", "   ", "human:", "program:  "])
def test_parse_agent_needs_an_id(spec: str) -> None:
    with pytest.raises(StampError, match="agent needs an id"):
        parse_agent(spec)


def test_empty_agent_id_is_a_usage_error(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    result = run("stamp", DATA, "--generator", "human:", "--validator", "gpt-4o")
    assert result.code == 2
    assert result.err == f"{DATA}: 'human:': agent needs an id\n"


# A new sidecar


def test_new_sidecar(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = run("stamp", DATA, *AGENTS)
    assert result.code == 0, result.err
    digest = repo.sha256(DATA)
    assert result.out == (f"stamped {DATA} -> {SIDECAR} (sha256 {digest[:12]}..., 3 records)\n")
    record = repo.load_yaml(SIDECAR)
    assert list(record) == ["generator", "validator", "digest", "records", "created"]
    assert record["generator"] == {"type": "model", "id": "openai/gpt-4o"}
    assert record["validator"] == {"type": "human", "id": "Acme Team"}
    assert record["digest"] == {"sha256": digest}
    assert record["records"] == 3
    assert RFC3339.match(record["created"])
    created = datetime.strptime(record["created"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc)
    assert before - timedelta(seconds=1) <= created <= datetime.now(timezone.utc)
    assert run("check").code == 0


def test_new_sidecar_with_every_option(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    result = run(
        "stamp", DATA,
        "--generator", "meta-llama/Meta-Llama-3-70B-Instruct", "--generator", "human:Jane Doe",
        "--validator", "anthropic/claude-3-5-sonnet-20241022", "--method", "llm-judge",
        "--trains", "mistralai/Mistral-7B-v0.3", "--license", "CC-BY-4.0",
        "--description", "Wikipedia QA, batch 3",
    )
    assert result.code == 0, result.err
    record = repo.load_yaml(SIDECAR)
    assert record["generator"] == [
        {"type": "model", "id": "meta-llama/Meta-Llama-3-70B-Instruct"},
        {"type": "human", "id": "Jane Doe"},
    ]
    assert record["validator"] == {"type": "model", "id": "anthropic/claude-3-5-sonnet-20241022",
                                   "method": "llm-judge"}
    assert record["trains"] == ["mistralai/Mistral-7B-v0.3"]
    assert record["license"] == "CC-BY-4.0"
    assert record["description"] == "Wikipedia QA, batch 3"
    assert run("check").code == 0


def test_new_sidecar_needs_both_roles(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    result = run("stamp", DATA, "--generator", "gpt-4o")
    assert result.code == 2
    assert result.err == f"{DATA}: a new record needs --validator\n"
    assert not repo.exists(SIDECAR)


def test_created_is_written_as_a_string(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    run("stamp", DATA, *AGENTS)
    assert re.search(r"^created: '\d{4}-", repo.read(SIDECAR), re.M)


def test_no_temporary_files_left_behind(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    run("stamp", DATA, *AGENTS)
    assert sorted(p.name for p in repo.path("data").iterdir()) == [
        "train.jsonl", "train.jsonl.provenance.yaml"]


# Updating


EXISTING = {
    "generator": {"type": "model", "id": "openai/gpt-4o", "role": "both"},
    "validator": {"type": "human", "id": "Acme QA", "method": "human-review"},
    "digest": {"sha256": "0" * 64},
    "records": 1,
    "created": "2024-05-01T09:00:00Z",
    "sources": [{"uri": "https://en.wikipedia.org/wiki/Jane_Austen"}],
    "license": "CC-BY-SA-4.0",
    "x-batch": {"id": 17, "reviewers": ["ana", "li"]},
}


def test_update_keeps_existing_fields(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml(EXISTING))
    result = run("stamp", DATA)
    assert result.code == 0, result.err
    record = repo.load_yaml(SIDECAR)
    assert record["digest"] == {"sha256": repo.sha256(DATA)}
    assert record["records"] == 3
    assert record["created"] != EXISTING["created"]
    for key in ("generator", "validator", "sources", "license", "x-batch"):
        assert record[key] == EXISTING[key]
    assert run("check").code == 0


def test_update_replaces_only_the_roles_given(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml(EXISTING))
    assert run("stamp", DATA, "--validator", "human:Jane Doe").code == 0
    record = repo.load_yaml(SIDECAR)
    assert record["generator"] == EXISTING["generator"]
    assert record["validator"] == {"type": "human", "id": "Jane Doe"}


def test_update_method_applies_to_existing_validators(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml(EXISTING))
    assert run("stamp", DATA, "--method", "exact-match").code == 0
    assert repo.load_yaml(SIDECAR)["validator"] == {"type": "human", "id": "Acme QA",
                                                    "method": "exact-match"}


def test_update_trains_appends_without_duplicates(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml({**EXISTING, "trains": ["mistralai/Mistral-7B-v0.1"]}))
    assert run("stamp", DATA, "--trains", "mistralai/Mistral-7B-v0.1", "--trains",
               "Qwen/Qwen2-7B").code == 0
    assert repo.load_yaml(SIDECAR)["trains"] == ["mistralai/Mistral-7B-v0.1", "Qwen/Qwen2-7B"]


def test_update_of_a_json_sidecar_stays_json(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(f"{DATA}.provenance.json", json.dumps(EXISTING))
    result = run("stamp", DATA)
    assert result.code == 0
    assert result.out.startswith(f"stamped {DATA} -> {DATA}.provenance.json ")
    record = json.loads(repo.read(f"{DATA}.provenance.json"))
    assert record["x-batch"] == EXISTING["x-batch"]
    assert not repo.exists(SIDECAR)
    assert run("check").code == 0


def test_update_keeps_the_sidecar_mode(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml(EXISTING))
    os.chmod(repo.path(SIDECAR), 0o640)
    run("stamp", DATA)
    assert stat.S_IMODE(repo.path(SIDECAR).stat().st_mode) == 0o640


def test_update_with_a_broken_sidecar_is_refused(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, "generator: [\n")
    before = snapshot(repo.path(SIDECAR))
    result = run("stamp", DATA)
    assert result.code == 2
    assert "fix it first" in result.err
    assert snapshot(repo.path(SIDECAR)) == before


def test_update_with_a_non_mapping_validator_reports_it(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml({**EXISTING, "validator": "gpt-4o-mini", "trains": "x"}))
    result = run("stamp", DATA, "--method", "llm-judge", "--trains", "Qwen/Qwen2-7B")
    assert result.code == 1
    assert result.has(f"{SIDECAR}: QP002 validator")
    assert result.err.endswith(f"{DATA}: not stamped\n")


# Refusing loops and invalid records


def test_refuses_an_identical_source_loop(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    result = run("stamp", DATA, "--generator", "openai/gpt-4o",
                 "--validator", "azure/gpt-4o-2024-08-06")
    assert result.code == 1
    assert result.has(f"{SIDECAR}: QP010 validator model 'azure/gpt-4o-2024-08-06' is the same "
                      "source as generator model 'openai/gpt-4o'")
    assert result.err.endswith(f"{DATA}: not stamped\n")
    assert result.out == ""
    assert not repo.exists(SIDECAR)


def test_refuses_a_loop_on_update_and_leaves_the_sidecar(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml(EXISTING))
    before = snapshot(repo.path(SIDECAR))
    result = run("stamp", DATA, "--validator", "GPT-4o")
    assert result.code == 1
    assert "QP010" in result.codes()
    assert snapshot(repo.path(SIDECAR)) == before


def test_refuses_a_self_training_loop(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    result = run("stamp", DATA, "--generator", "ollama/llama3:8b", "--validator",
                 "human:Acme QA", "--trains", "meta-llama/Meta-Llama-3-8B")
    assert result.code == 1
    assert result.has(f"{SIDECAR}: QP011 trains model 'meta-llama/Meta-Llama-3-8B'")
    assert not repo.exists(SIDECAR)


def test_refuses_a_placeholder_identity(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    result = run("stamp", DATA, "--generator", "gpt-4o", "--validator", "human:annotators")
    assert result.code == 1
    assert result.has(f"{SIDECAR}: QP002 validator id 'annotators' names no one")
    assert not repo.exists(SIDECAR)


def test_a_loop_set_to_warn_is_written_with_a_warning(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(".qa-provenance.yaml", "rules: {identical-source: warn}\n")
    result = run("stamp", DATA, "--generator", "gpt-4o", "--validator", "openai/gpt-4o")
    assert result.code == 0
    assert result.has(f"{SIDECAR}: QP010 [warning]")
    assert repo.exists(SIDECAR)


def test_a_loop_set_to_off_is_written_silently(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(".qa-provenance.yaml", "rules: {QP010: 'off'}\n")
    result = run("stamp", DATA, "--generator", "gpt-4o", "--validator", "openai/gpt-4o")
    assert result.code == 0
    assert result.err == ""


def test_unreadable_data_is_not_stamped(repo: Repo, run: Runner) -> None:
    repo.write(DATA, b'{"question": "Who wrote Emma?", "answer": "Jane Aus')
    result = run("stamp", DATA, *AGENTS)
    assert result.code == 1
    assert result.err == f"{DATA}:1: QP020 record is not valid JSON (Unterminated string " \
        "starting at): not stamped\n"
    assert not repo.exists(SIDECAR)


# Manifests and --sidecar


def covering_manifest() -> dict[str, Any]:
    return {"datasets": [
        {"files": "*.csv", "generator": {"type": "program", "id": "csv-export"},
         "validator": {"type": "human", "id": "Ops Team"}},
        {"files": "**/*.jsonl", "generator": {"type": "model", "id": "openai/gpt-4o"},
         "validator": {"type": "human", "id": "Acme QA", "method": "human-review"},
         "x-owner": "nlp"},
    ]}


def test_stamp_updates_the_manifest_subject(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa/train.jsonl")
    repo.write("data/provenance.yaml", dump_yaml(covering_manifest()))
    result = run("stamp", "data/qa/train.jsonl")
    assert result.code == 0, result.err
    assert result.out.startswith("stamped data/qa/train.jsonl -> data/provenance.yaml ")
    data = repo.load_yaml("data/provenance.yaml")
    assert data["datasets"][0] == covering_manifest()["datasets"][0]
    entry = data["datasets"][1]
    assert entry["x-owner"] == "nlp"
    assert entry["subjects"] == {"qa/train.jsonl": {
        "digest": {"sha256": repo.sha256("data/qa/train.jsonl")}, "records": 3}}
    assert not repo.exists("data/qa/train.jsonl.provenance.yaml")
    assert run("check").code == 0

    repo.jsonl("data/qa/train.jsonl", QA_ROWS[:2])
    assert run("check").codes() == {"QP003"}
    assert run("stamp", "data/qa/train.jsonl").code == 0
    assert repo.load_yaml("data/provenance.yaml")["datasets"][1]["subjects"][
        "qa/train.jsonl"]["records"] == 2
    assert run("check").code == 0


def test_stamp_with_agents_under_a_manifest_is_a_usage_error(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write("provenance.yaml", dump_yaml(covering_manifest()))
    before = snapshot(repo.path("provenance.yaml"))
    result = run("stamp", DATA, *AGENTS)
    assert result.code == 2
    assert result.err.startswith(f"{DATA}: covered by provenance.yaml: edit its entry there, or "
                                 "pass --sidecar")
    assert snapshot(repo.path("provenance.yaml")) == before


def test_stamp_refuses_a_manifest_loop(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    manifest = covering_manifest()
    manifest["datasets"][1]["validator"] = {"type": "model", "id": "gpt-4o-2024-08-06"}
    repo.write("provenance.yaml", dump_yaml(manifest))
    before = snapshot(repo.path("provenance.yaml"))
    result = run("stamp", DATA)
    assert result.code == 1
    assert result.has("provenance.yaml: QP010")
    assert snapshot(repo.path("provenance.yaml")) == before


def test_sidecar_flag_writes_a_sidecar_under_a_manifest(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write("provenance.yaml", dump_yaml(covering_manifest()))
    before = snapshot(repo.path("provenance.yaml"))
    result = run("stamp", DATA, "--sidecar", *AGENTS)
    assert result.code == 0, result.err
    assert repo.exists(SIDECAR)
    assert snapshot(repo.path("provenance.yaml")) == before
    assert run("check", DATA).code == 0


def test_embedded_provenance_is_never_stamped(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.json", json.dumps({"provenance": {}, "examples": QA_ROWS}))
    before = snapshot(repo.path("data/qa.json"))
    result = run("stamp", "data/qa.json", *AGENTS)
    assert result.code == 2
    assert "provenance is embedded in the data file" in result.err
    assert snapshot(repo.path("data/qa.json")) == before
    assert not repo.exists("data/qa.json.provenance.yaml")


def test_conflicting_provenance_is_not_stamped(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml(EXISTING))
    repo.write(f"{DATA}.provenance.json", json.dumps(EXISTING))
    before = snapshot(repo.path(SIDECAR))
    result = run("stamp", DATA)
    assert result.code == 2
    assert result.err == (f"{DATA}: claimed by both {SIDECAR} and {DATA}.provenance.json: keep "
                          "one, then stamp again\n")
    assert snapshot(repo.path(SIDECAR)) == before


def test_stamping_a_provenance_file_is_a_usage_error(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, dump_yaml(EXISTING))
    result = run("stamp", SIDECAR, *AGENTS)
    assert result.code == 2
    assert "is a provenance file" in result.err
    assert not repo.exists(f"{SIDECAR}.provenance.yaml")
    assert run("stamp", "provenance.yaml", *AGENTS).code == 2


def test_missing_and_outside_files(repo: Repo, run: Runner) -> None:
    result = run("stamp", "nope.jsonl", *AGENTS)
    assert result.code == 2
    assert result.err == "nope.jsonl: no such data file\n"
    assert run("stamp", "../x.jsonl", *AGENTS).code == 2


def test_several_files_report_the_worst(repo: Repo, run: Runner) -> None:
    repo.jsonl("a.jsonl")
    repo.write("b.jsonl", b"")
    result = run("stamp", "a.jsonl", "b.jsonl", *AGENTS)
    assert result.code == 1
    assert repo.exists("a.jsonl.provenance.yaml")
    assert not repo.exists("b.jsonl.provenance.yaml")


def test_stamp_from_a_subdirectory(repo: Repo, run: Runner,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo.jsonl(DATA)
    monkeypatch.chdir(repo.path("data"))
    result = run("stamp", "train.jsonl", *AGENTS)
    assert result.code == 0
    assert result.out.startswith(f"stamped {DATA} -> {SIDECAR} ")


def test_git_lfs_pointer_is_stamped_with_its_oid(repo: Repo, run: Runner) -> None:
    oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
    repo.write("data/big.parquet", f"version https://git-lfs.github.com/spec/v1\n"
                                   f"oid sha256:{oid}\nsize 123456789\n")
    result = run("stamp", "data/big.parquet", *AGENTS)
    assert result.code == 0
    record = repo.load_yaml("data/big.parquet.provenance.yaml")
    assert record["digest"] == {"sha256": oid}
    assert "records" not in record
    assert f"(sha256 {oid[:12]}...)" in result.out
    assert run("check").code == 0


# Round trips: stamp, then check passes; the data file is never written


def write_parquet(path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({key: [row[key] for row in QA_ROWS] for key in ("question", "answer")})
    pq.write_table(table, path)


ROUND_TRIPS: dict[str, Any] = {
    "data/qa.jsonl": jsonl_bytes(),
    "data/qa.ndjson": jsonl_bytes(QA_ROWS[:2]),
    "data/qa.json": json.dumps(QA_ROWS, indent=2).encode(),
    "data/qa.csv": b'question,answer\n"Who wrote\nEmma?",Jane Austen\nWhat is 2+2?,4\n',
    "data/qa.tsv": b"question\tanswer\nWho wrote Emma?\tJane Austen\nWhat is 2+2?\t4\n",
    "data/qa.parquet": write_parquet,
}
EXPECTED_RECORDS = {"jsonl": 3, "ndjson": 2, "json": 3, "csv": 2, "tsv": 2, "parquet": 3}


@pytest.mark.parametrize("rel", sorted(ROUND_TRIPS))
def test_round_trip_and_data_untouched(repo: Repo, run: Runner, rel: str) -> None:
    content = ROUND_TRIPS[rel]
    if callable(content):
        repo.path(rel).parent.mkdir(parents=True, exist_ok=True)
        content(repo.path(rel))
    else:
        repo.write(rel, content)
    age_file(repo.path(rel))
    before = snapshot(repo.path(rel))

    result = run("stamp", rel, *AGENTS)
    assert result.code == 0, result.err
    record = repo.load_yaml(f"{rel}.provenance.yaml")
    assert record["records"] == EXPECTED_RECORDS[rel.rsplit(".", 1)[1]]
    assert record["digest"]["sha256"] == repo.sha256(rel)
    check = run("check", rel)
    assert check.code == 0, check.out
    assert check.summary == "qa-provenance: 1 data file checked, all passed"

    assert run("stamp", rel, "--validator", "human:Jane Doe").code == 0
    assert snapshot(repo.path(rel)) == before
