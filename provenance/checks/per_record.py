"""Per-record provenance: the same rules applied to every record that names its own agents.

Real files carry the model per record (LlamaIndex ``query_by``, AlpacaEval ``annotator``, distilabel
``model_name``). Scanning streams the records once and keeps only aggregates: counts per
generator/validator pair, counts per generator, and for each offence its count and first few
locations, so a file of millions of records reports a handful of lines in constant memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from provenance import rules
from provenance.identity.independence import Judge
from provenance.identity.spelling import canonical_agent
from provenance.reading.profiles import Profile, extract
from provenance.reading.readers import Item, locate
from provenance.record import Agent
from provenance.rules import Rule

EXAMPLES_KEPT = 3


@dataclass
class Offence:
    rule: Rule
    message: str
    count: int = 0
    locations: list[str] = field(default_factory=list)
    first_line: int | None = None

    def add(self, data: Any, where: Item | int) -> None:
        self.count += 1
        if len(self.locations) < EXAMPLES_KEPT:
            item = locate(data, where)
            self.locations.append(item.location)
            if self.first_line is None:
                self.first_line = item.line


@dataclass
class RecordScan:
    profile: Profile
    total: int = 0
    with_agents: int = 0
    with_generators: int = 0  # records naming a generator: the base of generator shares
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    generator_counts: Counter[str] = field(default_factory=Counter)
    generators: dict[tuple[str, str], Agent] = field(default_factory=dict)
    validators: dict[tuple[str, str], Agent] = field(default_factory=dict)
    offences: dict[tuple[str, str], Offence] = field(default_factory=dict)


@dataclass
class _Combination:
    """Everything a record contributes, shared by all records naming the same agent values."""

    generators: tuple[Agent, ...]
    validators: tuple[Agent, ...]
    pair: tuple[str, str]
    named: tuple[str, ...]  # generator names counted for the share, one per source
    problems: list[tuple[str, Rule, str]]
    records: int = 0


# Stored under a shallow key whose values must be compared by :func:`_exact` instead.
_BY_VALUE = _Combination((), (), ("", ""), (), [])


def scan(records: Iterable[tuple[Any, Item | int]], profile: Profile, judge: Judge
         ) -> RecordScan:
    """One pass over the records (``readers.read_data``), in constant memory.

    Real files repeat a handful of agent values across millions of records, so the work is done
    once per distinct combination of raw agent values and each record costs a field lookup and a
    dictionary hit.
    """
    result = RecordScan(profile)
    fields = [spec.field for spec in (*profile.generators, *profile.validators)]
    simple = all("." not in f and "[]" not in f for f in fields)
    combinations: dict[Any, _Combination] = {}
    for data, where in records:
        result.total += 1
        if simple and isinstance(data, dict):
            raw: Any = tuple([_shallow(data.get(f)) for f in fields])
        else:
            raw = tuple([_shallow(extract(data, f)) for f in fields])
        try:
            combination = combinations.get(raw)
        except TypeError:  # a list or mapping nested inside an agent field
            combination = _BY_VALUE
        if combination is _BY_VALUE:
            raw = _exact_key(data, fields)
            combination = combinations.get(raw)
        if combination is None:
            combination = _combine(result, data, profile, judge)
            if not _plain(raw):  # numbers (1, 1.0 and True are one key), or an exact key
                combinations[raw] = _BY_VALUE
                raw = _exact_key(data, fields)
            combinations[raw] = combination
        if not combination.generators and not combination.validators:
            continue
        combination.records += 1
        for ident, rule, message in combination.problems:
            offence = result.offences.get((rule.code, ident))
            if offence is None:
                offence = result.offences[(rule.code, ident)] = Offence(rule, message)
            offence.add(data, where)
    for combination in combinations.values():
        if not combination.records:
            continue
        result.with_agents += combination.records
        result.pairs[combination.pair] += combination.records
        if combination.named:
            result.with_generators += combination.records
        for name in combination.named:
            result.generator_counts[name] += combination.records
    return result


def merge(parts: Sequence[RecordScan]) -> RecordScan:
    """The scans of consecutive parts of one file, as one scan of the whole file gives: counts
    add up, and what is kept from the first occurrence (an agent's spelling, an offence's
    message and example locations) comes from the earliest part."""
    out = RecordScan(parts[0].profile)
    for part in parts:
        out.total += part.total
        out.with_agents += part.with_agents
        out.with_generators += part.with_generators
        out.pairs.update(part.pairs)
        for key, agent in part.generators.items():
            out.generators.setdefault(key, agent)
        for key, agent in part.validators.items():
            out.validators.setdefault(key, agent)
        # A part counts each generator under the first spelling it saw; the whole file, under
        # the first spelling of all.
        spelling = {agent.id: out.generators[key].id for key, agent in part.generators.items()}
        for name, count in part.generator_counts.items():
            out.generator_counts[spelling.get(name, name)] += count
        for key, offence in part.offences.items():
            mine = out.offences.get(key)
            if mine is None:  # the rule itself, not a copy that crossed a process boundary
                rule = rules.BY_KEY.get(offence.rule.code, offence.rule)
                mine = out.offences[key] = Offence(rule, offence.message)
            mine.count += offence.count
            mine.locations += offence.locations[:EXAMPLES_KEPT - len(mine.locations)]
            if mine.first_line is None:
                mine.first_line = offence.first_line
    return out


def _combine(result: RecordScan, data: Any, profile: Profile, judge: Judge) -> _Combination:
    generators, validators = profile.agents(data)
    for agent in generators:
        result.generators.setdefault(canonical_agent(agent), agent)
    for agent in validators:
        result.validators.setdefault(canonical_agent(agent), agent)
    # Counted once per record and per source, whatever the spelling: the name shown is the first
    # one seen.
    named = tuple(dict.fromkeys(result.generators[canonical_agent(agent)].id
                                for agent in generators if agent.id.strip()))
    problems = record_problems(generators, validators, judge) if generators or validators else []
    return _Combination(generators, validators, (_names(generators), _names(validators)),
                        named, problems)


def _shallow(value: Any) -> Any:
    """A cheap key for a field value, hashable when the value is flat (the usual agent object:
    a few strings). Key order is kept: the same agent written in another order only costs one
    more combination, each worked out from the record itself. A list is marked, so that it
    never equals the items of a mapping."""
    if isinstance(value, dict):
        return tuple(value.items())
    if isinstance(value, list):
        return (list, *value)
    return value


def _plain(key: Any) -> bool:
    """True when equal keys mean equal values: text, None and tuples of them (``list`` marks a
    list). Numbers are not: ``1 == 1.0 == True``, but as model names they are three ids."""
    if isinstance(key, tuple):
        return all(_plain(part) for part in key)
    return key is None or key is list or isinstance(key, str)


class _Exact:
    """Tags a key made by :func:`_exact`, so that it never equals a shallow one."""


def _exact_key(data: Any, fields: list[str]) -> tuple[Any, ...]:
    return (_Exact, *(_exact(extract(data, f)) for f in fields))


def _exact(value: Any) -> Any:
    """A hashable key equal only for values of the same types and contents, however nested."""
    if isinstance(value, dict):
        return (dict, *((_exact(k), _exact(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), *(_exact(v) for v in value))
    if value is None or isinstance(value, str):
        return value
    return (type(value), repr(value))


def script_problems(generators: tuple[Agent, ...], validators: tuple[Agent, ...]
                    ) -> list[tuple[str, Rule, str]]:
    """A model id that still mixes scripts once look-alikes are folded (QP017). People's and
    teams' names may mix scripts; model ids are not written that way."""
    from provenance.identity.folding import mixed_scripts

    out: list[tuple[str, Rule, str]] = []
    for role, agents in (("generator", generators), ("validator", validators)):
        for agent in agents:
            scripts = mixed_scripts(agent.id) if agent.type == "model" else ()
            if scripts:
                out.append((f"script|{agent.id}", rules.MIXED_SCRIPT,
                            f"{role} {agent.describe()} mixes scripts ({', '.join(scripts)}) "
                            "even once look-alike letters are folded: spell the id in one script"))
    return out


