"""Every place provenance lives: sidecars, directory manifests, embedded JSON; and precedence."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from conftest import GENERATOR, QA_ROWS, VALIDATOR, Repo, Runner, dump_yaml, line_of

DATA = "data/train.jsonl"
LOOP = {"generator": {"type": "model", "id": "gpt-4o"},
        "validator": {"type": "model", "id": "openai/gpt-4o-2024-08-06"}}


def manifest(*entries: dict[str, Any]) -> str:
    return dump_yaml({"datasets": list(entries)})


def entry(files: str | list[str], subjects: dict[str, Any] | None = None,
          **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"files": files, "generator": GENERATOR, "validator": VALIDATOR,
                           **fields}
    if subjects is not None:
        out["subjects"] = subjects
    return out


def subject(repo: Repo, rel: str, records: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"digest": {"sha256": repo.sha256(rel)}}
    if records is not None:
        out["records"] = records
    return out


# Sidecars


def test_yaml_sidecar(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    result = run("check", "-v")
    assert result.code == 0
    assert f"{DATA}: ok (generator openai/gpt-4o-2024-08-06; validator Acme Annotation Team)" \
        in result.out


def test_json_sidecar(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA, fmt="json", records=3)
    assert run("check").code == 0


def test_json_sidecar_errors_name_the_file(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA, fmt="json", records=4)
    result = run("check")
    assert result.has(f"{DATA}.provenance.json: QP004 records: 4 declared, the file holds 3")


def test_json_sidecar_syntax_error(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(f"{DATA}.provenance.json", '{\n  "generator": {"type": "model",}\n}\n')
    result = run("check")
    assert result.has(f"{DATA}.provenance.json:2: QP002 invalid JSON")


# Directory manifests


def test_manifest_with_glob_and_subjects(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    repo.jsonl("data/dev.jsonl", QA_ROWS[:1])
    subjects = {"train.jsonl": subject(repo, "data/train.jsonl", 3),
                "dev.jsonl": subject(repo, "data/dev.jsonl", 1)}
    repo.write("data/provenance.yaml", manifest(entry("*.jsonl", subjects)))
    result = run("check", "-v")
    assert result.code == 0, result.out
    assert result.summary == "qa-provenance: 2 data files checked, all passed"


def test_manifest_files_as_a_list_relative_to_the_manifest(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa/train.jsonl")
    repo.jsonl("data/qa/test.ndjson")
    subjects = {"qa/train.jsonl": subject(repo, "data/qa/train.jsonl"),
                "qa/test.ndjson": subject(repo, "data/qa/test.ndjson")}
    repo.write("data/provenance.yaml",
               manifest(entry(["qa/*.jsonl", "qa/*.ndjson"], subjects)))
    assert run("check").code == 0


def test_manifest_subject_record_count_line(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    text = manifest(entry("*.jsonl", {"train.jsonl": subject(repo, DATA, 7)}))
    repo.write("data/provenance.yaml", text)
    result = run("check")
    assert result.has(f"data/provenance.yaml:{line_of(text, 'records: 7')}: QP004 records: 7 "
                      "declared, 'data/train.jsonl' holds 3")


def test_manifest_loop_points_at_the_entry_validator(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    text = manifest({"files": "*.jsonl", **LOOP,
                     "subjects": {"train.jsonl": subject(repo, DATA)}})
    repo.write("data/provenance.yaml", text)
    result = run("check")
    assert result.has(f"data/provenance.yaml:{line_of(text, 'validator:')}: QP010")


def test_manifest_digest_at_entry_level_is_rejected(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    text = manifest(entry("*.jsonl", digest={"sha256": repo.sha256(DATA)}))
    repo.write("data/provenance.yaml", text)
    result = run("check")
    assert result.code == 1
    assert result.has(f"data/provenance.yaml:{line_of(text, 'digest:')}: QP002 "
                      "datasets[0].digest:")


def test_deeper_manifest_overrides_shallower(repo: Repo, run: Runner) -> None:
    """The shallower entry binds no digest: it would fail (QP003) if it applied. A looping one is
    reported all the same (tests/test_overridden_claims.py)."""
    repo.jsonl(DATA)
    repo.write("provenance.yaml", manifest(entry("**/*.jsonl")))
    repo.write("data/provenance.yaml",
               manifest(entry("*.jsonl", {"train.jsonl": subject(repo, DATA)})))
    assert run("check").code == 0


def test_deeper_manifest_findings_name_the_deeper_file(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write("provenance.yaml",
               manifest(entry("**/*.jsonl", {DATA: subject(repo, DATA)})))
    repo.write("data/provenance.yaml",
               manifest({"files": "*.jsonl", **LOOP,
                         "subjects": {"train.jsonl": subject(repo, DATA)}}))
    result = run("check")
    assert result.codes() == {"QP010"}
    assert result.has("data/provenance.yaml:")


def test_manifests_at_different_levels_do_not_conflict(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write("provenance.yaml", manifest(entry("**/*.jsonl", {DATA: subject(repo, DATA)})))
    repo.write("data/provenance.yaml",
               manifest(entry("*.jsonl", {"train.jsonl": subject(repo, DATA)})))
    assert "QP005" not in run("check").codes()


def test_sidecar_overrides_manifest(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write("data/provenance.yaml", manifest(entry("*.jsonl")))  # no digest: overridden
    repo.sidecar(DATA)
    assert run("check").code == 0


def test_two_entries_in_one_manifest_conflict(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    subjects = {"train.jsonl": subject(repo, DATA)}
    repo.write("data/provenance.yaml",
               manifest(entry("*.jsonl", subjects), entry("train.*", subjects)))
    result = run("check")
    assert result.code == 1
    assert result.has(f"{DATA}: QP005 claimed by both data/provenance.yaml (datasets[0]) and "
                      "data/provenance.yaml (datasets[1]): keep one")


def test_yaml_and_json_sidecars_conflict(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    repo.sidecar(DATA, fmt="json")
    result = run("check")
    assert result.has(f"{DATA}: QP005 claimed by both {DATA}.provenance.yaml and "
                      f"{DATA}.provenance.json")


# Embedded


def canonical_sha256(value: Any) -> str:
    """The README's definition, restated independently of the package."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


