"""Provenance embedded in a JSON data file, and the canonical form its digest covers.

A file that carries its own record cannot hash its own bytes, so the digest covers the data part:
the top-level object without its ``provenance`` member, serialised canonically (see
docs/where-provenance-lives.md, "The digest of embedded provenance"). Key order and whitespace
therefore do not change the digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

EMBED_KEY = "provenance"


def split_embedded(document: Any) -> tuple[Any, dict[str, Any]] | None:
    """Return (record, data part) when ``document`` is an object with a ``provenance`` member."""
    if not isinstance(document, Mapping) or EMBED_KEY not in document:
        return None
    data = {key: value for key, value in document.items() if key != EMBED_KEY}
    return document[EMBED_KEY], data


def canonical_bytes(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 without escapes, no NaN/Infinity."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_sha256(value: Any) -> str:
    return hashlib.sha256(canonical_bytes(value)).hexdigest()
