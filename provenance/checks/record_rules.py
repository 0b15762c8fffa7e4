"""The rules themselves: pure functions from a record and the file's facts to problems.

No I/O here. The checker supplies the record and what reading the data file found; each function
returns ``Problem`` values that the checker locates (file and line) and grades (error, warn, off).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from provenance import rules
from provenance.checks.problem import Problem
from provenance.reading.datafile import DataFacts
from provenance.record import Agent, Record

if TYPE_CHECKING:
    from provenance.checks.verification import VerificationPolicy
    from provenance.identity.independence import Judge

# Words that say what kind of agent it is but not who: an identity must name someone.
PLACEHOLDER_IDS = frozenset(
    {
        "", "human", "humans", "person", "people", "annotator", "annotators", "crowd",
        "crowdworker", "crowdworkers", "crowdsourced", "labeler", "labelers", "team", "user",
        "users", "expert", "experts", "anonymous", "unknown", "n/a", "na", "none", "null", "tbd",
        "todo", "model", "llm", "ai", "program", "script", "tool",
    }
)


def short(digest: str) -> str:
    return digest[:12]


def record_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """Schema violations first; identities are only judged in a record that has the right shape."""
    from provenance.reading import schema
    from provenance.reading.documents import format_path

    problems = [
        Problem(rules.INVALID, f"{format_path(error.path)}: {error.message}", error.path)
        for error in schema.validate("provenance", raw)
    ]
    return problems + placeholder_problems(raw) + reference_problems(raw)


def reference_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """``sources`` and ``derived_from`` given as absolute file system paths: a place on one
    machine, which no other checkout can follow (and which the tool never reads)."""
    from provenance.lineage.build import is_absolute_path

    out = []
    for key in ("sources", "derived_from"):
        items = raw.get(key)
        for index, item in enumerate(items if isinstance(items, list) else ()):
            where: tuple[str | int, ...] = (key, index)
            ref = item
            if isinstance(item, Mapping):
                ref, where = item.get("uri"), (key, index, "uri")
            if isinstance(ref, str) and "://" not in ref and is_absolute_path(ref):
                out.append(Problem(
                    rules.INVALID,
                    f"{key}[{index}]: '{ref}' is an absolute path, a place on one machine: name "
                    "a file in the repository (relative to this provenance file) or give a URI; "
                    "nothing outside the repository is read",
                    where,
                ))
    return out


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


def content_problems(record: Record, facts: DataFacts, subject: str | None = None
                     ) -> list[Problem]:
    """Digest and record count against what the file holds now. ``subject``: the data file's
    path, for a record in a manifest (whose findings point at the manifest, which names many)."""
    out = []
    actual = facts.content_sha256
    if record.sha256 is not None and record.sha256 != actual:
        what = "data part" if facts.embedded_sha256 else "content"
        if subject is not None:
            what = f"{what} of '{subject}'"
        out.append(Problem(
            rules.DIGEST,
            f"{what} changed since it was stamped (recorded sha256 {short(record.sha256)}..., "
            f"file has {short(actual)}...): the validation no longer covers it; validate the new "
            "content, then run qa-provenance stamp"
            + (f" {shlex.quote(subject)}" if subject is not None else ""),
            ("digest", "sha256"),
        ))
    if out:
        return out  # a changed file explains any count difference
    if record.records is not None and facts.records is not None and facts.lfs_oid is None \
            and record.records != facts.records:
        out.append(Problem(
            rules.RECORD_COUNT,
            f"records: {record.records} declared, "
            f"{'the file' if subject is None else repr(subject)} holds {facts.records}",
            ("records",),
        ))
    return out


def line_endings_problem(problem: Problem, endings: str) -> Problem:
    """QP003 when the file matches its record once its line endings are ``endings``: git
    converted them on checkout (``core.autocrlf``), nobody edited the data."""
    return replace(problem, message=(
        f"{problem.message.split(' changed since', 1)[0]} differs from its record only in its "
        f"line endings: it was stamped with {endings} line endings, and git converted them on "
        "checkout "
        "(core.autocrlf); keep data files byte for byte with '*.jsonl -text' and the like in "
        ".gitattributes (qa-provenance init writes it), then check the file out again"))


def missing_agent_problems(raw: Mapping[str, Any], *, records_name_generators: bool,
                           records_name_validators: bool) -> list[Problem]:
    """Generator and validator are required unless every record names its own."""
    out = []
    for role, covered in (("generator", records_name_generators),
                          ("validator", records_name_validators)):
        if role not in raw and not covered:
            out.append(Problem(
                rules.INVALID,
                f"(top level): '{role}' is required (the records do not name their {role}s)",
                (),
            ))
    return out


def identity_problems(record: Record, judge: Judge) -> list[Problem]:
    """Identical-source, same-family and self-answered checks on the file-level agents."""
    from provenance.checks.per_record import record_problems as agent_problems

    out = []
    for _ident, rule, message in agent_problems(record.generators, record.validators, judge):
        if rule is rules.IDENTICAL_SOURCE:
            message += ": an independent validator must come from a different source"
        field = ("validator",) if rule in (rules.IDENTICAL_SOURCE, rules.SAME_FAMILY) \
            or (rule is rules.MIXED_SCRIPT and message.startswith("validator")) \
            else ("generator",)
        out.append(Problem(rule, message, _agent_field(record, field[0], message)))
    return out


def training_problems(record: Record, record_generators: tuple[Agent, ...],
                      judge: Judge) -> list[Problem]:
    """A model the data trains that is, or derives from, one of its generators."""
    out = []
    generators = (*record.generators, *record_generators)
    for t_index, target in enumerate(record.trains):
        trained = Agent(type="model", id=target)
        for generator in generators:
            verdict = judge.judge(trained, generator)
            if verdict.loop:
                out.append(Problem(
                    rules.SELF_TRAINING,
                    f"trains model '{target}', which generated this data ({generator.describe()}, "
                    f"{verdict.why}): a model learning from its own output is the self-study "
                    "loop",
                    ("trains", t_index),
                ))
                break
    return out


def contradiction_problems(record: Record, record_generators: tuple[Agent, ...],
                           record_validators: tuple[Agent, ...], judge: Judge) -> list[Problem]:
    """Agents the records name that the file-level record, where it names any, does not list."""
    out = []
    for role, declared, found in (("generator", record.generators, record_generators),
                                  ("validator", record.validators, record_validators)):
        if not declared:
            continue
        for agent in found:
            if not agent.id.strip() and any(other.type == agent.type for other in declared):
                continue  # a record that only says "human" is not contradicted by naming them
            if not _listed(agent, declared, judge):
                listed = ", ".join(a.describe() for a in declared)
                out.append(Problem(
                    rules.CONTRADICTION,
                    f"the records name {role} {agent.describe()}, but this record lists only "
                    f"{listed}",
                    (role,),
                ))
    return out


def cross_problems(record: Record, record_generators: tuple[Agent, ...],
                   record_validators: tuple[Agent, ...], judge: Judge) -> list[Problem]:
    """The pairs neither check sees alone: file-level validators against generators that only
    the records name, and the records' own validators against file-level generators."""
    from provenance.checks.per_record import record_problems as agent_problems

    out = []
    generators = tuple(a for a in record_generators if not _listed(a, record.generators, judge))
    validators = tuple(a for a in record_validators if not _listed(a, record.validators, judge))
    for role, gens, vals in (("validator", generators, record.validators),
                             ("generator", record.generators, validators)):
        if not gens or not vals:
            continue
        for _ident, rule, message in agent_problems(gens, vals, judge):
            if rule is rules.IDENTICAL_SOURCE:
                message += ": an independent validator must come from a different source"
            where = "generator" if role == "validator" else "validator"
            out.append(Problem(rule, f"{message} (the {where} is named by the records)",
                               _agent_field(record, role, message)))
    return out


