"""Are two agents independent sources? The registry says how models relate; the policy decides.

Policies (configuration key ``independence``): ``model`` treats only the same model as the same
source; ``lineage`` (default) also a model derived from the other, and warns on the same family;
``family`` treats the whole family as one source.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from provenance.identity.registry import Registry, Relation
from provenance.identity.spelling import canonical_agent
from provenance.record import Agent


class Policy(str, Enum):
    MODEL = "model"
    LINEAGE = "lineage"
    FAMILY = "family"


_LOOPS = {
    Policy.MODEL: {Relation.SAME},
    Policy.LINEAGE: {Relation.SAME, Relation.DERIVED},
    Policy.FAMILY: {Relation.SAME, Relation.DERIVED, Relation.FAMILY},
}


@dataclass(frozen=True)
class Verdict:
    relation: Relation
    loop: bool  # the policy counts them as one source
    family_only: bool  # same family, not a loop under the policy: worth a warning
    why: str  # e.g. "both 'gpt-4o'" or "my-ft is a finetune of meta-llama/Llama-3.1-8B"


class Judge:
    """Compares agents under one registry and policy, remembering answers for the run."""

    def __init__(self, registry: Registry | None = None, policy: Policy = Policy.LINEAGE) -> None:
        self.registry = Registry.builtin() if registry is None else registry
        self.policy = policy
        self._cache: dict[tuple[tuple[str, str], tuple[str, str]], Verdict] = {}

    def judge(self, a: Agent, b: Agent) -> Verdict:
        key = (canonical_agent(a), canonical_agent(b))
        verdict = self._cache.get(key)
        if verdict is None:
            verdict = self._cache[key] = self._compare(a, b)
        return verdict

    def _compare(self, a: Agent, b: Agent) -> Verdict:
        # Judged by the canonical key, as the cache is: an id of invisible characters names no
        # one, like an empty one, whichever of them the run meets first.
        key_a, key_b = canonical_agent(a), canonical_agent(b)
        if not key_a[1] or not key_b[1]:
            return Verdict(Relation.INDEPENDENT, False, False, "an agent without an id")
        if a.type != "model" or b.type != "model":
            same = key_a == key_b
            relation = Relation.SAME if same else Relation.INDEPENDENT
            return Verdict(relation, same, False, f"both '{key_a[1]}'")
        comparison = self.registry.compare(a.id, b.id)
        relation = comparison.relation
        if relation is Relation.SAME:
            why = f"both '{self.registry.key(a.id)}'"
        else:
            why = "; ".join(comparison.path) or relation.value
        loop = relation in _LOOPS[self.policy]
        # Only the lineage policy warns on a shared family; under `model` the family is
        # independent, as a derivative is (docs/identity.md: the independence policy table).
        family_only = not loop and relation is Relation.FAMILY \
            and self.policy is Policy.LINEAGE
        return Verdict(relation, loop, family_only, why)
