"""Building the record that ``stamp`` writes: the old fields kept, the content binding renewed.

Pure functions: the command in ``commands/stamp.py`` does the reading and writing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from provenance.reading.datafile import DataFacts
from provenance.record import AGENT_TYPES

FIELD_ORDER = ("generator", "validator", "digest", "records", "created", "trains", "sources",
               "derived_from", "license", "description")


class StampError(Exception):
    """Stamp arguments that cannot be used: exit code 2."""


@dataclass(frozen=True)
class StampRequest:
    generators: Sequence[str] = ()
    validators: Sequence[str] = ()
    method: str | None = None
    trains: Sequence[str] = ()
    license: str | None = None
    description: str | None = None

    @property
    def changes_agents(self) -> bool:
        return bool(self.generators or self.validators or self.method or self.trains
                    or self.license or self.description)


def parse_agent(spec: str) -> dict[str, str]:
    """``[TYPE:]ID``; a prefix is a type only when it is one (so ``llama3:8b`` stays a model)."""
    kind, sep, ident = spec.partition(":")
    if sep and kind in AGENT_TYPES:
        ident = ident.strip()
    else:
        kind, ident = "model", spec.strip()
    if not ident:
        raise StampError(f"'{spec}': agent needs an id")
    return {"type": kind, "id": ident}


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def binding(facts: DataFacts) -> dict[str, Any]:
    """The digest (and record count when known) that ties a record to the file as it is now."""
    out: dict[str, Any] = {"digest": {"sha256": facts.content_sha256}}
    if facts.records is not None and facts.lfs_oid is None:
        out["records"] = facts.records
    return out


def build_record(existing: Mapping[str, Any] | None, request: StampRequest, facts: DataFacts,
                 created: str, records_name: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``records_name`` holds the roles ("generator", "validator") the records give themselves,
    which the file-level record may then omit."""
    record: dict[str, Any] = dict(existing or {})
    if request.generators:
        record["generator"] = _one_or_list([parse_agent(s) for s in request.generators])
    if request.validators or request.method:
        validators = [parse_agent(s) for s in request.validators] or _as_list(
            record.get("validator"))
        if request.method:  # an agent that is not a mapping is left for the schema to report
            validators = [{**agent, "method": request.method} if isinstance(agent, Mapping)
                          else agent for agent in validators]
        record["validator"] = _one_or_list(validators)
    for key in ("generator", "validator"):
        if key not in record and key not in records_name:
            raise StampError(f"a new record needs --{key}")
    if request.trains:
        trains: list[Any] = []
        for model in [*_as_list(record.get("trains")), *request.trains]:
            if model not in trains:
                trains.append(model)
        record["trains"] = trains
    if request.license:
        record["license"] = request.license
    if request.description:
        record["description"] = request.description
    record.pop("records", None)
    record.update(binding(facts))
    record["created"] = created
    return _ordered(record)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _one_or_list(agents: list[dict[str, str]]) -> Any:
    return agents[0] if len(agents) == 1 else agents


def _ordered(record: dict[str, Any]) -> dict[str, Any]:
    known = {key: record[key] for key in FIELD_ORDER if key in record}
    return {**known, **{k: v for k, v in record.items() if k not in known}}
