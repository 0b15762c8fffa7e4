"""The GitHub Action: metadata valid against the published schema, and its run step executed
locally with the environment the runner would give it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _check_jsonschema() -> str:
    tool = shutil.which("check-jsonschema") or str(BIN / "check-jsonschema")
    if not Path(tool).exists():
        pytest.skip("check-jsonschema is not installed (a test dependency)")
    return tool


@pytest.mark.network  # check-jsonschema imports urllib3, which opens an IPv6 socket on ::1
def test_action_metadata_is_valid() -> None:
    result = subprocess.run([_check_jsonschema(), "--builtin-schema", "vendor.github-actions",
                             str(PROJECT / "action.yml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.network  # check-jsonschema imports urllib3, which opens an IPv6 socket on ::1
def test_example_workflow_is_valid_and_hardened() -> None:
    workflow = PROJECT / "hooks" / "github" / "qa-provenance.yml"
    result = subprocess.run([_check_jsonschema(), "--builtin-schema", "vendor.github-workflows",
                             str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = workflow.read_text()
    assert "pull_request_target" not in text.split("# Follows")[1].split("\n", 3)[-1]
    assert "permissions:\n  contents: read" in text
    for line in text.splitlines():
        if "uses: " in line and not line.strip().startswith("#") and "qa-provenance/" not in line:
            ref = line.split("@", 1)[1].split()[0]
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), line


def test_action_passes_inputs_through_the_environment() -> None:
    import yaml

    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "inputs." not in step["run"], step["run"]  # never interpolated into a script
        if "uses" in step:
            assert len(step["uses"].split("@")[1]) == 40


def _run_action(repo: Path, tmp: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str],
                                                                dict[str, str], str]:
    output = tmp / "github_output"
    summary = tmp / "summary.md"
    output.write_text("")
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp),
        "QA_BIN": inputs.pop("bin", str(BIN / "qa-provenance")),
        "INPUT_FORMAT": "github",
        "INPUT_FAIL_ON": "error",
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }
    result = subprocess.run(["bash", str(PROJECT / "hooks" / "github" / "run.sh")], cwd=repo,
                            env=env, capture_output=True, text=True)
    return result, _outputs(output), summary.read_text() if summary.exists() else ""


def _outputs(path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        key, _, value = lines[index].partition("=")
        if "<<" in lines[index]:
            key, marker = lines[index].split("<<", 1)
            end = lines.index(marker, index + 1)
            value = "\n".join(lines[index + 1:end])
            index = end
        outputs[key] = value
        index += 1
    return outputs


def _run_steps(repo: Path, tmp: Path, **inputs: str) -> tuple[dict[str, str], list[str], int]:
    """The action's three steps as action.yml runs them, each with its own output file; the
    result step reads the statuses the other two wrote. Returns the action's outputs, each
    step's stdout, and the result step's exit code."""
    spot = inputs.get("spot_check") == "true"
    base = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(repo),
            "RUNNER_TEMP": str(tmp), "QA_BIN": str(BIN / "qa-provenance"),
            "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"), "INPUT_FORMAT": "github",
            **{f"INPUT_{k.upper()}": v for k, v in inputs.items()}}
    steps: dict[str, dict[str, str]] = {}
    logs: list[str] = []
    code = 0
    for step in ("check", "spot", "result"):
        if step == "spot" and not spot:
            continue
        output = tmp / f"output_{step}"
        output.write_text("")
        env = {**base, "GITHUB_OUTPUT": str(output)}
        if step == "result":
            env["QA_CHECK_STATUS"] = steps["check"]["status"]
            env["QA_SPOT_STATUS"] = steps.get("spot", {}).get("status", "")
        done = subprocess.run(["bash", str(PROJECT / "hooks" / "github" / "run.sh"), step],
                              cwd=repo, env=env, capture_output=True, text=True)
        assert step == "result" or done.returncode == 0, done.stderr
        steps[step] = _outputs(output)
        logs.append(done.stdout)
        code = done.returncode
    outputs = {"result": steps["result"]["result"], "failed-files": steps["check"]["failed-files"],
               "report": steps["check"]["report"]}
    return outputs, logs, code


@pytest.mark.parametrize("inputs", [
    {},
    {"paths": "data/rag_eval.jsonl data/faq.csv"},
    {"paths": "datasets/legacy", "fail_on": "warning"},
    {"paths": "data/rag_eval.jsonl data/landmarks_unverified.jsonl", "spot_check": "true"},
    {"paths": "data/rag_evl.jsonl"},
], ids=["failing", "passing", "fail-on-warning", "spot-check", "usage-error"])
def test_the_three_steps_give_what_one_run_gives(example_repo: Path, tmp_path: Path,
                                                 inputs: dict[str, str]) -> None:
    """action.yml runs check, spot and result as steps of their own (GitHub's annotation limit
    is per step); their outputs and outcome are those of the single run."""
    (tmp_path / "one").mkdir()
    (tmp_path / "steps").mkdir()
    whole, outputs, _ = _run_action(example_repo, tmp_path / "one", **inputs)
    split, logs, code = _run_steps(example_repo, tmp_path / "steps", **inputs)
    assert (split["result"], code) == (outputs["result"], whole.returncode)
    assert split["failed-files"] == outputs["failed-files"]
    if inputs.get("spot_check"):
        assert "spot-check" in logs[1] and "spot-check" not in logs[0]


def test_action_yml_runs_the_three_steps() -> None:
    import yaml

    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    runs = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    assert [run.rsplit(" ", 1)[-1] for run in runs[1:]] == ["check", "spot", "result"]
    assert action["outputs"]["result"]["value"] == "${{ steps.result.outputs.result }}"


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(PROJECT / "examples", repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def test_failing_repository_annotations_outputs_summary_and_sarif(example_repo: Path,
                                                                    tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    result, outputs, summary = _run_action(example_repo, tmp_path, sarif_file=str(sarif))
    assert result.returncode == 1
    assert "::error file=data/self_judged.jsonl.provenance.yaml,line=6,title=QP010" in result.stdout
    assert outputs["result"] == "fail"
    assert "data/unlabelled.jsonl" in outputs["failed-files"].splitlines()
    report = json.loads(Path(outputs["report"]).read_text())
    assert report["outcome"] == "fail"
    assert "| " in summary and "data/rag_eval.jsonl" in summary
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


def test_passing_paths_give_result_pass(example_repo: Path, tmp_path: Path) -> None:
    result, outputs, _ = _run_action(example_repo, tmp_path,
                                     paths="data/rag_eval.jsonl data/faq.csv")
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs["result"] == "pass" and outputs["failed-files"] == ""


@pytest.mark.parametrize("inputs, said", [
    ({"paths": "data/rag_evl.jsonl"}, "data/rag_evl.jsonl: no such file or folder"),
    ({"config": "missing.yaml"}, "missing.yaml"),
])
def test_a_usage_or_configuration_error_is_annotated_and_summarised(
        example_repo: Path, tmp_path: Path, inputs: dict[str, str], said: str) -> None:
    """No report is written: the error itself is the annotation and the job summary."""
    result, outputs, summary = _run_action(example_repo, tmp_path, **inputs)
    assert result.returncode == 1 and outputs["result"] == "fail"
    [annotation] = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert annotation.startswith("::error title=qa-provenance usage or configuration error::")
    assert said in annotation and said in result.stderr
    assert summary.startswith("### qa-provenance check: \u274c usage or configuration error")
    assert said in summary


def test_fail_on_warning(example_repo: Path, tmp_path: Path) -> None:
    result, outputs, _ = _run_action(example_repo, tmp_path, paths="datasets/legacy",
                                     fail_on="warning")
    assert outputs["result"] == "fail" and result.returncode == 1


def test_spot_check_without_token_on_a_remote_verifier_is_skipped(example_repo: Path,
                                                                     tmp_path: Path) -> None:
    result, outputs, _ = _run_action(
        example_repo, tmp_path, paths="data/rag_eval.jsonl", spot_check="true",
        verifier_url="https://verifier.example.invalid")
    assert "SKIPPED" in result.stdout + result.stderr
    assert outputs["result"] == "pass", result.stdout + result.stderr


ZIZMOR_TARGETS = ("action.yml", "hooks/github/qa-provenance.yml", ".github/workflows")


def test_zizmor_finds_nothing_in_the_action_and_the_workflows() -> None:
    """Template injection, unpinned actions, excessive permissions, credential persistence: the
    action, the example users copy and our own workflows pass zizmor's offline audits."""
    tool = shutil.which("zizmor") or str(BIN / "zizmor")
    if not Path(tool).exists():
        pytest.skip("zizmor is not installed (a test dependency)")
    done = subprocess.run([tool, "--offline", "--no-progress", "--config",
                           str(PROJECT / ".github" / "zizmor.yml"),
                           *(str(PROJECT / target) for target in ZIZMOR_TARGETS)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout + done.stderr


def test_the_action_never_interpolates_into_a_script() -> None:
    """Every ${{ }} of the action reaches its scripts through env:, never inside run:."""
    import yaml

    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step


def test_the_check_runs_once_and_spot_check_writes_its_own_sarif(example_repo: Path,
                                                                 tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    wrapper = tmp_path / "qa"
    wrapper.write_text(f'#!/bin/sh\necho "$1" >> "{calls}"\nexec "{BIN / "qa-provenance"}" "$@"\n')
    wrapper.chmod(0o755)
    spot_sarif = tmp_path / "spot.sarif"
    _, outputs, _ = _run_action(example_repo, tmp_path, spot_check="true",
                                spot_sarif_file=str(spot_sarif), bin=str(wrapper))
    assert calls.read_text().split() == ["check", "spot-check"]
    assert json.loads(Path(outputs["report"]).read_text())["outcome"] == "fail"
    assert json.loads(spot_sarif.read_text())["runs"][0]["tool"]["driver"]["rules"]


def test_failed_files_keep_one_entry_per_file_whatever_the_name(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    for name in ("data/two\nlines.jsonl", "data/carriage\rreturn.jsonl", "data/plain.jsonl"):
        (repo / name).write_text('{"question": "q?", "answer": "a"}\n')
    result, outputs, _ = _run_action(repo, tmp_path)
    assert result.returncode == 1
    assert sorted(outputs["failed-files"].splitlines()) == [
        "data/carriage\\rreturn.jsonl", "data/plain.jsonl", "data/two\\nlines.jsonl"]


def test_spot_check_writes_the_statement_to_sign(example_repo: Path, tmp_path: Path) -> None:
    statement = tmp_path / "spot-check.intoto.json"
    result, outputs, _ = _run_action(
        example_repo, tmp_path, paths="data/rag_eval.jsonl", spot_check="true",
        attest_statement=str(statement))
    assert outputs["statement"] == str(statement), result.stdout + result.stderr
    written = json.loads(statement.read_text())
    assert written["predicateType"] == "https://qa-provenance.github.io/predicates/spot-check/v1"
    assert [s["name"] for s in written["subject"]] == ["data/rag_eval.jsonl"]
