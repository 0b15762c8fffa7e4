"""The published JSON Schemas, compiled once per run, with errors turned into located messages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_NAMES = ("provenance", "manifest", "config", "verify-request", "verify-response",
                "evaluations")
MAX_ERRORS_PER_DOCUMENT = 10


@dataclass(frozen=True)
class SchemaError:
    path: tuple[str | int, ...]
    message: str


def schema_dir() -> Path:
    """Installed wheels carry the schemas inside the package; a checkout has them at the top."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_schemas"
    return packaged if packaged.is_dir() else package.parent / "schemas"


@cache
def load_schema(name: str) -> dict[str, Any]:
    with open(schema_dir() / f"{name}.schema.json", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resources = [
        (load_schema(n)["$id"], Resource.from_contents(load_schema(n))) for n in SCHEMA_NAMES
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft202012Validator(load_schema(name), registry=registry)


def validate(name: str, instance: Any) -> list[SchemaError]:
    """Validate against schema ``name``; at most a few errors, each at its most specific path."""
    from jsonschema.exceptions import best_match

    errors: list[SchemaError] = []
    for error in _validator(name).iter_errors(instance):
        specific = best_match([error])
        if specific.validator == "oneOf" and specific.context:
            # An agent or a list of agents: when only one shape fits the value's type, its own
            # error ("unknown field 'role'") says more than "not valid under any of the schemas".
            fitting = [e for e in specific.context if e.validator != "type"]
            if fitting:
                specific = best_match(fitting)
        path = tuple(specific.absolute_path)
        extra = _unknown_keys(specific)
        forbidden = _forbidden_key(name, specific, instance)
        if extra:  # point at the first unknown key itself, so its line is reported
            path = (*path, extra[0])
        if forbidden is not None:
            path = (*path, forbidden)
            message = f"'{forbidden}' is not allowed here"
            if forbidden in ("digest", "records"):
                message += (": a manifest binds each file under 'subjects' (qa-provenance stamp "
                            "writes them)")
            errors.append(SchemaError(path, message))
        else:
            errors.append(SchemaError(path, _message(specific)))
        if len(errors) >= MAX_ERRORS_PER_DOCUMENT:
            break
    return sorted(errors, key=lambda e: [str(p) for p in e.path])


def _forbidden_key(name: str, error: Any, instance: Any) -> str | None:
    """The key a ``false`` subschema rejects: jsonschema reports it at the parent object without
    naming it, so find the property that is both forbidden and present."""
    if error.validator is not None:
        return None
    node: Any = load_schema(name)
    target = instance
    try:
        for part in error.schema_path:
            node = node[part]
        for part in error.absolute_path:
            target = target[part]
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(node, Mapping) or not isinstance(target, Mapping):
        return None
    return next((key for key, sub in node.items() if sub is False and key in target), None)


def _unknown_keys(error: Any) -> list[str]:
    if error.validator != "additionalProperties" or not isinstance(error.instance, Mapping):
        return []
    allowed = set(error.schema.get("properties", {}))
    return sorted(str(k) for k in error.instance
                  if k not in allowed and not str(k).startswith("x-"))


def _message(error: Any) -> str:
    extra = _unknown_keys(error)
    if extra:
        names = ", ".join(repr(k) for k in extra)
        import difflib

        allowed = [str(k) for k in error.schema.get("properties", {})]
        close = [m for k in extra for m in difflib.get_close_matches(k, allowed, n=1)]
        hint = f"did you mean {', '.join(repr(m) for m in close)}? " if close else ""
        return f"unknown field {names} ({hint}prefix custom fields with 'x-')"
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")
    if error.validator == "oneOf" and list(error.absolute_path)[-1:] in (["generator"],
                                                                         ["validator"]):
        return "expected an agent object {type, id} or a list of them"
    message = str(error.message)
    return message if len(message) <= 160 else message[:157] + "..."
