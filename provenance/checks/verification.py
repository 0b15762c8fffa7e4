"""Which recorded verifications count: an entry is evidence only when its numbers add up.

A ``verifications`` entry is written into the provenance file, which the data's author can edit,
so ``require-verification`` (QP030) and the ``recorded`` trust level recompute what it claims:
a PASS for this content, a sample at least the plan's size for its population (or a census), the
configured acceptance number, rate and confidence, flags that pass the exact test, an allowed
verifier kind and seed kind, a time with a timezone and not in the future, a verifier that is not
a generator, and no later FAIL for the same digest. The newest entry that counts is chosen by its
time, not by its place in the list. No I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from provenance.record import Agent
from provenance.spot.sampling import Plan

if TYPE_CHECKING:
    from provenance.identity.independence import Judge
    from provenance.record import Agent

CLOCK_SKEW = timedelta(minutes=5)  # a CI clock slightly ahead is not "the future"
KEYED = "keyed"
PUBLIC = "public"


@dataclass(frozen=True)
class VerificationPolicy:
    """What the configuration asks of a verification before it counts."""

    max_flag_rate: float = 0.05
    confidence: float = 0.95
    acceptance: int = 1
    kinds: tuple[str, ...] | None = None  # None: any verifier kind
    seeds: tuple[str, ...] = (KEYED,)
    max_age_days: float | None = None

    @classmethod
    def from_config(cls, config: Any) -> VerificationPolicy:
        sampling = config.sampling
        return cls(float(sampling.get("max_flag_rate", 0.05)),
                   float(sampling.get("confidence", 0.95)),
                   int(sampling.get("acceptance", 1)),
                   config.verification_kinds, tuple(config.verification_seeds),
                   config.verification_max_age_days)


@dataclass(frozen=True)
class Accepted:
    entry: Mapping[str, Any]
    time: datetime

    def describe(self) -> str:
        return (f"spot check by {self.entry.get('verifier')} at {self.entry.get('time')}: PASS "
                "(unsigned: a claim whose numbers add up)")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time as an aware UTC datetime; None for anything else, including a time
    without a timezone (which could be read in any zone)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(timezone.utc)


def seed_kind(entry: Mapping[str, Any]) -> str:
    """``keyed`` only when the entry says so; an older entry holds its public seed itself."""
    return KEYED if entry.get("seed") == KEYED else PUBLIC


def _ints(entry: Mapping[str, Any], *names: str) -> list[int] | None:
    values = [entry.get(name) for name in names]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return values  # type: ignore[return-value]
    return None


def _same(a: Any, b: float) -> bool:
    return isinstance(a, (int, float)) and not isinstance(a, bool) and math.isclose(
        float(a), b, rel_tol=1e-12, abs_tol=0.0)


def entry_problem(entry: Mapping[str, Any], policy: VerificationPolicy, now: datetime,
                  generators: Sequence[Agent] = (), judge: Judge | None = None) -> str | None:
    """Why a PASS entry does not count (None: it does), in words for the report."""

    numbers = _ints(entry, "population", "n", "flags", "acceptance")
    if numbers is None:
        return "lacks population, n, flags or acceptance"
    population, n, flags, acceptance = numbers
    if entry.get("missing") not in (None, 0):
        return f"has {entry.get('missing')} missing verdicts"
    if not 0 <= flags <= n <= population or n < 1:
        return f"does not add up (population={population}, n={n}, flags={flags})"
    if acceptance != policy.acceptance or not _same(entry.get("max_flag_rate"),
                                                    policy.max_flag_rate) \
            or not _same(entry.get("confidence"), policy.confidence):
        return (f"used another plan (max_flag_rate={entry.get('max_flag_rate')}, confidence="
                f"{entry.get('confidence')}, acceptance={acceptance}; configured "
                f"{policy.max_flag_rate:g}, {policy.confidence:g}, {policy.acceptance})")
    plan = Plan(policy.max_flag_rate, policy.confidence, policy.acceptance, n, population)
    if n < population and n < plan.required_n:
        return f"sampled n={n} of {population}, fewer than the plan's {plan.required_n}"
    if not plan.holds(flags, n):
        return (f"does not pass the exact test ({flags} flagged of n={n} from {population} "
                "records)")
    kind = entry.get("kind")
    if policy.kinds is not None and kind not in policy.kinds:
        return (f"was made by a {kind or 'unnamed'} verifier (require-verification.kind allows "
                f"{', '.join(policy.kinds)})")
    seeds = seed_kind(entry)
    if seeds not in policy.seeds:
        return (f"drew its sample with a {seeds} seed, which its author could choose "
                f"(require-verification.seed allows {', '.join(policy.seeds)})")
    when = parse_time(entry.get("time"))
    if when is None:
        return f"has no usable time with a timezone ({entry.get('time')!r})"
    if when > now + CLOCK_SKEW:
        return f"is dated in the future ({entry.get('time')})"
    return _same_source(str(entry.get("verifier", "")), generators, judge)


def _same_source(verifier: str, generators: Sequence[Agent], judge: Judge | None) -> str | None:
    if not verifier.strip():
        return "names no verifier"
    if judge is None:
        return None

    candidate = Agent("model", verifier)
    for generator in generators:
        if generator.type == "model" and judge.judge(candidate, generator).loop:
            return (f"was made by verifier '{verifier}', the same source as generator "
                    f"'{generator.id}'")
    return None


def newest_accepted(entries: Any, digests: Iterable[str], policy: VerificationPolicy,
                    now: datetime, generators: Sequence[Agent] = (),
                    judge: Judge | None = None) -> tuple[Accepted | None, str]:
    """The newest PASS for one of ``digests`` that counts, by time (not list order), and not
    followed by a FAIL for the same digest; else None and why, for the report."""
    wanted = set(digests)
    mine = [e for e in (entries if isinstance(entries, list) else ())
            if isinstance(e, Mapping) and isinstance(e.get("digest"), Mapping)
            and e["digest"].get("sha256") in wanted]
    if not mine:
        return None, "no passing spot check is recorded for the current content (run: " \
                     "qa-provenance spot-check --record)"
    failures = [(e["digest"].get("sha256"), parse_time(e.get("time")))
                for e in mine if e.get("result") == "FAIL"]
    passes = [(parse_time(e.get("time")), index, e) for index, e in enumerate(mine)
              if e.get("result") == "PASS"]
    if not passes:
        return None, "no passing spot check is recorded for the current content (run: " \
                     "qa-provenance spot-check --record)"
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    passes.sort(key=lambda item: (item[0] or oldest, item[1]), reverse=True)
    reason = ""
    for when, _index, entry in passes:
        problem = entry_problem(entry, policy, now, generators, judge)
        if problem is None and when is not None:
            digest = entry["digest"].get("sha256")
            # A FAIL not provably earlier (later, or without a usable time) outweighs it.
            if any(sha == digest and (failed is None or failed >= when)
                   for sha, failed in failures):
                problem = "is followed by a FAIL for the same content"
        if problem is None and when is not None:
            return Accepted(entry, when), ""
        if not reason:
            reason = f"the passing spot check of {entry.get('time')} {problem}"
    return None, reason


def verification_problem(entries: Any, digests: Iterable[str], policy: VerificationPolicy,
                         now: datetime, generators: Sequence[Agent] = (),
                         judge: Judge | None = None) -> str | None:
    """QP030's message, or None: a counting PASS exists and is recent enough."""
    accepted, reason = newest_accepted(entries, digests, policy, now, generators, judge)
    if accepted is None:
        return reason
    if policy.max_age_days is not None and \
            (now - accepted.time).total_seconds() > policy.max_age_days * 86400:
        age = (now - accepted.time).days
        return (f"the last passing spot check is {age} days old, more than max-age-days "
                f"{policy.max_age_days:g}")
    return None
