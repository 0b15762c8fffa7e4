"""A check at a terminal: each file's findings as soon as they are decided, a progress line in
bytes on standard error, every finding shown once; Ctrl-C ends the run at once."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Repo

COMMAND = [sys.executable, "-m", "provenance"]


def on_a_terminal(args: list[str], cwd: Path, timeout: float = 120) -> str:
    """Run the CLI with stdout and stderr on a pseudo-terminal; everything it wrote."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("CI", None)
    process = subprocess.Popen([*COMMAND, *args], cwd=cwd, stdout=follower, stderr=follower,
                               stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_findings_stream_once_with_progress(repo: Repo) -> None:
    for index in range(5):
        repo.jsonl(f"data/part{index}.jsonl")
    repo.jsonl("data/ok.jsonl")
    repo.sidecar("data/ok.jsonl")
    text = on_a_terminal(["check", "--color", "never"], repo.root)
    for index in range(5):
        assert text.count(f"data/part{index}.jsonl: QP001 no provenance record") == 1, text
    assert "qa-provenance: 6 data files checked, 5 errors" in text
    assert text.index("data/part4.jsonl: QP001") < text.index("qa-provenance: 6 data files")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_ends_a_long_check_at_once(repo: Repo) -> None:
    big = repo.path("data/big.jsonl")
    big.parent.mkdir(parents=True)
    # Records that name their own agents are scanned one by one: seconds of work for 2M of them.
    line = (b'{"query": "Which?", "query_by": {"model_name": "gpt-4o", "type": "ai"}, '
            b'"reference_answer": "That one.", "reference_answer_by": '
            b'{"model_name": "claude-3-5-haiku", "type": "ai"}}\n')
    with open(big, "wb") as handle:
        for _ in range(64):
            handle.write(line * 32768)
    process = subprocess.Popen([*COMMAND, "check", "--no-cache"], cwd=repo.root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    elapsed = time.monotonic() - started
    assert process.returncode == 130, err
    assert b"interrupted" in err and b"Traceback" not in err
    assert elapsed < 10  # generous: the point is not waiting for the pass to end
