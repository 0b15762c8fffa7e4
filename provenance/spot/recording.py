"""``spot-check --record``: the verdict appended to the file's provenance, as provenance.

Only provenance files are written (a sidecar, or the file's subject in its manifest), atomically;
embedded provenance lives in the data file, so it is reported instead of written.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provenance.fs.lock import locked
from provenance.reading.documents import LoadError, load_file
from provenance.reading.locate import Locator
from provenance.stamping.write import write_provenance


def verification_entry(report: Any, kind: str, verifier_id: str,
                       seed: str | Mapping[str, str], time: str) -> dict[str, Any]:
    """The entry ``--record`` appends. ``seed``: the seed's kind and, for a public seed, who chose
    it and its value (``SpotSettings.seed_record``); the sample key is never written."""
    plan = report.plan
    seeds = {"seed": seed} if isinstance(seed, str) else dict(seed)
    return {
        "verifier": verifier_id,
        "kind": kind,
        "time": time,
        "digest": {"sha256": report.digest},
        "result": report.result,
        **seeds,
        "population": report.population,
        "n": plan.n,
        "acceptance": plan.acceptance,
        "flags": len(report.flags),
        "missing": report.missing,
        "max_flag_rate": plan.max_flag_rate,
        "confidence": plan.confidence,
        "upper_bound": round(report.upper_bound, 6),
        "claim": report.claim,
    }


def record(locator: Locator, relpath: str, embedded: Any, entry: Mapping[str, Any]) -> str:
    """Append ``entry``; returns what was done, for the report."""
    claims = locator.claims(relpath, embedded)
    if not claims:
        return "not recorded: the file has no provenance (stamp it first)"
    top = max(claims, key=lambda c: c.level)
    if top.kind == "embedded":
        return "not recorded: its provenance is embedded in the data file, which is never written"
    target = locator.root / top.source
    try:
        with locked(target.parent):
            return _append(target, top, relpath, entry)
    except OSError as exc:
        return f"not recorded: cannot write {top.source}: {exc.strerror or exc}"


def _append(target: Path, top: Any, relpath: str, entry: Mapping[str, Any]) -> str:
    """Read, append, write: under the lock, so concurrent runs keep each other's entries."""
    try:
        document = load_file(target).data
    except LoadError as exc:
        return f"not recorded: {top.source}: {exc.message}"
    if top.kind == "sidecar":
        if not isinstance(document, dict):
            return f"not recorded: {top.source} is not a mapping"
        document.setdefault("verifications", []).append(dict(entry))
    else:
        index = int(top.prefix[1])
        directory = posixpath.dirname(top.source)
        key = relpath[len(directory) + 1:] if directory else relpath
        subject = (document["datasets"][index].get("subjects") or {}).get(key)
        if not isinstance(subject, dict):
            return f"not recorded: {top.source} has no subject for it (stamp it first)"
        subject.setdefault("verifications", []).append(dict(entry))
    write_provenance(target, document)
    return f"recorded in {top.source}"

