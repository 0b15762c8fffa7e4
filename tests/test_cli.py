"""The command line: subcommands, output shape, exit codes, no tracebacks, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, Runner, jsonl_bytes

from provenance import __version__
from provenance.rules import ALL_RULES


def test_version(run: Runner, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("--version")
    assert result.code == 0
    assert result.out == f"qa-provenance {__version__}\n"


def test_a_command_is_required(run: Runner) -> None:
    result = run()
    assert result.code == 2
    assert "required" in result.err


def test_rules_table_lists_every_rule(run: Runner) -> None:
    result = run("rules")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "| code | name | default | what it catches | page |"
    for rule in ALL_RULES:
        assert (f"| {rule.code} | {rule.name} | {rule.default.value} | {rule.summary} "
                f"| [{rule.code}]({rule.code}.md) |") in lines


def test_quiet_hides_the_summary_only_when_all_pass(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl")
    assert run("check", "-q").out == ""
    repo.jsonl("data/other.jsonl")
    result = run("check", "-q")
    assert result.summary == "qa-provenance: 2 data files checked, 1 error"


def test_verbose_lists_passing_files(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl")
    repo.jsonl("data/other.jsonl")
    result = run("check", "-v")
    assert "data/train.jsonl: ok (generator" in result.out
    assert "data/other.jsonl: ok" not in result.out


def test_findings_on_stdout_usage_errors_on_stderr(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    result = run("check")
    assert all(line.startswith(("hint:", " ")) for line in result.err.splitlines())  # advice
    assert result.out.count("\n") == 2
    result = run("check", "/")
    assert result.out == ""
    assert result.err.count("\n") == 1


def test_no_traceback_for_a_repository_full_of_bad_input(repo: Repo, run: Runner) -> None:
    """One of everything that can go wrong, checked together: findings, never a crash."""
    repo.write("data/empty.jsonl", b"")
    repo.write("data/binary.jsonl", bytes(range(256)) * 4)
    repo.write("data/truncated.jsonl", jsonl_bytes() + b'{"question": "Wh')
    repo.write("data/broken.csv", b'question,answer\n"unterminated,x\n')
    repo.write("data/bad.json", b'{"provenance": {"generator": 1}, "examples": [')
    repo.write("data/nan.json", b'{"provenance": {}, "examples": [NaN]}')
    repo.write("data/list.json", json.dumps({"provenance": [1, 2], "examples": []}))
    repo.write("data/fake.parquet", b"PAR1 garbage PAR1")
    repo.write("data/lfs.jsonl", b"version https://git-lfs.github.com/spec/v1\nsize 3\n")
    repo.jsonl("data/ok.jsonl")
    repo.write("data/ok.jsonl.provenance.yaml", "generator: !!python/object:os.system {}\n")
    repo.jsonl("data/keys.jsonl")
    repo.write("data/keys.jsonl.provenance.yaml", "1: x\non: y\n? [a]\n: b\n")
    repo.jsonl("data/types.jsonl")
    repo.write("data/types.jsonl.provenance.json", '{"generator": [], "validator": {"id": 3},'
                                                   ' "digest": "abc", "records": "many"}')
    repo.jsonl("data/bomb.jsonl")
    repo.write("data/bomb.jsonl.provenance.yaml", "a: &a [*a]\n")
    repo.jsonl("data/scalar.jsonl")
    repo.write("data/scalar.jsonl.provenance.yaml", "just a string\n")
    repo.write("data/gone.jsonl.provenance.yaml", "")
    repo.jsonl("data/sub/x.jsonl")
    repo.write("data/sub/provenance.yaml", "datasets:\n  - files: '[z-a]'\n")
    repo.jsonl("other/y.jsonl")
    repo.write("other/provenance.yaml", "datasets: {files: x}\n")
    result = run("check")
    assert result.code == 1
    assert {"QP001", "QP002", "QP006", "QP020"} <= result.codes()
    assert all(": QP" in line for line in result.lines), result.out
    result = run("stamp", "data/ok.jsonl", "data/binary.jsonl", "data/keys.jsonl",
                 "--generator", "gpt-4o", "--validator", "human:Jane")
    assert result.code == 2


def test_stamp_usage_errors(run: Runner, repo: Repo) -> None:
    assert run("stamp").code == 2
    assert run("stamp", "x.jsonl", "--method").code == 2


LAZY_PROBE = """
import sys
from provenance.cli import main
code = main(["check", *sys.argv[1:]])
heavy = sorted(m for m in ("yaml", "jsonschema", "referencing", "provenance.identity.spelling",
                           "provenance.reading.schema") if m in sys.modules)
print(code, ",".join(heavy))
"""


@pytest.mark.parametrize("args", [["README.txt"], ["README.txt", "src/app.py"], []])
def test_a_run_without_datasets_imports_neither_yaml_nor_jsonschema(tmp_path: Path,
                                                                    args: list[str]) -> None:
    (tmp_path / "README.txt").write_text("Not a dataset.\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n")
    (tmp_path / ".git").mkdir()
    done = subprocess.run([sys.executable, "-c", LAZY_PROBE, *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert all(line.startswith("note: ") for line in done.stderr.splitlines()), done.stderr
    summary, result = done.stdout.splitlines()
    assert summary == "qa-provenance: 0 data files checked, all passed"
    assert result == "0 "


def test_console_script_end_to_end(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "train.jsonl").write_bytes(jsonl_bytes())
    script = Path(sys.executable).with_name("qa-provenance")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "provenance"]
    done = subprocess.run([*command, "check", "train.jsonl"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stdout.startswith("train.jsonl: QP001 ")
    assert done.stderr.startswith("hint: add provenance with: qa-provenance stamp train.jsonl ")


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "provenance", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert done.stdout.strip() == f"qa-provenance {__version__}"
