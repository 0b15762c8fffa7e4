"""The rules themselves: pure functions from a record and the file's facts to problems.

No I/O here. The checker supplies the record and what reading the data file found; each function
returns ``Problem`` values that the checker locates (file and line) and grades (error, warn, off).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provenance import rules
from provenance.datafile import DataFacts
from provenance.record import Agent, Record
from provenance.rules import Rule

# Words that say what kind of agent it is but not who: an identity must name someone.
PLACEHOLDER_IDS = frozenset(
    {
        "", "human", "humans", "person", "people", "annotator", "annotators", "crowd",
        "crowdworker", "crowdworkers", "crowdsourced", "labeler", "labelers", "team", "user",
        "users", "expert", "experts", "anonymous", "unknown", "n/a", "na", "none", "null", "tbd",
        "todo", "model", "llm", "ai", "program", "script", "tool",
    }
)


@dataclass(frozen=True)
class Problem:
    rule: Rule
    message: str
    field: tuple[str | int, ...] = ()  # where in the record, for a line number
    data_line: int | None = None  # set when the problem is in the data file itself


def short(digest: str) -> str:
    return digest[:12]


def record_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """Schema violations first; identities are only judged in a record that has the right shape."""
    from provenance import schema
    from provenance.documents import format_path

    problems = [
        Problem(rules.INVALID, f"{format_path(error.path)}: {error.message}", error.path)
        for error in schema.validate("provenance", raw)
    ]
    return problems + placeholder_problems(raw)


def placeholder_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """Agents whose id is only a kind ('human', 'annotators'), not an identity."""
    out = []
    for role in ("generator", "validator"):
        value = raw.get(role)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if not isinstance(item, Mapping) or not item.get("id") \
                    or not isinstance(item["id"], str):
                continue  # a missing, empty or non-text id is the schema's error
            ident = " ".join(str(item.get("id", "")).split()).casefold()
            if ident in PLACEHOLDER_IDS:
                where: tuple[str | int, ...] = (role, index, "id") if isinstance(value, list) \
                    else (role, "id")
                out.append(Problem(
                    rules.INVALID,
                    f"{role} id '{item.get('id')}' names no one: give the person, team, vendor "
                    "or model",
                    where,
                ))
    return out


def content_problems(record: Record, facts: DataFacts) -> list[Problem]:
    """Digest and record count against what the file holds now."""
    out = []
    actual = facts.content_sha256
    if record.sha256 is not None and record.sha256 != actual:
        what = "data part" if facts.embedded_sha256 else "content"
        out.append(Problem(
            rules.DIGEST,
            f"{what} changed since it was stamped (recorded sha256 {short(record.sha256)}..., "
            f"file has {short(actual)}...): the validation no longer covers it; validate the new "
            "content, then run qa-provenance stamp",
            ("digest", "sha256"),
        ))
    if out:
        return out  # a changed file explains any count difference
    if record.records is not None and facts.records is not None and facts.lfs_oid is None \
            and record.records != facts.records:
        out.append(Problem(
            rules.RECORD_COUNT,
            f"records: {record.records} declared, the file holds {facts.records}",
            ("records",),
        ))
    return out


def identity_problems(record: Record) -> list[Problem]:
    """Identical-source and self-training loops within one record."""
    # Imported here: the identity table needs PyYAML, which a run that finds no dataset never loads.
    from provenance.identity import same_source

    out = []
    for v_index, validator in enumerate(record.validators):
        for generator in record.generators:
            if same_source(validator, generator):
                out.append(Problem(
                    rules.IDENTICAL_SOURCE,
                    f"validator {validator.describe()} is the same source as generator "
                    f"{generator.describe()} ({_key(validator)}): an independent validator "
                    "must come from a different source",
                    _agent_field(record, "validator", v_index),
                ))
                break
    for t_index, target in enumerate(record.trains):
        trained = Agent(type="model", id=target)
        for generator in record.generators:
            if same_source(trained, generator):
                out.append(Problem(
                    rules.SELF_TRAINING,
                    f"trains model '{target}', which generated this data ({generator.describe()}, "
                    f"{_key(generator)}): a model learning from its own output is the self-study "
                    "loop",
                    ("trains", t_index),
                ))
                break
    return out


def data_problems(facts: DataFacts) -> list[Problem]:
    if facts.problem is None:
        return []
    return [Problem(rules.UNREADABLE, facts.problem, data_line=facts.problem_line)]


def _key(agent: Agent) -> str:
    from provenance.identity import canonical_agent, canonical_model_id

    return f"both '{canonical_model_id(agent.id)}'" if agent.type == "model" \
        else f"both '{canonical_agent(agent)[1]}'"


def _agent_field(record: Record, role: str, index: int) -> tuple[str | int, ...]:
    return (role, index) if isinstance(record.raw.get(role), list) else (role,)
