"""Report formats: the format table, ``--output``, colour, the versioned JSON report (validated
against schemas/report.schema.json) and JUnit XML (parsed back). GitHub and SARIF have their own
modules."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner, copy_real
from jsonschema import Draft202012Validator
from reporting_repo import (
    BAD,
    EDITED,
    GOOD,
    LEGACY,
    MIXED,
    ORPHAN,
    PASSING,
    SELF_JUDGED,
    UNLABELLED,
    assert_golden,
    build_failing_repo,
    build_spot_repo,
    normalise,
)

from provenance import __version__
from provenance.cli import build_parser
from provenance.reporters import select
from provenance.reporters.base import Reporter, color_enabled
from provenance.reporters.json_report import REPORT_VERSION, SCHEMA_URI
from provenance.rules import ALL_RULES

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "report.schema.json"
FORMATS = ("text", "json", "github", "sarif", "junit")


@pytest.fixture(scope="module")
def report_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(validator: Draft202012Validator, document: Any) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


# ---------------------------------------------------------------------------------------------
# the format table and its selection


def test_every_format_is_one_reporter_class_named_like_its_key() -> None:
    assert tuple(select.FORMATS) == FORMATS
    for name in select.FORMATS:
        cls = select.reporter_class(name)
        assert issubclass(cls, Reporter)
        assert cls.name == name


@pytest.mark.parametrize("command", ["check", "spot-check"])
def test_the_command_line_offers_exactly_the_table(command: str) -> None:
    parser = build_parser()
    args = parser.parse_args([command, "--format", "junit", "--output", "r.xml"])
    assert (args.format, args.output) == ("junit", "r.xml")
    with pytest.raises(SystemExit):
        parser.parse_args([command, "--format", "html"])
    assert parser.parse_args([command]).format is None


def test_format_choice_text_by_default_github_inside_actions() -> None:
    assert select.choose(None, {}) == "text"
    assert select.choose(None, {"GITHUB_ACTIONS": "true"}) == "github"
    assert select.choose(None, {"GITHUB_ACTIONS": "false"}) == "text"
    assert select.choose("json", {"GITHUB_ACTIONS": "true"}) == "json"


@pytest.mark.parametrize("fmt", FORMATS)
def test_exit_codes_do_not_depend_on_the_format(repo: Repo, run: Runner, fmt: str) -> None:
    repo.jsonl(PASSING)
    repo.sidecar(PASSING)
    assert run("check", "--format", fmt).code == 0
    repo.jsonl(UNLABELLED)
    assert run("check", "--format", fmt).code == 1
    assert run("check", "--format", fmt, "/").code == 2


def test_output_writes_the_report_to_a_file_and_nothing_to_stdout(repo: Repo, run: Runner
                                                                  ) -> None:
    build_failing_repo(repo)
    result = run("check", "--format", "json", "--output", "out/report.json")
    assert result.code == 2  # the folder does not exist: said, and not a pass
    assert "cannot write out/report.json" in result.err
    (repo.root / "out").mkdir()
    result = run("check", "--format", "json", "--output", "out/report.json")
    assert result.code == 1
    assert result.out == ""
    assert json.loads(repo.read("out/report.json"))["outcome"] == "fail"
    result = run("check", "--output", "out/report.txt")  # any format, text included
    assert result.out == ""
    assert repo.read("out/report.txt").endswith(
        "qa-provenance: 7 data files checked, 5 errors, 1 warning\n")


def test_sarif_file_is_written_besides_any_format(repo: Repo, run: Runner) -> None:
    build_failing_repo(repo)
    result = run("check", "--format", "text", "--sarif-file", "results.sarif")
    assert result.code == 1
    assert "QP010" in result.out
    log = json.loads(repo.read("results.sarif"))
    assert log["version"] == "2.1.0"
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"QP001", "QP003", "QP010"}


def test_summary_file_gets_the_markdown_summary_in_any_format(repo: Repo, run: Runner) -> None:
    build_failing_repo(repo)
    run("check", "--format", "json", "--summary-file", "summary.md")
    assert repo.read("summary.md").startswith("### qa-provenance check: ❌ failed\n")


# ---------------------------------------------------------------------------------------------
# colour


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("env", "tty", "expected"), [
    ({}, True, True),
    ({}, False, False),
    ({"NO_COLOR": "1"}, True, False),
    ({"NO_COLOR": ""}, True, True),  # the NO_COLOR convention: set and not empty
    ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": "0"}, False, False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),  # NO_COLOR wins
    ({"TERM": "dumb"}, True, False),
])
def test_colour_only_on_a_terminal_and_never_with_no_color(env: dict[str, str], tty: bool,
                                                           expected: bool) -> None:
    stream = FakeTerminal() if tty else io.StringIO()
    assert color_enabled(stream, env) is expected


def test_text_report_is_coloured_only_when_enabled(repo: Repo, run: Runner,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    build_failing_repo(repo)
    plain = run("check")
    assert "\033[" not in plain.out + plain.err
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = run("check")
    assert "\033[1m\033[31mQP010\033[0m" in coloured.out
    assert "\033[1m\033[33mQP001 [warning]\033[0m" in coloured.out
    assert "\033[" + "0m" in coloured.out.splitlines()[-1]
    # Same bytes once the escapes are removed.
    assert re.sub("\033\\[[0-9;]*m", "", coloured.out) == plain.out
    monkeypatch.setenv("NO_COLOR", "1")
    assert run("check").out == plain.out
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR")
    run("check", "--output", "report.txt")
    assert repo.read("report.txt") == plain.out  # a report file is never coloured


def test_machine_formats_are_never_coloured(repo: Repo, run: Runner,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    build_failing_repo(repo)
    monkeypatch.setenv("FORCE_COLOR", "1")
    for fmt in ("json", "github", "sarif", "junit"):
        assert "\033[" not in run("check", "--format", fmt).out, fmt


# ---------------------------------------------------------------------------------------------
# JSON


def test_report_schema_is_a_documented_2020_12_schema_at_its_published_uri() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_URI
    assert SCHEMA_URI == "https://qa-provenance.github.io/schemas/v1/report.schema.json"
    for name, definition in schema["$defs"].items():
        assert definition.get("description"), f"$defs/{name} has no description"


def test_json_check_report_is_valid_and_complete(repo: Repo, run: Runner,
                                                 report_validator: Draft202012Validator) -> None:
    build_failing_repo(repo)
    result = run("check", "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert_valid(report_validator, report)
    assert report["schema"] == SCHEMA_URI and report["version"] == REPORT_VERSION
    assert report["tool"] == {"name": "qa-provenance", "version": __version__}
    assert report["root"] == repo.root.as_posix()
    assert report["summary"] == {"files": 7, "passed": 3, "warned": 1, "failed": 3,
                                 "errors": 5, "warnings": 1}
    files = {f["path"]: f for f in report["files"]}
    assert set(files) == {PASSING, SELF_JUDGED, EDITED, UNLABELLED, LEGACY,
                          f"{MIXED}/a.jsonl", f"{MIXED}/b.jsonl"}
    loop = files[SELF_JUDGED]
    assert loop["provenance"] == f"{SELF_JUDGED}.provenance.yaml"
    assert loop["result"] == "fail" and loop["ok"] is False
    assert loop["generators"] == ["openai/gpt-4o-2024-08-06"]
    assert loop["validators"] == ["azure/GPT-4o"]
    assert loop["findings"] == [{
        "code": "QP010", "name": "identical-source", "severity": "error",
        "path": f"{SELF_JUDGED}.provenance.yaml", "line": 5,
        "message": loop["findings"][0]["message"]}]
    assert files[LEGACY]["result"] == "warn" and files[LEGACY]["ok"] is True
    assert files[LEGACY]["findings"][0]["severity"] == "warning"
    assert files[UNLABELLED]["provenance"] is None
    assert files[PASSING]["result"] == "pass" and files[PASSING]["findings"] == []
    assert [(f["code"], f["path"]) for f in report["findings"]] == [
        ("QP006", ORPHAN), ("QP015", MIXED)]


def test_json_report_of_per_record_provenance_counts_each_pair(
        repo: Repo, run: Runner, report_validator: Draft202012Validator) -> None:
    rel = copy_real(repo, "alpacaeval_gpt4_1106_preview_model_outputs_first100.json")
    assert run("stamp", rel, "--validator", "human:Acme QA Reviewers").code == 0
    report = json.loads(run("check", "--format", "json").out)
    assert_valid(report_validator, report)
    [entry] = report["files"]
    assert entry["profile"] == "alpacaeval-outputs"
    assert entry["generators"] == ["gpt4_1106_preview"]
    assert entry["pairs"] == [{"generators": "gpt4_1106_preview", "validators": "-",
                               "records": 100}]


def test_json_golden(repo: Repo, run: Runner) -> None:
    build_failing_repo(repo)
    result = run("check", "--format", "json")
    assert_golden("check.json", normalise(result.out, repo.root))


def test_report_schema_rejects_what_it_does_not_describe(
        repo: Repo, run: Runner, report_validator: Draft202012Validator) -> None:
    build_failing_repo(repo)
    report = json.loads(run("check", "--format", "json").out)
    broken = json.loads(json.dumps(report))
    broken["surprise"] = 1
    assert list(report_validator.iter_errors(broken))
    broken = json.loads(json.dumps(report))
    del broken["files"][0]["findings"]
    assert list(report_validator.iter_errors(broken))
    broken = json.loads(json.dumps(report))
    broken["files"][1]["findings"][0]["severity"] = "warn"
    assert list(report_validator.iter_errors(broken))
    broken = json.loads(json.dumps(report))
    broken["version"] = 2
    assert list(report_validator.iter_errors(broken))


def test_json_spot_check_report(repo: Repo, run: Runner,
                                report_validator: Draft202012Validator) -> None:
    build_spot_repo(repo)
    result = run("spot-check", "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert_valid(report_validator, report)
    assert report["command"] == "spot-check"
    assert report["outcome"] == "FAIL" and report["skipped"] is None
    assert report["verifier"]["kind"] == "local" and report["verifier"]["id"]
    assert report["summary"] == {"files": 2, "passed": 1, "failed": 1, "inconclusive": 0}
    files = {f["path"]: f for f in report["files"]}
    bad = files[BAD]
    assert bad["result"] == "FAIL"
    assert bad["plan"]["n"] == 6 and bad["plan"]["c"] == 1 and bad["plan"]["census"] is True
    assert bad["flagged"] == 2 == len(bad["flags"])
    assert [f["line"] for f in bad["flags"]] == [2, 5]
    assert all(f["verdict"] in ("unsupported", "unsure") for f in bad["flags"])
    assert bad["claim"].startswith("2 of all 6 records flagged")
    assert 0 < bad["upper_bound"] <= 1
    assert bad["sha256"] == repo.sha256(BAD)
    assert files[GOOD]["result"] == "PASS" and files[GOOD]["flags"] == []
    assert files[GOOD]["recorded"] is None


def test_json_spot_check_skipped_and_recorded(repo: Repo, run: Runner,
                                              report_validator: Draft202012Validator) -> None:
    build_spot_repo(repo, verifier={"enabled": False})
    result = run("spot-check", "--format", "json")
    assert result.code == 0
    report = json.loads(result.out)
    assert_valid(report_validator, report)
    assert report["outcome"] == "SKIPPED" and "disabled" in report["skipped"]
    assert report["files"] == []
    build_spot_repo(repo)
    report = json.loads(run("spot-check", "--format", "json", "--record", GOOD).out)
    assert_valid(report_validator, report)
    assert report["files"][0]["recorded"]


@pytest.mark.network  # spot-check connects to 127.0.0.1:9, is refused: inconclusive
def test_json_spot_check_inconclusive(repo: Repo, run: Runner,
                                      report_validator: Draft202012Validator) -> None:
    build_spot_repo(repo, verifier={"kind": "http", "url": "http://127.0.0.1:9",
                                    "max_attempts": 1})
    result = run("spot-check", "--format", "json")
    assert result.code == 3
    report = json.loads(result.out)
    assert_valid(report_validator, report)
    assert report["outcome"] == "INCONCLUSIVE"
    assert report["verifier"]["kind"] == "http"
    assert all(f["result"] == "INCONCLUSIVE" and f["errors"] for f in report["files"])


# ---------------------------------------------------------------------------------------------
# JUnit


def test_junit_check_parses_back(repo: Repo, run: Runner) -> None:
    build_failing_repo(repo)
    result = run("check", "--format", "junit")
    assert result.code == 1
    root = ET.fromstring(result.out.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    # every data file, then the paths of findings tied to no data file
    assert set(cases) == {PASSING, SELF_JUDGED, EDITED, UNLABELLED, LEGACY, f"{MIXED}/a.jsonl",
                          f"{MIXED}/b.jsonl", ORPHAN, MIXED}
    assert suite.get("tests") == root.get("tests") == "9"
    assert suite.get("failures") == "5" and suite.get("errors") == "0"
    failures = cases[SELF_JUDGED].findall("failure")
    assert [f.get("type") for f in failures] == ["QP010"]
    assert failures[0].get("message", "").startswith("QP010 identical-source: validator")
    assert f"{SELF_JUDGED}.provenance.yaml:5: QP010" in (failures[0].text or "")
    # warnings only: a passing test case that says so in its output
    legacy = cases[LEGACY]
    assert legacy.find("failure") is None and legacy.find("skipped") is None
    assert "QP001 [warning]" in (legacy.findtext("system-out") or "")
    assert list(cases[PASSING]) == []
    assert cases[UNLABELLED].get("file") == UNLABELLED
    version = suite.find("properties/property[@name='qa-provenance.version']")
    assert version is not None and version.get("value") == __version__


def test_junit_one_failure_per_error_finding(repo: Repo, run: Runner) -> None:
    repo.jsonl(PASSING)
    repo.sidecar(PASSING, validator={"type": "model", "id": "azure/GPT-4o"},
                 trains=["openai/gpt-4o-2024-08-06"])
    root = ET.fromstring(run("check", "--format", "junit").out)
    case = root.find("testsuite/testcase")
    assert case is not None
    assert sorted(f.get("type") or "" for f in case.findall("failure")) == ["QP010", "QP011"]
    assert root.get("failures") == "1"  # test cases that failed, not failure elements


def test_junit_keeps_only_characters_xml_can_carry(repo: Repo, run: Runner) -> None:
    repo.jsonl(PASSING)
    repo.sidecar(PASSING, validator={"type": "model", "id": "azure/GPT-4o\x07"},
                 generator={"type": "model", "id": "gpt-4o\x01"})
    out = run("check", "--format", "junit").out
    ET.fromstring(out)  # well-formed whatever the data said
    assert "\x07" not in out and "\x01" not in out


def test_junit_spot_check(repo: Repo, run: Runner) -> None:
    build_spot_repo(repo)
    root = ET.fromstring(run("spot-check", "--format", "junit").out)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "qa-provenance spot-check"
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    failure = cases[BAD].find("failure")
    assert failure is not None and failure.get("type") == "spot-check FAIL"
    assert (failure.get("message") or "").startswith("2 of all 6 records flagged")
    assert f"{BAD}:2: " in (failure.text or "") and f"{BAD}:5: " in (failure.text or "")
    assert cases[GOOD].find("failure") is None
    assert "0 flagged" in (cases[GOOD].findtext("system-out") or "")


@pytest.mark.network  # spot-check connects to 127.0.0.1:9, is refused: inconclusive
def test_junit_spot_check_skipped_and_inconclusive(repo: Repo, run: Runner) -> None:
    build_spot_repo(repo, verifier={"enabled": False})
    root = ET.fromstring(run("spot-check", "--format", "junit").out)
    assert root.get("skipped") == "1" and root.get("failures") == "0"
    skipped = root.find("testsuite/testcase/skipped")
    assert skipped is not None and "SKIPPED" in (skipped.get("message") or "")
    build_spot_repo(repo, verifier={"kind": "http", "url": "http://127.0.0.1:9",
                                    "max_attempts": 1})
    root = ET.fromstring(run("spot-check", "--format", "junit").out)
    assert root.get("errors") == "2"
    error = root.find("testsuite/testcase/error")
    assert error is not None and error.get("type") == "spot-check INCONCLUSIVE"


# ---------------------------------------------------------------------------------------------
# every format, every rule


@pytest.mark.parametrize("fmt", FORMATS)
def test_notes_reach_stderr_or_the_annotations(repo: Repo, run: Runner, fmt: str) -> None:
    repo.jsonl(PASSING)
    repo.sidecar(PASSING)
    repo.write("data/lfs.jsonl", b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:" + b"a" * 64 + b"\nsize 3\n")
    result = run("check", "--format", fmt)
    if fmt == "github":
        assert "::notice title=qa-provenance::data/lfs.jsonl" in result.out
    else:
        assert "note: data/lfs.jsonl" in result.err


def test_registry_has_the_codes_the_formats_describe() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert len(codes) == len(set(codes))
