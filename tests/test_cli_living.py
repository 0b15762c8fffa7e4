"""Living with the command line: a closed pipe, colour choices, no caches, findings in order."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, Runner

from provenance.cli import EXIT_BROKEN_PIPE


def _command() -> list[str]:
    script = Path(sys.executable).with_name("qa-provenance")
    return [str(script)] if script.exists() else [sys.executable, "-m", "provenance"]


@pytest.mark.parametrize("args", ["rules", "profiles", "check"])
def test_a_reader_that_stops_early_ends_the_run_quietly(repo: Repo, args: str) -> None:
    for index in range(400):  # more report than a pipe buffer holds
        repo.jsonl(f"data/part{index:03}.jsonl")
    command = " ".join(shlex.quote(part) for part in [*_command(), args])
    done = subprocess.run(["bash", "-c", f'{command} | head -1; echo "status ${{PIPESTATUS[0]}}"'],
                          cwd=repo.root, capture_output=True, text=True, timeout=120, check=False)
    first, status = done.stdout.splitlines()
    assert first
    assert all(line.startswith(("hint:", " ")) for line in done.stderr.splitlines()), done.stderr
    assert status in ("status 0", "status 1", f"status {EXIT_BROKEN_PIPE}")


def test_broken_pipe_is_its_own_exit_code(repo: Repo) -> None:
    for index in range(400):
        repo.jsonl(f"data/part{index:03}.jsonl")
    read, write = os.pipe()
    os.close(read)  # nobody will ever read: the first write fails
    done = subprocess.run([*_command(), "check"], cwd=repo.root, stdout=write,
                          stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    os.close(write)
    assert done.returncode == EXIT_BROKEN_PIPE
    assert "error" not in done.stderr and "Traceback" not in done.stderr


def _one_finding(repo: Repo) -> None:
    repo.jsonl("data/qa.jsonl")


@pytest.mark.parametrize(("flag", "env", "painted"), [
    ("always", {}, True),
    ("always", {"NO_COLOR": "1"}, True),  # asked for by name: the flag wins
    ("never", {"FORCE_COLOR": "1"}, False),
    ("auto", {"FORCE_COLOR": "1"}, True),
    ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ("auto", {}, False),  # not a terminal
])
def test_color_choice(repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch, flag: str,
                      env: dict[str, str], painted: bool) -> None:
    _one_finding(repo)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run("check", "--color", flag)
    assert result.code == 1
    assert ("\033[" in result.out) is painted


def test_no_cache_reads_and_writes_no_cache(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl")
    assert run("check", "--no-cache").code == 0
    assert not any(p.name.endswith(".json") for p in repo.root.rglob(".qa-provenance-cache/*"))
    assert not any(repo.root.joinpath(".git").rglob("*qa-provenance*"))
    assert run("check").code == 0  # caches on: written now
    cached = sorted(p for p in repo.root.rglob("*") if "qa-provenance" in str(p.parent))
    assert cached


def test_findings_sorted_by_file_then_line(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/b.jsonl")
    repo.jsonl("data/a.jsonl")
    repo.sidecar("data/a.jsonl", validator={"type": "model", "id": "openai/gpt-4o"})
    repo.jsonl("data/a.jsonl", [{"question": "changed?", "answer": "yes"}])  # after stamping
    result = run("check")
    paths = [line.split(":")[0] for line in result.lines]
    assert paths == sorted(paths)
    located = [(line.split(":")[0], int(line.split(":")[1])) for line in result.lines
               if line.split(":")[1].isdigit()]
    assert located == sorted(located)
    assert len(result.lines) == 3  # QP003 and QP010 in a, QP001 in b


@pytest.mark.parametrize("command", ["check", "stamp", "spot-check", "graph", "export", "import",
                                     "serve-verifier"])
def test_help_shows_examples_and_exit_codes(run: Runner, command: str) -> None:
    result = run(command, "--help")
    assert result.code == 0
    assert "examples:\n  qa-provenance " + command.split("-verifier")[0] in result.out
    assert "exit codes: 0 " in result.out