ROWS_UNICODE = [*QA_ROWS, {"question": "Where is the ETH?", "answer": "Zürich"}]


def embedded_doc(rows: list[dict[str, str]] = ROWS_UNICODE, **fields: Any) -> dict[str, Any]:
    rows = [dict(row) for row in rows]  # copies: a test that edits one must not edit QA_ROWS
    record: dict[str, Any] = {"generator": GENERATOR, "validator": VALIDATOR,
                              "digest": {"sha256": canonical_sha256({"examples": rows})},
                              **fields}
    return {"provenance": record, "examples": rows}


def test_embedded_provenance_passes(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.json", json.dumps(embedded_doc(records=4), indent=2))
    result = run("check", "-v")
    assert result.code == 0, result.out
    assert "data/qa.json: ok" in result.out


def test_embedded_digest_is_stable_under_key_order_and_whitespace(repo: Repo,
                                                                 run: Runner) -> None:
    doc = embedded_doc()
    reordered = {"examples": [dict(reversed(list(row.items()))) for row in doc["examples"]],
                 "provenance": doc["provenance"]}
    repo.write("data/qa.json", json.dumps(reordered, separators=(" ,", " :  "),
                                          ensure_ascii=True))
    assert run("check").code == 0


def test_embedded_digest_changes_with_the_data(repo: Repo, run: Runner) -> None:
    doc = embedded_doc()
    doc["examples"][0]["answer"] = "212 degrees Fahrenheit"
    repo.write("data/qa.json", json.dumps(doc))
    result = run("check")
    assert result.code == 1
    assert result.has("data/qa.json: QP003 data part changed since it was stamped")


def test_embedded_digest_of_raw_bytes_is_wrong(repo: Repo, run: Runner) -> None:
    doc = embedded_doc()
    repo.write("data/qa.json", json.dumps(doc))
    doc["provenance"]["digest"] = {"sha256": repo.sha256("data/qa.json")}
    repo.write("data/qa.json", json.dumps(doc))
    assert "QP003" in run("check").codes()


def test_embedded_record_count(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.json", json.dumps(embedded_doc(records=2)))
    result = run("check")
    assert result.has("data/qa.json: QP004 records: 2 declared, the file holds 4")


def test_embedded_record_is_validated(repo: Repo, run: Runner) -> None:
    doc = embedded_doc()
    doc["provenance"]["validator"] = {"type": "human", "id": "crowd"}
    repo.write("data/qa.json", json.dumps(doc))
    assert run("check").has("data/qa.json: QP002 validator id 'crowd' names no one")


def test_embedded_provenance_must_be_a_mapping(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.json", json.dumps({"provenance": "gpt-4o", "examples": QA_ROWS}))
    assert run("check").has("data/qa.json: QP002 provenance must be a mapping of fields, not str")


def test_embedded_nan_has_no_canonical_form(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.json",
               '{"provenance": {}, "examples": [{"question": "q", "score": NaN}]}')
    assert run("check").has("data/qa.json: QP020 data part holds NaN or Infinity")


def test_embedded_and_sidecar_conflict(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.json", json.dumps(embedded_doc()))
    repo.sidecar("data/qa.json")
    result = run("check")
    assert result.has("data/qa.json: QP005 claimed by both its embedded 'provenance' member and "
                      "data/qa.json.provenance.yaml")


def test_embedded_overrides_a_manifest(repo: Repo, run: Runner) -> None:
    repo.write("data/qa.json", json.dumps(embedded_doc()))
    repo.write("data/provenance.yaml", manifest(entry("*.json")))  # no digest: overridden
    assert run("check").code == 0


def test_a_problem_is_placed_in_the_data_its_own_file_or_the_record() -> None:
    """``Problem.place``: a file of its own wins; a problem found in the data points at the data
    file even when a claim is known; otherwise the claim's line for the field."""
    from provenance import rules
    from provenance.checks.problem import Problem
    from provenance.reading.locate import Claim

    claim = Claim("sidecar", "data/qa.jsonl.provenance.yaml", 2, {"records": 3})
    data = "data/qa.jsonl"
    assert Problem(rules.UNREADABLE, "x", in_data=True, line=4).place(data, claim) == (data, 4)
    assert Problem(rules.UNREADABLE, "x", in_data=True).place(data, None) == (data, None)
    assert Problem(rules.MISSING, "x").place(data, None) == (data, None)
    assert Problem(rules.CONFLICT, "x", path="other.yaml", line=7).place(data, claim) == \
        ("other.yaml", 7)
    assert Problem(rules.RECORD_COUNT, "x", ("records",), line=9).place(data, claim) == \
        ("data/qa.jsonl.provenance.yaml", 9)
