"""Drift across self-training rounds: the self-generated score S_r parting from the held-out H_r.

For each model, the results of each round are pooled per class (``intervals.pooled``) into S_r
and H_r; the gap is G_r = S_r - H_r. Three signs, each reported once per model at the latest round
that shows it:

- *gap growth*: G rises at each of ``rounds`` consecutive rounds and by more than ``gap-growth``
  in all, and that rise is larger than the intervals of the two gaps combined;
- *held-out decline*: H_r is more than ``held-out-drop`` below the best earlier H while S_r is
  above the S of that round, both changes larger than their combined intervals;
- *replace regime*: a round (after round 0) trained only on model-generated data.

Pure: the rounds go in, the table and the signs come out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from provenance.evaluation.classify import Classified
from provenance.evaluation.intervals import Estimate, combined, estimate, pooled, z_of
from provenance.evaluation.results import HELD_OUT, SELF_GENERATED
from provenance.evaluation.settings import DriftSettings

GAP, HELD_OUT_DECLINE, REPLACE = "gap-growth", "held-out-decline", "replace-regime"


@dataclass(frozen=True)
class Round:
    number: int
    self_score: Estimate | None
    held_out: Estimate | None
    trained_on: tuple[str, ...] = ()
    generated_only: bool | None = None  # every training dataset is model output
    line: int | None = None  # the first result of the round in the results file

    @property
    def gap(self) -> float | None:
        if self.self_score is None or self.held_out is None:
            return None
        return self.self_score.value - self.held_out.value

    def gap_half_width(self, z: float) -> float | None:
        if self.self_score is None or self.held_out is None:
            return None
        return combined(self.self_score.half_width(z), self.held_out.half_width(z))


@dataclass(frozen=True)
class Model:
    """One model's rounds, in order."""

    label: str  # as the results spell it
    key: str  # as the registry keys it
    metric: str  # the metrics pooled, e.g. "acc" or "acc, exact_match"
    rounds: tuple[Round, ...]


@dataclass(frozen=True)
class Sign:
    kind: str
    model: str
    round: int
    message: str
    line: int | None = None


def models(classified: Iterable[Classified], key: Callable[[str], str],
           generated: Callable[[str], bool | None]) -> list[Model]:
    """Results grouped by model (as the registry keys it) and round; results of no class or with
    a provenance problem are left out, since their class cannot be trusted."""
    groups: dict[str, dict[int, list[Classified]]] = {}
    labels: dict[str, str] = {}
    for item in classified:
        model = key(item.result.model)
        labels.setdefault(model, item.result.model)
        groups.setdefault(model, {}).setdefault(item.result.round, []).append(item)
    out = []
    for model, by_round in sorted(groups.items(), key=lambda kv: labels[kv[0]]):
        rounds = []
        metrics: list[str] = []
        for number in sorted(by_round):
            items = by_round[number]
            usable = [i for i in items if i.cls is not None and not i.issues]
            for item in usable:
                if item.result.metric not in metrics:
                    metrics.append(item.result.metric)
            trained = tuple(dict.fromkeys(p for i in items for p in i.result.trained_on))
            rounds.append(Round(
                number,
                pooled(_estimate(i) for i in usable if i.cls == SELF_GENERATED),
                pooled(_estimate(i) for i in usable if i.cls == HELD_OUT),
                trained,
                _generated_only([generated(p) for p in trained]),
                min((i.result.line for i in items if i.result.line is not None), default=None),
            ))
        out.append(Model(labels[model], model, ", ".join(metrics), tuple(rounds)))
    return out


def _generated_only(kinds: list[bool | None]) -> bool | None:
    """A round's training data: model output only (True), some real data (False), or not known
    (None: nothing recorded, or a dataset whose makers cannot be told)."""
    if False in kinds:
        return False
    if kinds and all(kind is True for kind in kinds):
        return True
    return None


def signs(model: Model, settings: DriftSettings) -> list[Sign]:
    z = z_of(settings.confidence)
    found = [sign for sign in (_gap_growth(model, settings, z),
                               _held_out_decline(model, settings, z)) if sign is not None]
    if settings.replace_regime:
        found += _replace(model)
    return found


