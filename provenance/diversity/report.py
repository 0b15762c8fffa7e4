"""``qa-provenance stats`` output: a text table, a JSON document, or Markdown for the GitHub step
summary with Mermaid ``xychart-beta`` bar charts (GitHub renders them natively)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from provenance.diversity.summary import Summary
from provenance.diversity.text import WH_TYPES

NONE = "-"
FIFTHS = ("0-20%", "20-40%", "40-60%", "60-80%", "80-100%")


def _pct(value: float | None, estimated: bool = False) -> str:
    return NONE if value is None else f"{'~' if estimated else ''}{value:.1%}"


def _types(summary: Summary) -> str:
    if not summary.questions:
        return NONE
    top = sorted(((n, t) for t, n in summary.types.items() if n), reverse=True)[:3]
    return " ".join(f"{t} {n / summary.questions:.0%}" for n, t in top)


def _generator(summary: Summary) -> str:
    if summary.generator is None or summary.generator_share is None:
        return NONE
    return f"{summary.generator} {summary.generator_share:.0%}"


COLUMNS = ("path", "questions", "dup", "near-dup", "distinct-2", "types", "contexts", "gini",
           "answers@start", "generator")


def _row(summary: Summary) -> list[str]:
    est = summary.estimated
    contexts = NONE if not summary.with_context else f"{'~' if est else ''}{summary.contexts:.0f}"
    gini = NONE if summary.context_gini is None else f"{summary.context_gini:.2f}"
    start = NONE if summary.at_start is None else \
        f"{summary.at_start:.0%} of {summary.located}"
    path = summary.path + ("/" if summary.files > 1 else "")
    return [path, str(summary.questions), _pct(summary.exact_duplicate_rate, est),
            _pct(summary.near_duplicate_rate, est), _pct(summary.distinct_2, est),
            _types(summary), contexts, gini, start, _generator(summary)]


def text(files: Sequence[Summary], folders: Sequence[Summary], notes: Sequence[str]) -> str:
    if not files:
        return "".join(f"note: {note}\n" for note in notes) + "no questions to measure\n"
    rows = [list(COLUMNS), *(_row(s) for s in (*files, *folders))]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += [f"note: {note}" for note in notes]
    if any(s.estimated for s in (*files, *folders)):
        lines.append("~: estimated from bounded sketches (see docs/diversity.md)")
    return "\n".join(lines) + "\n"


def as_json(files: Sequence[Summary], folders: Sequence[Summary], notes: Sequence[str]) -> str:
    document = {"files": [s.as_dict() for s in files],
                "folders": [s.as_dict() for s in folders], "notes": list(notes)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _chart(title: str, labels: Sequence[str], values: Sequence[int], unit: str) -> list[str]:
    top = max([*values, 1])
    quoted = ", ".join(f'"{label}"' for label in labels)
    return ["```mermaid", "xychart-beta", f'    title "{title}"', f"    x-axis [{quoted}]",
            f'    y-axis "{unit}" 0 --> {top}', f"    bar [{', '.join(map(str, values))}]",
            "```"]


def markdown(files: Sequence[Summary], folders: Sequence[Summary], notes: Sequence[str]) -> str:
    """The table, then two charts for the whole run: question types and answer positions."""
    lines = ["### qa-provenance stats: source diversity", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cell(c) for c in _row(s)) + " |" for s in (*files, *folders)]
    types = [sum(s.types.get(t, 0) for s in files) for t in WH_TYPES]
    positions = [sum(s.positions[i] for s in files) for i in range(len(FIFTHS))]
    if sum(types):
        lines += ["", *_chart("Question types", WH_TYPES, types, "questions")]
    if sum(positions):
        lines += ["", *_chart("Where answers sit in their context", FIFTHS, positions,
                                  "answers")]
    lines += [f"\n> {_cell(note)}" for note in notes]
    return "\n".join(lines) + "\n"
