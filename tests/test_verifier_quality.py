"""The local verifier against the labelled sets of issue 12, on the half it was not tuned on.

The sets are built from real SQuAD v2 and HotpotQA samples by ``bench/verifier_sets.py``; the
verifier was tuned on the ``build`` half (even paragraphs) only. ``bench/verifier_quality.py``
prints the whole table; this asserts it on the ``held`` half. No timing here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "tests" / "fixtures" / "verifier_sets"


def bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def held() -> dict[str, float]:
    quality = bench("verifier_quality")
    return {row.name: row.share for row in quality.measure(SETS) if row.half == "held"}


def test_the_sets_are_what_the_script_builds_from_the_real_samples() -> None:
    sets = bench("verifier_sets")
    files = sets.render(*sets.build(ROOT / "tests" / "fixtures" / "real"))
    for name, text in files.items():
        assert (SETS / name).read_text("utf-8") == text, name
    assert sorted(files) == sorted(p.name for p in SETS.iterdir() if p.suffix != ".md")


@pytest.mark.parametrize(("name", "most"), [
    ("gold", 0.05), ("unanswerable", 0.05), ("paraphrase", 0.25),
])
def test_correct_answers_are_rarely_flagged(held: dict[str, float], name: str,
                                            most: float) -> None:
    assert held[name] <= most


@pytest.mark.parametrize(("name", "least"), [
    ("in-context wrong", 0.40),  # plausible answers, same-paragraph swaps, distractor titles
    ("swap", 0.40), ("distractor", 0.40),
    ("changed facts", 0.85),  # changed_in + changed_out
    ("changed_out", 0.85),
])
def test_wrong_answers_are_caught(held: dict[str, float], name: str, least: float) -> None:
    assert held[name] >= least


@pytest.mark.parametrize(("name", "floor"), [
    # Below the targets (40% and 85%) on their own: a lexical check cannot see most of
    # these (see docs/verifier-quality.md). Floors a little under today's held-out rates guard
    # against regressions only.
    ("plausible", 0.20), ("changed_in", 0.60), ("changed_near", 0.15),
    ("missing_evidence", 0.80),
])
def test_what_the_local_check_catches_only_in_part(held: dict[str, float], name: str,
                                                   floor: float) -> None:
    assert held[name] >= floor