def record_problems(generators: tuple[Agent, ...], validators: tuple[Agent, ...],
                    judge: Judge) -> list[tuple[str, Rule, str]]:
    """(identity of the offence, rule, message) for one combination of agents.

    Self-answering (the question writer also wrote the reference answer) only counts when no
    validator checks the pair: that is the self-study loop with nothing independent in it.
    """
    out = script_problems(generators, validators)
    for validator in validators:
        for generator in generators:
            verdict = judge.judge(validator, generator)
            ident = f"{validator.id}|{generator.id}"
            if verdict.loop:
                out.append((ident, rules.IDENTICAL_SOURCE,
                            f"validator {validator.describe()} is the same source as generator "
                            f"{generator.describe()} ({verdict.why})"))
                break
            if verdict.family_only:
                out.append((ident, rules.SAME_FAMILY,
                            f"validator {validator.describe()} is of the same family as generator "
                            f"{generator.describe()} ({verdict.why})"))
    if validators:
        return out  # an independent validator breaks the self-answering loop
    askers = [g for g in generators if g.role in ("questions", "both")]
    answerers = [g for g in generators if g.role in ("answers", "both")]
    for asker in askers:
        for answerer in answerers:
            if asker is not answerer or asker.role == "both":
                verdict = judge.judge(asker, answerer)
                if verdict.loop:
                    out.append((f"{asker.id}|{answerer.id}", rules.SELF_ANSWERED,
                                f"questions and answers both come from {asker.describe()}"
                                + ("" if asker.id == answerer.id else f" ({verdict.why})")))
                    return out
    return out


def _names(agents: tuple[Agent, ...]) -> str:
    return ", ".join(dict.fromkeys(a.id or f"(unnamed {a.type})" for a in agents)) or "-"
