"""Safe loading of provenance and configuration documents, keeping line numbers.

Provenance files are written by many hands, so loading must be safe (no object construction, no
alias bombs, no silent duplicate keys) and every later error must point at a line. YAML goes
through PyYAML's safe loader (the libyaml C one when present); JSON through the standard library.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

# How large a document may be, and how many nodes its aliases may add: ``limits``.

class LoadError(Exception):
    """A document that cannot be loaded; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Document:
    data: Any
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Line of the deepest known node on ``path`` (keys as strings, indexes as ints)."""
        parts = tuple(path)
        while True:
            line = self.lines.get(parts)
            if line is not None:
                return line
            if not parts:
                return None
            parts = parts[:-1]


def load_file(path: Path, *, max_bytes: int | None = None,
              setting: str = "provenance-bytes") -> Document:
    """Load a ``.json`` file as JSON and anything else as YAML; a file larger than ``max_bytes``
    (default: the ``provenance-bytes`` limit) is refused before it is parsed, since parsing
    costs about a hundred times the file's size in memory."""
    from provenance.reading import limits

    if max_bytes is None:
        max_bytes = limits.current().provenance_bytes
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)  # a file that grows meanwhile is still bounded
            if len(raw) > max_bytes:
                size = max(os.fstat(handle.fileno()).st_size, len(raw))
                raise LoadError(f"file is {size} bytes, larger than the limit of "
                                f"{limits.describe(max_bytes)} (limits: {setting})")
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not valid UTF-8 at byte {exc.start}") from None
    if path.suffix == ".json":
        return load_json(text)
    return load_yaml(text)


def load_json(text: str) -> Document:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise LoadError(f"duplicate key '{key}'")
            out[key] = value
        return out

    def reject_constant(name: str) -> Any:
        raise LoadError(f"{name} is not valid JSON")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        raise LoadError(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise LoadError(f"invalid JSON: {_first_clause(exc)}") from None
    except RecursionError:
        raise LoadError("JSON nested too deeply") from None
    return Document(data)


# Documents up to this size are composed at once: they cannot hold enough nodes to matter.
_COUNT_NODES_FROM = 256 * 1024


def load_yaml(text: str) -> Document:
    import yaml

    if len(text) > _COUNT_NODES_FROM:
        _check_node_count(text)
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None)
        lines = _inspect_nodes(node, aliases="*" in text)  # an alias is spelled *name
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise LoadError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:  # e.g. a reader error: the message's first line says it
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"invalid YAML: {reason}") from None
    except ValueError as exc:  # a constructor's conversion, e.g. an integer of 5,000 digits
        raise LoadError(f"invalid YAML: {_first_clause(exc)}") from None
    except RecursionError:
        raise LoadError("YAML nested too deeply") from None
    finally:
        loader.dispose()
    return Document(data, lines)


def _check_node_count(text: str) -> None:
    """Refuse a document of more nodes than the ``provenance-nodes`` limit before any is built:
    composed, each costs about 600 bytes (a 4 MiB list of one-letter items, 450 MB). Counted
    from libyaml's event stream, which holds one event at a time."""
    import yaml

    from provenance.reading import limits

    allowed = limits.current().provenance_nodes
    kinds = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)
    count = 0
    try:
        for event in yaml.parse(text, Loader=_loader_class()):
            if isinstance(event, kinds):
                count += 1
                if count > allowed:
                    mark = event.start_mark
                    raise LoadError(f"YAML document of more than {allowed} nodes (limits: "
                                    "provenance-nodes)", mark.line + 1 if mark else None)
    except yaml.YAMLError:
        return  # invalid: the parse proper says where and why


def _first_clause(exc: Exception) -> str:
    """The gist of a conversion error on one line ("Exceeds the limit (4300 digits) for integer
    string conversion"), without the advice Python appends for programmers."""
    text = " ".join(str(exc).split(":")[0].split())
    return text or type(exc).__name__


BOOL_TAG = "tag:yaml.org,2002:bool"
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"


@lru_cache(maxsize=1)
def _loader_class() -> Any:
    """The safe loader (libyaml's when present) minus timestamp typing: dates stay strings, as the
    schema expects RFC 3339 text, not a Python datetime. Booleans are YAML 1.2's (true/false
    only), so ``QP010: off`` in a configuration is the string "off", not False."""
    import re

    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dropped = ("tag:yaml.org,2002:timestamp", BOOL_TAG)
    resolvers = {
        first: [(tag, rx) for tag, rx in entries if tag not in dropped]
        for first, entries in base.yaml_implicit_resolvers.items()
    }
    core_bool = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    for first in "tTfF":
        resolvers.setdefault(first, []).insert(0, (BOOL_TAG, core_bool))
    return type("ProvenanceLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def _inspect_nodes(root: Any, *, aliases: bool = True) -> dict[tuple[str | int, ...], int]:
    """Reject alias bombs, cycles and duplicate keys; map each path to its line. A document
    without aliases (no ``*`` anywhere) cannot expand or refer to itself: not counted."""
    import yaml

    if aliases:
        _check_expansion(root)
    lines: dict[tuple[str | int, ...], int] = {(): root.start_mark.line + 1}
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (
                    STR_TAG, MERGE_TAG
                ):
                    what = (f"key '{key_node.value}'" if isinstance(key_node, yaml.ScalarNode)
                            else "a collection used as a key")
                    raise LoadError(f"{what} is not a string: keys must be text (quote it)",
                                    key_node.start_mark.line + 1)
                key = str(key_node.value)
                if key in seen and key != "<<":
                    raise LoadError(f"duplicate key '{key}'", key_node.start_mark.line + 1)
                seen.add(key)
                child = (*path, key)
                lines[child] = key_node.start_mark.line + 1
                stack.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                lines[child] = item.start_mark.line + 1
                stack.append((item, child))
    return lines


def _check_expansion(root: Any) -> None:
    """Count nodes as the constructed value would hold them, sharing aliases only once in memory.

    What is bounded is what aliases add (the expanded count less the distinct nodes): a large
    document without aliases is not a bomb (its size is bounded by the byte limits instead)."""
    import yaml

    from provenance.reading import limits

    allowed = limits.current().alias_nodes
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        ident = id(node)
        if children_done:
            on_path.discard(ident)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[ident] = total
            if total - len(sizes) > allowed:  # more than the distinct nodes seen: aliases
                raise LoadError(f"YAML expands to more than {allowed} nodes (alias bomb?)",
                                node.start_mark.line + 1)
            continue
        if ident in sizes:
            continue
        if ident in on_path:
            raise LoadError("YAML alias refers to itself (recursive structure)",
                            node.start_mark.line + 1)
        on_path.add(ident)
        stack.append((node, True))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def format_path(path: Sequence[str | int]) -> str:
    """``("generator", 0, "id")`` -> ``generator[0].id``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"
