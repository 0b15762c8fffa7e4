"""The ``evaluations:`` section of the configuration, with the drift rule's defaults.

Each default's reason is in docs/drift.md; in short:

- ``rounds: 2`` - one rising round is as often noise or the first round's adaptation to the data
  as a trend; two in a row is the shortest trend, and ReST's human-judged quality peaked after one
  round, so waiting for more lets the loop run rounds past the peak.
- ``gap-growth: 0.05`` - five points on a [0, 1] score: smaller gaps are the size of the spread
  between prompt formats of one benchmark and of re-runs with sampling.
- ``held-out-drop: 0.02`` - two points below the best held-out score is a regression people act
  on when comparing checkpoints; the interval test keeps noise out on top of it.
- ``confidence: 0.95`` - the usual level; each change is tested at it.
- ``replace-regime: true`` - training each round only on the previous round's output is the
  setting in which model-collapse work (Shumailov et al. 2024) sees the tails vanish; keeping
  real data alongside (Gerstgrasser et al. 2024) avoids it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from provenance.evaluation.results import DEFAULT_FILE


@dataclass(frozen=True)
class DriftSettings:
    rounds: int = 2
    gap_growth: float = 0.05
    held_out_drop: float = 0.02
    confidence: float = 0.95
    replace_regime: bool = True


@dataclass(frozen=True)
class EvaluationSettings:
    file: str = DEFAULT_FILE
    tasks: Mapping[str, str] = field(default_factory=dict)
    drift: DriftSettings = field(default_factory=DriftSettings)


def from_config(raw: Mapping[str, Any]) -> EvaluationSettings:
    """From the configuration's ``evaluations`` mapping (already checked by its schema)."""
    drift = raw.get("drift") or {}
    defaults = DriftSettings()
    return EvaluationSettings(
        file=raw.get("file") or DEFAULT_FILE,
        tasks=dict(raw.get("tasks") or {}),
        drift=DriftSettings(
            rounds=int(drift.get("rounds", defaults.rounds)),
            gap_growth=float(drift.get("gap-growth", defaults.gap_growth)),
            held_out_drop=float(drift.get("held-out-drop", defaults.held_out_drop)),
            confidence=float(drift.get("confidence", defaults.confidence)),
            replace_regime=bool(drift.get("replace-regime", defaults.replace_regime)),
        ),
    )
