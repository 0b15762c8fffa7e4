"""Hugging Face model cards in the repository: their front matter feeds the model registry.

A ``README.md`` whose YAML front matter has ``base_model`` describes a model the team built; its
base and training data make it a derivative that the independence rules must see.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from provenance.identity.registry import entry_from_model_card
from provenance.reading.documents import LoadError, load_yaml

CARD_NAME = "README.md"
MAX_CARD_BYTES = 1 << 20


def front_matter(text: str) -> Any:
    """The YAML between a leading ``---`` line and the next ``---`` line, or None."""
    if not text.startswith("---"):
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            try:
                return load_yaml("\n".join(lines[1:index])).data
            except LoadError:
                return None
    return None


def card_model_id(meta: dict[str, Any], relpath: str) -> str:
    """The card's own name for its model: ``model_id``, ``model_name``, the first
    ``model-index`` name, else its folder's name."""
    for key in ("model_id", "model_name"):
        if isinstance(meta.get(key), str) and meta[key].strip():
            return str(meta[key]).strip()
    index = meta.get("model-index")
    if isinstance(index, list) and index and isinstance(index[0], dict) \
            and isinstance(index[0].get("name"), str):
        return str(index[0]["name"])
    folder = posixpath.dirname(relpath)
    return posixpath.basename(folder) or "model"


def load_cards(root: Path, relpaths: Iterable[str]) -> list[Any]:
    """Registry entries from every model card among ``relpaths`` (README.md files)."""

    entries = []
    for relpath in relpaths:
        if posixpath.basename(relpath) != CARD_NAME:
            continue
        path = root / relpath
        try:
            if path.stat().st_size > MAX_CARD_BYTES:
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                head = handle.read(MAX_CARD_BYTES)
        except OSError:
            continue
        meta = front_matter(head)
        if not isinstance(meta, dict) or "base_model" not in meta:
            continue
        entry = entry_from_model_card(meta, card_model_id(meta, relpath), relpath)
        if entry is not None:
            entries.append(entry)
    return entries
