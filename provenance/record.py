"""The provenance record (format v1) as typed values.

The JSON Schema in ``schemas/provenance.schema.json`` is the contract; these dataclasses are what
the rules work on once a document has passed it, so rules never touch raw mappings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

AGENT_TYPES = ("model", "human", "program")


@dataclass(frozen=True)
class Agent:
    """A generator or validator: who produced or checked the data."""

    type: str
    id: str
    role: str | None = None
    version: str | None = None
    url: str | None = None
    method: str | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Agent:
        return cls(
            type=str(raw["type"]),
            id=str(raw["id"]),
            role=_opt_str(raw.get("role")),
            version=_opt_str(raw.get("version")),
            url=_opt_str(raw.get("url")),
            method=_opt_str(raw.get("method")),
        )

    def describe(self) -> str:
        if not self.id.strip():  # LlamaIndex's {"model_name": "", "type": "human"}
            return f"an unnamed {self.type}"
        return f"{self.type} '{self.id}'"


@dataclass(frozen=True)
class Record:
    """One dataset's provenance, with where it came from for error messages."""

    generators: tuple[Agent, ...]
    validators: tuple[Agent, ...]
    sha256: str | None
    records: int | None = None
    trains: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Record:
        digest = raw.get("digest") or {}
        return cls(
            generators=_agents(raw.get("generator")),
            validators=_agents(raw.get("validator")),
            sha256=_opt_str(digest.get("sha256")) if isinstance(digest, Mapping) else None,
            records=raw.get("records") if isinstance(raw.get("records"), int) else None,
            trains=tuple(_ref(item) for item in raw.get("trains") or ()),
            derived_from=tuple(_ref(item) for item in raw.get("derived_from") or ()),
            sources=tuple(_ref(item) for item in raw.get("sources") or ()),
            raw=raw,
        )

    @property
    def evaluates(self) -> tuple[str, ...]:
        """The models this dataset evaluates (an evaluation set); none for training data."""
        return tuple(str(item) for item in self.raw.get("evaluates") or ())

    @property
    def held_out(self) -> bool:
        return self.raw.get("held_out") is True


def any_named(agents: Iterable[Agent]) -> bool:
    """Whether any agent has an identity ("human" alone, as LlamaIndex writes it, has none)."""
    return any(agent.id.strip() for agent in agents)


def _agents(value: Any) -> tuple[Agent, ...]:
    if value is None:
        return ()
    items: Sequence[Any] = value if isinstance(value, list) else [value]
    return tuple(Agent.from_mapping(item) for item in items if isinstance(item, Mapping))


def _ref(item: Any) -> str:
    """A reference given as a plain string or as an object with ``uri`` (or ``id``)."""
    if isinstance(item, Mapping):
        return str(item.get("uri") or item.get("id") or "")
    return str(item)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
