"""The two curves and the gap, drawn: a Mermaid ``xychart-beta`` for the GitHub step summary
(GitHub renders Mermaid in Markdown natively) and a PNG through matplotlib (optional extra
``plot``, imported only when a PNG is asked for)."""

from __future__ import annotations

import math
from pathlib import Path

from provenance.evaluation.drift import Model, Round, Sign, row_cells
from provenance.evaluation.intervals import Estimate, z_of

SELF_COLOUR, HELD_OUT_COLOUR, GAP_COLOUR = "#d62728", "#1f77b4", "#7f7f7f"


class PlotUnavailable(Exception):
    """matplotlib is not installed."""


def plotted(model: Model) -> list[Round]:
    """The rounds with both scores: a line in the chart needs a value at every round."""
    return [r for r in model.rounds if r.self_score is not None and r.held_out is not None]


def mermaid(model: Model) -> str:
    """A ```mermaid block: self-generated (red), held-out (blue) and the gap (grey)."""
    rounds = plotted(model)
    selfs = [r.self_score.value for r in rounds if r.self_score is not None]
    helds = [r.held_out.value for r in rounds if r.held_out is not None]
    gaps = [r.gap for r in rounds if r.gap is not None]
    values = [*selfs, *helds, *gaps]
    low = min(0.0, math.floor(min(values, default=0.0) * 10) / 10)
    high = max(1.0, math.ceil(max(values, default=1.0) * 10) / 10)
    title = f"{model.label}: self-generated (red), held-out (blue), gap (grey)"
    lines = [
        "```mermaid",
        "---",
        "config:",
        "  themeVariables:",
        "    xyChart:",
        f'      plotColorPalette: "{SELF_COLOUR}, {HELD_OUT_COLOUR}, {GAP_COLOUR}"',
        "---",
        "xychart-beta",
        f'  title "{_quote(title)}"',
        f'  x-axis "round" [{", ".join(str(r.number) for r in rounds)}]',
        f'  y-axis "{_quote(model.metric or "score")}" {low:g} --> {high:g}',
        f"  line [{_numbers(selfs)}]",
        f"  line [{_numbers(helds)}]",
        f"  line [{_numbers(gaps)}]",
        "```",
    ]
    return "\n".join(lines) + "\n"


def markdown(model: Model, found: list[Sign], z: float, confidence: float) -> str:
    """The step summary's section for one model: the chart, the table, the signs."""
    out = [f"### {model.label}", ""]
    if len(plotted(model)) >= 2:
        out += [mermaid(model)]
    out += [f"| round | self-generated S ({confidence:.0%} interval) | held-out H | gap S - H |",
            "|---:|---|---|---|"]
    out += ["| " + " | ".join(cells) + " |" for cells in (row_cells(r, z) for r in model.rounds)]
    out.append("")
    for sign in found:
        out.append(f"- **QP043 {sign.kind}**: {sign.message}")
    if found:
        out.append("")
    return "\n".join(out) + "\n"


def png(models: list[Model], target: Path, confidence: float) -> None:
    """Each model's S and H with their intervals as bands, and the gap below; PlotUnavailable
    when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: pip install 'qa-provenance[plot]'"
                              ) from None
    z = z_of(confidence)
    shown = [m for m in models if plotted(m)]
    if not shown:
        raise ValueError("no round has both a self-generated and a held-out score to plot")
    figure, axes = plt.subplots(2, len(shown), figsize=(6.4 * len(shown), 6.4), squeeze=False,
                                sharex="col", gridspec_kw={"height_ratios": [2, 1]})
    for column, model in enumerate(shown):
        rounds = plotted(model)
        xs = [r.number for r in rounds]
        top, bottom = axes[0][column], axes[1][column]
        for label, colour, pick in (("self-generated (S)", SELF_COLOUR, _self),
                                    ("held-out (H)", HELD_OUT_COLOUR, _held)):
            ests = [pick(r) for r in rounds]
            top.plot(xs, [e.value for e in ests], marker="o", color=colour, label=label)
            bands = [e.interval(z) for e in ests]
            if all(b is not None for b in bands):
                top.fill_between(xs, [b[0] for b in bands if b], [b[1] for b in bands if b],
                                 color=colour, alpha=0.15, linewidth=0)
        top.set_title(f"{model.label}  (shaded: {confidence:.0%} intervals)")
        top.set_ylabel(model.metric or "score")
        top.legend(loc="best", frameon=False)
        top.grid(alpha=0.3)
        gaps = [r.gap or 0.0 for r in rounds]
        errors = [r.gap_half_width(z) or 0.0 for r in rounds]
        bottom.bar(xs, gaps, yerr=errors, color=GAP_COLOUR, alpha=0.8, capsize=4)
        bottom.axhline(0, color="black", linewidth=0.8)
        bottom.set_ylabel("gap S - H")
        bottom.set_xlabel("round")
        bottom.set_xticks(xs)
        bottom.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)


def _self(r: Round) -> Estimate:
    assert r.self_score is not None  # plotted() keeps rounds with both
    return r.self_score


def _held(r: Round) -> Estimate:
    assert r.held_out is not None
    return r.held_out


def _numbers(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}".rstrip("0").rstrip(".") if v else "0" for v in values)


def _quote(text: str) -> str:
    return text.replace('"', "'")
