"""``--changed-since REF``: the datasets a pull request touches, and what their lineage reaches.

Git says which files changed (committed since the merge base with REF, staged, or modified); the
lineage graph adds the datasets connected to them, so a change upstream re-checks what derives
from it, and a changed training set re-checks what the models it trains have generated or
validated.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from provenance.config import ConfigError
from provenance.lineage.graph import DERIVED, GENERATED, TRAINS, VALIDATES, LineageGraph


class ChangedError(ConfigError):
    """The ref or the repository cannot answer: exit code 2, as for a configuration that cannot
    be used (so the check command need not import this module to catch it)."""


def changed_files(root: Path, ref: str) -> list[str]:
    """Paths (relative to ``root``) changed since the merge base of ``ref`` and HEAD, plus the
    working tree's changes and untracked files."""
    if ref.startswith("-"):
        raise ChangedError(f"{ref}: not a git ref")
    commands = [
        ["git", "diff", "--name-only", "-z", "--relative", f"{ref}...HEAD", "--"],
        ["git", "diff", "--name-only", "-z", "--relative", "HEAD", "--"],
        ["git", "ls-files", "-z", "--others", "--exclude-standard"],
    ]
    found: list[str] = []
    for command in commands:
        try:
            result = subprocess.run(command, cwd=root, capture_output=True, check=False)
        except OSError as exc:
            raise ChangedError(f"cannot run git: {exc.strerror or exc}") from None
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ChangedError(f"git: {message[0] if message else 'failed'} ({ref})")
        found.extend(p for p in result.stdout.decode("utf-8", "surrogateescape").split("\0") if p)
    return list(dict.fromkeys(found))


def lineage_closure(graph: LineageGraph, datasets: Iterable[str]) -> set[str]:
    """Datasets connected to ``datasets``: derived from or into them, and those generated or
    validated by the models they train (and those models' own training data)."""
    forward: dict[str, list[tuple[str, str]]] = {}
    backward: dict[str, list[tuple[str, str]]] = {}
    for edge in graph.edges():
        forward.setdefault(edge.src, []).append((edge.dst, edge.kind))
        backward.setdefault(edge.dst, []).append((edge.src, edge.kind))
    start = [graph.dataset(path) for path in datasets]
    seen = set(start)
    stack = list(start)
    while stack:
        node = stack.pop()
        nexts = []
        if graph.is_model(node):
            nexts += [dst for dst, kind in forward.get(node, ()) if kind in (GENERATED, VALIDATES)]
            nexts += [src for src, kind in backward.get(node, ()) if kind == TRAINS]
        else:
            nexts += [dst for dst, kind in forward.get(node, ()) if kind in (DERIVED, TRAINS)]
            nexts += [src for src, kind in backward.get(node, ()) if kind == DERIVED]
        for other in nexts:
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return {graph.labels.get(n, n[2:]) for n in seen if not graph.is_model(n)}