def _listed(agent: Agent, declared: tuple[Agent, ...], judge: Judge) -> bool:
    return any(judge.judge(agent, other).relation.value == "same" for other in declared)


def verification_problems(record: Record, content_sha256: str, max_age_days: float | None,
                          now: datetime, *, policy: VerificationPolicy | None = None,
                          judge: Judge | None = None) -> list[Problem]:
    """A passing spot check recorded for exactly this content whose numbers meet the plan,
    recent enough (see ``checks.verification``)."""
    from provenance.checks.verification import VerificationPolicy, verification_problem

    if policy is None:
        policy = VerificationPolicy(max_age_days=max_age_days)
    message = verification_problem(record.raw.get("verifications"), (content_sha256,), policy,
                                   now, record.generators, judge)
    if message is None:
        return []
    return [Problem(rules.VERIFICATION_MISSING, message, ("verifications",))]


def data_problems(facts: DataFacts) -> list[Problem]:
    if facts.problem is None:
        return []
    return [Problem(rules.UNREADABLE, facts.problem, in_data=True, line=facts.problem_line)]


def _agent_field(record: Record, role: str, message: str) -> tuple[str | int, ...]:
    """Point at the agent a message names, for its line number."""
    agents = record.validators if role == "validator" else record.generators
    if isinstance(record.raw.get(role), list):
        for index, agent in enumerate(agents):
            if agent.describe() in message:
                return (role, index)
    return (role,)