def _gap_growth(model: Model, settings: DriftSettings, z: float) -> Sign | None:
    k = settings.rounds
    rounds = model.rounds
    latest: Sign | None = None
    for end in range(k, len(rounds)):
        start = end - k
        if not _growing(rounds[start:end + 1]):
            continue
        first, last = rounds[start], rounds[end]
        rise = (last.gap or 0.0) - (first.gap or 0.0)
        noise = combined(first.gap_half_width(z), last.gap_half_width(z))
        if noise is None or rise <= settings.gap_growth or rise <= noise:
            continue
        while start > 0 and _growing(rounds[start - 1:start + 1]):  # say the whole run
            start -= 1
        first = rounds[start]
        assert first.self_score and first.held_out and last.self_score and last.held_out
        latest = Sign(GAP, model.label, last.number, (
            f"'{model.label}': the gap between self-generated and held-out scores grew in each "
            f"of {end - start} rounds, from {first.gap or 0.0:+.3f} (round {first.number}) to "
            f"{last.gap or 0.0:+.3f} (round {last.number}); over the last {k} rounds +{rise:.3f}, "
            f"beyond {settings.gap_growth:g} and the {settings.confidence:.0%} interval "
            f"±{noise:.3f}; self-generated {first.self_score.value:.3f} -> "
            f"{last.self_score.value:.3f}, held-out {first.held_out.value:.3f} -> "
            f"{last.held_out.value:.3f}: the model is learning its own tests"), last.line)
    return latest


def _growing(window: Sequence[Round]) -> bool:
    """Consecutive round numbers, both scores in each, and the gap rising at every step."""
    gaps = [r.gap for r in window]
    if any(g is None for g in gaps):
        return False
    if any(b.number != a.number + 1 for a, b in zip(window, window[1:])):
        return False
    return all((b or 0.0) > (a or 0.0) for a, b in zip(gaps, gaps[1:]))


def _held_out_decline(model: Model, settings: DriftSettings, z: float) -> Sign | None:
    latest: Sign | None = None
    best: Round | None = None
    for current in model.rounds:
        h, s = current.held_out, current.self_score
        if best is not None and h is not None and s is not None:
            assert best.held_out is not None and best.self_score is not None
            drop = best.held_out.value - h.value
            rise = s.value - best.self_score.value
            drop_noise = combined(best.held_out.half_width(z), h.half_width(z))
            rise_noise = combined(best.self_score.half_width(z), s.half_width(z))
            if drop_noise is not None and rise_noise is not None \
                    and drop > settings.held_out_drop and drop > drop_noise \
                    and rise > 0 and rise > rise_noise:
                latest = Sign(HELD_OUT_DECLINE, model.label, current.number, (
                    f"'{model.label}': held-out score fell to {h.value:.3f} in round "
                    f"{current.number}, {drop:.3f} below its best ({best.held_out.value:.3f}, "
                    f"round {best.number}; beyond {settings.held_out_drop:g} and the "
                    f"{settings.confidence:.0%} interval ±{drop_noise:.3f}), while the "
                    f"self-generated score rose from {best.self_score.value:.3f} to "
                    f"{s.value:.3f}"), current.line)
        if h is not None and s is not None and (best is None or best.held_out is None
                                                or h.value > best.held_out.value):
            best = current
    return latest


def _replace(model: Model) -> list[Sign]:
    hits = [r for r in model.rounds if r.number > 0 and r.generated_only is True]
    if not hits:
        return []
    last = hits[-1]
    rounds = ", ".join(str(r.number) for r in hits)
    return [Sign(REPLACE, model.label, last.number, (
        f"'{model.label}': round{'s' if len(hits) > 1 else ''} {rounds} trained only on "
        f"model-generated data (round {last.number}: {', '.join(last.trained_on)}): no real data "
        "kept alongside, the "
        "regime in which model collapse sets in"), last.line)]


def _estimate(item: Classified) -> Estimate:
    result = item.result
    return estimate(result.score, result.n, result.stderr)


def row_cells(round_: Round, z: float) -> list[str]:
    """round, S [interval] n, H [interval] n, gap ± half-width: the table's cells."""
    def cell(est: Estimate | None) -> str:
        if est is None:
            return "-"
        bounds = est.interval(z)
        interval = f" [{bounds[0]:.3f}, {bounds[1]:.3f}]" if bounds else ""
        return f"{est.value:.3f}{interval} n={est.n}"

    gap = round_.gap
    half = round_.gap_half_width(z)
    gap_text = "-" if gap is None else f"{gap:+.3f}" + (f" ±{half:.3f}" if half else "")
    return [str(round_.number), cell(round_.self_score), cell(round_.held_out), gap_text]


def table_rows(model: Model, z: float) -> Sequence[list[str]]:
    return [row_cells(r, z) for r in model.rounds]
