"""``--format sarif``: SARIF 2.1.0 valid against the official JSON Schema (vendored in
tests/vendor/sarif, draft-07), one rule per registry code, located results, goldens."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner
from jsonschema import Draft7Validator
from reporting_repo import (
    BAD,
    EDITED,
    LEGACY,
    MIXED,
    ORPHAN,
    SELF_JUDGED,
    UNLABELLED,
    assert_golden,
    build_failing_repo,
    build_spot_repo,
    normalise,
)

from provenance import __version__
from provenance.rules import ALL_RULES, Severity

VENDOR = Path(__file__).parent / "vendor" / "sarif"
SCHEMA_SHA256 = "80cd7ffb9b62a4162d541aa9170862dd264f6cce0f04c57f1ac9f2337b808958"


@pytest.fixture(scope="module")
def sarif_validator() -> Draft7Validator:
    schema = json.loads((VENDOR / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def assert_valid(validator: Draft7Validator, log: Any) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def sarif(run: Runner, *args: str) -> tuple[int, dict[str, Any]]:
    result = run(*args, "--format", "sarif")
    return result.code, json.loads(result.out)


def test_vendored_schema_is_the_official_one_unchanged() -> None:
    raw = (VENDOR / "sarif-schema-2.1.0.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256
    notice = (VENDOR / "NOTICE.md").read_text(encoding="utf-8")
    assert SCHEMA_SHA256 in notice and "oasis-tcs/sarif-spec" in notice
    assert (VENDOR / "LICENSE.md").is_file()
    schema = json.loads(raw)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"


def test_check_log_is_valid_sarif(repo: Repo, run: Runner,
                                  sarif_validator: Draft7Validator) -> None:
    build_failing_repo(repo)
    code, log = sarif(run, "check")
    assert code == 1
    assert_valid(sarif_validator, log)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")


def test_the_validator_is_not_vacuous(repo: Repo, run: Runner,
                                      sarif_validator: Draft7Validator) -> None:
    build_failing_repo(repo)
    _, log = sarif(run, "check")
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator.iter_errors(log))
    _, log = sarif(run, "check")
    del log["runs"][0]["tool"]["driver"]["name"]
    assert list(sarif_validator.iter_errors(log))


def test_one_rule_per_registry_code_with_help(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    _, log = sarif(run, "check")
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "qa-provenance"
    assert driver["version"] == __version__
    assert driver["informationUri"] == "https://github.com/qa-provenance/qa-provenance"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [rule.code for rule in ALL_RULES]
    for descriptor, rule in zip(rules, ALL_RULES):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"]
        assert descriptor["fullDescription"]["text"] == rule.summary
        assert rule.summary in descriptor["help"]["text"]
        assert rule.code in descriptor["help"]["markdown"]
        assert descriptor["helpUri"] == rule.help_uri
        assert rule.help_uri in descriptor["help"]["text"]
        expected = "warning" if rule.default is Severity.WARN else "error"
        assert descriptor["defaultConfiguration"]["level"] == expected


def test_results_have_rule_level_message_and_physical_location(repo: Repo, run: Runner) -> None:
    build_failing_repo(repo)
    _, log = sarif(run, "check")
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r
              for r in results}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith("/")
    loop = by_uri[f"{SELF_JUDGED}.provenance.yaml"]
    assert (loop["ruleId"], loop["level"]) == ("QP010", "error")
    assert loop["locations"][0]["physicalLocation"]["region"] == {"startLine": 5}
    assert by_uri[f"{EDITED}.provenance.yaml"]["ruleId"] == "QP003"
    # No line known in a file: line 1, where code scanning can show a whole-file alert.
    missing = by_uri[UNLABELLED.replace(" ", "%20")]
    assert missing["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    # Each result has a fingerprint of its own, independent of the line.
    prints = [r["partialFingerprints"]["qaProvenanceFinding/v1"] for r in results]
    assert len(set(prints)) == len(prints)
    assert (by_uri[LEGACY]["ruleId"], by_uri[LEGACY]["level"]) == ("QP001", "warning")
    assert by_uri[ORPHAN]["ruleId"] == "QP006"
    assert by_uri[f"{MIXED}/"]["ruleId"] == "QP015"  # a folder-level finding names the folder
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.root.as_uri() + "/"
    assert run_["invocations"][0]["exitCode"] == 1


def test_a_warning_configured_as_error_is_an_error_result(repo: Repo, run: Runner) -> None:
    repo.write(".qa-provenance.yaml", "rules: {missing-provenance: warn}\n")
    repo.jsonl("data/train.jsonl")
    code, log = sarif(run, "check")
    assert code == 0
    [result] = log["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("QP001", "warning")


def test_uris_are_relative_to_the_checkout_when_the_root_is_a_subfolder(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo.root / "sub" / "datasets").mkdir(parents=True)
    sub = Repo(repo.root / "sub" / "datasets")
    sub.jsonl("data/train.jsonl")
    code, log = sarif(run, "check", "--root", "sub/datasets")
    assert code == 1
    [result] = log["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "sub/datasets/data/train.jsonl"  # the git work tree holds the root
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo.root / "sub"))
    _, log = sarif(run, "check", "--root", "sub/datasets")
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "datasets/data/train.jsonl"


def test_notes_are_tool_notifications(repo: Repo, run: Runner,
                                      sarif_validator: Draft7Validator) -> None:
    repo.write("data/lfs.jsonl", b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:" + b"a" * 64 + b"\nsize 3\n")
    result = run("check", "--format", "sarif")
    log = json.loads(result.out)
    assert_valid(sarif_validator, log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("data/lfs.jsonl" in n["message"]["text"] for n in notes)
    assert "note: data/lfs.jsonl" in result.err


def test_spot_check_log_is_valid_sarif(repo: Repo, run: Runner,
                                       sarif_validator: Draft7Validator) -> None:
    build_spot_repo(repo)
    code, log = sarif(run, "spot-check")
    assert code == 1
    assert_valid(sarif_validator, log)
    run_ = log["runs"][0]
    ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    assert ids == ["spot-check-flag", "spot-check-fail", "spot-check-inconclusive"]
    flags = [r for r in run_["results"] if r["ruleId"] == "spot-check-flag"]
    assert [f["locations"][0]["physicalLocation"]["region"]["startLine"] for f in flags] == [2, 5]
    assert all(f["level"] == "error" for f in flags)  # the file failed
    [failed] = [r for r in run_["results"] if r["ruleId"] == "spot-check-fail"]
    assert failed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == BAD
    assert failed["message"]["text"].startswith("2 of all 6 records flagged")


def test_skipped_spot_check_is_a_valid_log_saying_so(repo: Repo, run: Runner,
                                                     sarif_validator: Draft7Validator) -> None:
    build_spot_repo(repo, verifier={"enabled": False})
    code, log = sarif(run, "spot-check")
    assert code == 0
    assert_valid(sarif_validator, log)
    assert log["runs"][0]["results"] == []
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"].startswith("spot checks SKIPPED (not failed)")


def test_sarif_golden(repo: Repo, run: Runner) -> None:
    build_failing_repo(repo)
    result = run("check", "--format", "sarif")
    assert_golden("check.sarif.json", normalise(result.out, repo.root))


def test_fingerprints_survive_a_line_move_and_differ_by_rule() -> None:
    from provenance.reporters.sarif import fingerprint

    def where(uri: str, line: int) -> dict[str, Any]:
        return {"physicalLocation": {"artifactLocation": {"uri": uri},
                                     "region": {"startLine": line}}}

    same = (fingerprint("QP010", where("a.yaml", 5), "m"),
            fingerprint("QP010", where("a.yaml", 9), "m"))
    assert same[0] == same[1]
    assert fingerprint("QP011", where("a.yaml", 5), "m") != same[0]
    assert fingerprint("QP010", where("b.yaml", 5), "m") != same[0]
