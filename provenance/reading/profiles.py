"""Record profiles: where a format keeps the question, answer, context and per-record agents.

Built-in profiles ship as data (``data/profiles.yaml``) and are auto-detected from the first record;
the configuration can pin a profile or define field mappings per glob.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from provenance.record import AGENT_TYPES, Agent

# LlamaIndex CreatedBy.type values
_LLAMAINDEX_TYPES = {"ai": "model", "human": "human"}


@dataclass(frozen=True)
class AgentField:
    field: str
    role: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    detect: tuple[str, ...] = ()
    question: str | None = None
    answer: str | None = None
    context: str | None = None
    unanswerable: str | None = None  # a field that is true when the question has no answer
    generators: tuple[AgentField, ...] = ()
    validators: tuple[AgentField, ...] = ()
    about: str = ""

    @property
    def has_agents(self) -> bool:
        return bool(self.generators or self.validators)

    def matches(self, record: Any) -> bool:
        return isinstance(record, Mapping) and all(key in record for key in self.detect)

    def agents(self, record: Any) -> tuple[tuple[Agent, ...], tuple[Agent, ...]]:
        """The record's own generators and validators (empty when it names none)."""
        if not isinstance(record, Mapping):
            return (), ()
        return self._collect(record, self.generators), self._collect(record, self.validators)

    @staticmethod
    def _collect(record: Mapping[str, Any], specs: tuple[AgentField, ...]) -> tuple[Agent, ...]:
        return tuple(a for spec in specs for a in _agents(extract(record, spec.field), spec))


def extract(record: Any, path: str | None) -> Any:
    """Follow ``a.b`` and ``a[].b`` through a record; None when any step is missing."""
    if path is None:
        return None
    value: Any = record
    for part in path.split("."):
        each = part.endswith("[]")
        name = part[:-2] if each else part
        if isinstance(value, list):
            value = [v.get(name) if isinstance(v, Mapping) else None for v in value] if name \
                else value
        elif isinstance(value, Mapping):
            value = value.get(name) if name else value
        else:
            return None
        if each and value is not None and not isinstance(value, list):
            value = [value]
    return value


def _agents(value: Any, spec: AgentField) -> list[Agent]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [agent for item in value for agent in _agents(item, spec)]
    if isinstance(value, str):
        return [Agent("model", value.strip(), role=spec.role, method=spec.method)]
    if isinstance(value, Mapping):
        if "model_name" in value and "type" in value:
            kind = _LLAMAINDEX_TYPES.get(str(value.get("type")).lower(), "model")
            ident = str(value.get("model_name") or "").strip()
            return [Agent(kind, ident, role=spec.role, method=spec.method)]
        if value.get("type") in AGENT_TYPES and value.get("id"):
            return [Agent(str(value["type"]), str(value["id"]), role=spec.role,
                          method=spec.method)]
    return []


def profile_from_mapping(raw: Mapping[str, Any]) -> Profile:
    return Profile(
        name=str(raw.get("name", "custom")),
        detect=tuple(raw.get("detect") or ()),
        question=raw.get("question"),
        answer=raw.get("answer"),
        context=raw.get("context"),
        unanswerable=raw.get("unanswerable"),
        generators=tuple(_agent_fields(raw.get("generator"))),
        validators=tuple(_agent_fields(raw.get("validator"))),
        about=str(raw.get("about", "")),
    )


def _agent_fields(value: Any) -> Iterable[AgentField]:
    for item in value if isinstance(value, list) else ([value] if value else []):
        if isinstance(item, str):
            yield AgentField(item)
        else:
            yield AgentField(str(item["field"]), item.get("role"), item.get("method"))


@lru_cache(maxsize=1)
def builtin_profiles() -> tuple[Profile, ...]:
    import yaml

    text = resources.files("provenance").joinpath("data/profiles.yaml").read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)
    return tuple(profile_from_mapping(raw) for raw in data["profiles"])


def by_name(name: str) -> Profile | None:
    return next((p for p in builtin_profiles() if p.name == name), None)


def detect(record: Any, candidates: Sequence[Profile] | None = None) -> Profile | None:
    for profile in candidates if candidates is not None else builtin_profiles():
        if profile.matches(record):
            return profile
    return None


class ProfileError(ValueError):
    """A configured profile name that does not exist."""


def choose(mapping: Mapping[str, Any] | None, first_record: Any) -> Profile | None:
    """The configured mapping for a file (a named profile, field paths, or both), else detection.

    Field paths given in the configuration replace the named profile's; a mapping without a profile
    name starts from the detected one, so ``generator: judge_model`` alone adds per-record agents
    to an otherwise auto-detected format.
    """
    if mapping is None:
        return detect(first_record)
    name = mapping.get("profile")
    base = by_name(name) if name else detect(first_record)
    if name and base is None:
        known = ", ".join(p.name for p in builtin_profiles())
        raise ProfileError(f"unknown record profile '{name}' (known: {known})")
    custom = profile_from_mapping({**mapping, "name": name or "custom"})
    if base is None:
        return custom
    return Profile(
        name=base.name if not _has_fields(mapping) else f"{base.name}+custom",
        detect=base.detect,
        question=custom.question or base.question,
        answer=custom.answer or base.answer,
        context=custom.context or base.context,
        generators=custom.generators or base.generators,
        validators=custom.validators or base.validators,
        about=base.about,
    )


def _has_fields(mapping: Mapping[str, Any]) -> bool:
    return any(key in mapping for key in ("question", "answer", "context", "generator",
                                          "validator"))
