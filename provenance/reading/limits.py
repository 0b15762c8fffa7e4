"""How much of a file the readers accept: the bounds that keep memory and time in check.

Data files stream record by record, so their size is not limited; a single record is (a JSONL
line, a CSV/TSV line or field, a JSON array item, a Parquet or Arrow cell), as is a JSON document
whose top level is an object (read whole), and what a compressed file expands to (a bomb).
Provenance files are small by nature and are capped far lower.
Every limit is a setting (``limits:`` in the configuration); docs/limits.md lists them.

The limits in force are set once per run (``use``) and passed to worker processes through the
environment (``environment``), which they read when first asked (``current``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

MIB = 1 << 20
ENV = "QA_PROVENANCE_LIMITS"


@dataclass(frozen=True)
class Limits:
    record_bytes: int = 16 * MIB  # JSONL line, CSV/TSV line or field, JSON item, Parquet/Arrow cell
    json_document_bytes: int = 64 * MIB  # a JSON data file whose top level is an object
    provenance_bytes: int = 1 * MIB  # a sidecar (YAML or JSON) or a configuration file
    manifest_bytes: int = 8 * MIB  # a directory manifest (provenance.yaml)
    manifest_subjects: int = 25_000  # stamped subjects in one manifest
    provenance_nodes: int = 250_000  # YAML nodes of one provenance document, before aliases
    alias_nodes: int = 100_000  # nodes YAML aliases may add once expanded
    # What one compressed data file (.gz, .zst) may expand to: a bomb of blank lines costs about
    # 5 s a GiB to count, and a file of that size about as much to check.
    decompressed_bytes: int = 1024 * MIB

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> Limits:
        """From the configuration's ``limits:`` mapping (its keys spelled with dashes)."""
        if not settings:
            return cls()
        names = {field.name.replace("_", "-"): field.name for field in fields(cls)}
        return cls(**{names[key]: int(value) for key, value in settings.items()
                      if key in names})


_current: Limits | None = None


def use(limits: Limits) -> None:
    """The limits for the rest of this run (and for the worker processes it starts)."""
    global _current
    _current = limits


def current() -> Limits:
    global _current
    if _current is None:
        _current = _from_environment()
    return _current


def environment() -> dict[str, str]:
    """What a worker process needs in its environment to read with the same limits."""
    return {ENV: json.dumps(asdict(current()))}


def _from_environment() -> Limits:
    try:
        values = json.loads(os.environ.get(ENV, "{}"))
        return Limits(**{k: int(v) for k, v in values.items()
                         if k in {f.name for f in fields(Limits)}})
    except (ValueError, TypeError):
        return Limits()


def describe(size: int) -> str:
    """``16 MiB`` for a whole number of MiB (``1 GiB`` of GiB), else bytes."""
    if size >= 1024 * MIB and size % (1024 * MIB) == 0:
        return f"{size // (1024 * MIB)} GiB"
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"
