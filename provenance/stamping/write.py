"""Writing provenance files (never data files): serialised as their format wants, atomically.

Shared by ``stamp`` and ``spot-check --record``. A YAML file that exists is edited, not rewritten:
ruamel.yaml's round-trip mode keeps the user's comments, key order and quoting, and only the
values that changed are replaced, and CRLF line endings stay CRLF. A new YAML file is written
with PyYAML.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provenance.fs.atomic import remove_leftovers, write_atomic
from provenance.reading.locate import SIDECAR_SUFFIXES, is_manifest


def write_provenance(target: Path, data: Any) -> None:
    """Callers hold the folder lock (``file_lock``), so leftovers of killed writes can go."""
    if not (target.name.endswith(SIDECAR_SUFFIXES) or is_manifest(target.name)):
        raise ValueError(f"{target}: refusing to write a file that is not a provenance file")
    remove_leftovers(target)
    write_atomic(target, serialise(target, data))


def serialise(target: Path, data: Any) -> bytes:
    if target.suffix == ".json":
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if target.is_file():
        edited = _round_trip(target, data)
        if edited is not None:
            return edited
    import yaml

    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)
    return text.encode("utf-8")


def _round_trip(target: Path, data: Any) -> bytes | None:
    """The existing file with ``data``'s changes applied in place; None when it cannot be read
    as YAML (then it is written afresh)."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML()  # round-trip: comments, order and quoting survive
    yaml.preserve_quotes = True
    yaml.width = 4096
    try:
        raw = target.read_bytes()
        text = raw.decode("utf-8").replace("\r\n", "\n")
        document = yaml.load(text)
    except (OSError, UnicodeDecodeError, YAMLError):
        return None
    end = raw.find(b"\n")
    crlf = end > 0 and raw[end - 1 : end] == b"\r"  # as a Windows editor saved it
    offset = _sequence_offset(text)
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    if not isinstance(document, dict) or not isinstance(data, dict):
        return None
    _apply(document, data)
    out = io.StringIO()
    yaml.dump(document, out)
    edited = out.getvalue()
    return (edited.replace("\n", "\r\n") if crlf else edited).encode("utf-8")


def _sequence_offset(text: str) -> int:
    """How far the file indents a list's dashes under their key ("  - " is 2, "- " is 0)."""
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("- ") and line != stripped:
            return len(line) - len(stripped)
        if stripped.startswith("- "):
            return 0
    return 2


def _apply(old: Any, new: Any) -> Any:
    """``new``'s content in ``old``'s container, keeping what did not change as it was written."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = _apply(old[key], value) if key in old else value
        return old
    if isinstance(old, list) and isinstance(new, list) and len(old) <= len(new):
        for index, value in enumerate(new):
            if index < len(old):
                old[index] = _apply(old[index], value)
            else:
                old.append(value)
        return old
    if type(old) is type(new) and old == new:
        return old  # the scalar as written: its quoting and style stay
    if isinstance(old, str) and isinstance(new, str) and old == new:
        return old
    return new
