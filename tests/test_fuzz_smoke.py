"""A short run of the fuzz target (fuzz/fuzz_readers.py), so CI exercises it on every change.

Two parts: the hypothesis byte fuzzer in process (always), and atheris in a subprocess when it is
installed (skipped otherwise). QA_FUZZ_SMOKE_SECONDS sets each part's budget (default 10 s);
``make fuzz`` runs the target for ten minutes.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.fuzz

TARGET = Path(__file__).resolve().parent.parent / "fuzz" / "fuzz_readers.py"
SECONDS = float(os.environ.get("QA_FUZZ_SMOKE_SECONDS", "10"))


def _target() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_readers", TARGET)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_seeds_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every seed (the hostile corpus and the examples, each alone and through the whole
    command line) runs without a crash."""
    monkeypatch.delenv("QA_PROVENANCE_DEBUG", raising=False)
    target = _target()
    seeds = target.seed_inputs()
    assert len(seeds) > 100
    for seed in seeds:
        target.one_input(seed)


def test_hypothesis_byte_fuzzer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QA_PROVENANCE_DEBUG", raising=False)
    executions = _target().hypothesis_fuzz(SECONDS, report=lambda line: None)
    assert executions > 0


def test_atheris(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    proc = subprocess.run(
        [sys.executable, str(TARGET), "--seconds", str(max(1, round(SECONDS))),
         "--corpus", str(tmp_path / "corpus"), "--crashes", str(tmp_path / "crashes")],
        capture_output=True, text=True, timeout=SECONDS + 120,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Done" in proc.stderr or "DONE" in proc.stderr, proc.stderr[-2000:]
