"""The published JSON Schemas, compiled once per run, with errors turned into located messages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_NAMES = ("provenance", "manifest", "config")
MAX_ERRORS_PER_DOCUMENT = 10


@dataclass(frozen=True)
class SchemaError:
    path: tuple[str | int, ...]
    message: str


def schema_dir() -> Path:
    """Installed wheels carry the schemas inside the package; a checkout has them at the top."""
    here = Path(__file__).resolve().parent
    packaged = here / "_schemas"
    return packaged if packaged.is_dir() else here.parent / "schemas"


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
        errors.append(SchemaError(tuple(specific.absolute_path), _message(specific)))
        if len(errors) >= MAX_ERRORS_PER_DOCUMENT:
            break
    return sorted(errors, key=lambda e: [str(p) for p in e.path])


def _message(error: Any) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed and not k.startswith("x-"))
        if extra:
            names = ", ".join(repr(k) for k in extra)
            return f"unknown field {names} (prefix custom fields with 'x-')"
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")
    if error.validator == "oneOf" and isinstance(error.instance, Mapping):
        return "expected an agent object {type, id} or a list of them"
    message = str(error.message)
    return message if len(message) <= 160 else message[:157] + "..."
