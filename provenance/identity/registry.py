"""Model identity beyond spelling: same model, derived, same family, or independent.

:func:`provenance.identity.spelling.canonical_model_id` joins spellings of one model. It cannot
know that
Llama-3.1-8B-Instruct is a fine-tune of Llama-3.1-8B, that Ollama's ``llama3:8b`` is the instruct
model, or that GPT-4o and GPT-4 Turbo come from one developer line. A validator related to the
generator in any of these ways is not an independent check, so this module adds that knowledge:
a registry of models with aliases, base models (finetune, adapter, quantized, merge, distill),
training data and families.

The built-in registry is package data (``data/models.yaml``, versioned). A repository's
``models:`` configuration and its Hugging Face model cards extend it with :meth:`Registry.extended`.
Everything here is pure: the packaged file is read once, and nothing else touches the disk.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from provenance.identity.folding import fold
from provenance.identity.spelling import canonical_model_id

__all__ = [
    "MODEL_ENTRY_SCHEMA",
    "RELATIONS",
    "BaseRef",
    "Comparison",
    "ModelEntry",
    "Registry",
    "Relation",
    "entries_from_config",
    "entry_from_model_card",
]

RELATIONS = ("finetune", "adapter", "quantized", "merge", "distill")

# How a derivation reads in a message: "<child> is <phrase> <parent>".
_PHRASES = {
    "finetune": "a fine-tune of",
    "adapter": "an adapter on",
    "quantized": "a quantization of",
    "merge": "a merge including",
    "distill": "distilled from",
}

_ENTRY_FIELDS = ("id", "aliases", "base_model", "trained_on", "family", "provider")
_REF_FIELDS = ("id", "relation")
_BUILTIN = "built-in"
_COMPARE_CACHE = 4096


class Relation(enum.Enum):
    """How two model ids relate, from closest to farthest."""

    SAME = "same"
    DERIVED = "derived"
    FAMILY = "family"
    INDEPENDENT = "independent"


@dataclass(frozen=True)
class BaseRef:
    """A model this one was built from, and how (one of :data:`RELATIONS`)."""

    id: str
    relation: str = "finetune"

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(
                f"base model relation must be one of {', '.join(RELATIONS)}, got {self.relation!r}"
            )


@dataclass(frozen=True)
class ModelEntry:
    """What the registry knows about one model."""

    id: str
    aliases: tuple[str, ...] = ()
    base_models: tuple[BaseRef, ...] = ()
    trained_on: tuple[str, ...] = ()  # dataset paths/ids, for the lineage graph
    family: str | None = None
    provider: str | None = None
    source: str = _BUILTIN  # where the entry came from, for messages


@dataclass(frozen=True)
class Comparison:
    """The relation between two ids and the steps that show it, for messages."""

    relation: Relation
    path: tuple[str, ...]


# --------------------------------------------------------------------------- the registry


def _spelling(raw: str) -> str:
    """The id as written, minus case and route prefix: how verbatim-only aliases are matched."""
    text = fold(raw).strip()
    parts = [part.strip() for part in text.split("/") if part.strip()]
    return parts[-1] if parts else text


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _merge(old: ModelEntry, new: ModelEntry) -> ModelEntry:
    """``new`` (a later source) over ``old``: set fields win, names and data accumulate."""
    renamed = (new.id,) if _spelling(new.id) != _spelling(old.id) else ()
    return ModelEntry(
        id=old.id,
        aliases=_unique((*old.aliases, *renamed, *new.aliases)),
        base_models=new.base_models or old.base_models,
        trained_on=_unique((*old.trained_on, *new.trained_on)),
        family=new.family or old.family,
        provider=new.provider or old.provider,
        source=old.source if new.source == old.source else f"{old.source} + {new.source}",
    )


class _Index:
    """Name lookups for a set of entries, with conflicts resolved by precedence level."""

    def __init__(self, entries: Mapping[str, ModelEntry], levels: Mapping[str, int]) -> None:
        self.entries = entries
        # An entry's own id always names it, verbatim and spelled out.
        self.spellings: dict[str, str] = {_spelling(e.id): key for key, e in entries.items()}
        self.aliases: dict[str, str] = {}
        self._levels = levels
        protected = set(self.spellings)
        for key, entry in entries.items():
            for alias in entry.aliases:
                spelled = _spelling(alias)
                if not spelled:
                    continue
                if spelled in protected and self.spellings[spelled] != key:
                    other = entries[self.spellings[spelled]]
                    raise ValueError(
                        f"{entry.source}: alias {alias!r} of model {entry.id!r} is the id of "
                        f"model {other.id!r} ({other.source})"
                    )
                self._claim(self.spellings, spelled, key, alias)
                canonical = canonical_model_id(alias)
                # Spelled out, the alias is another entry's id (Ollama "llama3:8b" reads as the
                # base model llama-3-8b): the id wins, the alias is matched verbatim only.
                if canonical and canonical != key and canonical not in entries:
                    self._claim(self.aliases, canonical, key, alias)

    def _claim(self, table: dict[str, str], name: str, key: str, alias: str) -> None:
        holder = table.get(name)
        if holder is None or holder == key or self._levels[key] > self._levels[holder]:
            table[name] = key
            return
        if self._levels[key] < self._levels[holder]:
            return  # a later source already took the name
        first, second = self.entries[holder], self.entries[key]
        raise ValueError(
            f"alias {alias!r} names two models: {first.id!r} ({first.source}) "
            f"and {second.id!r} ({second.source})"
        )


class Registry:
    """Models by canonical key, with aliases, lineage and families.

    Build one from entries (each key at most once), take the packaged one with
    :meth:`builtin`, and layer a repository's own knowledge on top with :meth:`extended`.
    An id is looked up as written first (case and route prefix aside: ``llama3:8b``), then by its
    canonical spelling; an alias that spells out to another entry's id is matched as written only.
    Registries do not change once built.
    """

    version: int | None  # of the built-in data this registry starts from, if any
    _index: _Index
    _entries: dict[str, ModelEntry]
    _levels: dict[str, int]
    _base_keys: dict[str, tuple[tuple[str, str], ...]]
    _compared: dict[tuple[str, str], Comparison]

    def __init__(self, entries: Iterable[ModelEntry] = (), *, version: int | None = None) -> None:
        table: dict[str, ModelEntry] = {}
        for entry in entries:
            key = canonical_model_id(entry.id)
            if not key:
                raise ValueError(f"{entry.source}: model id {entry.id!r} names no model")
            if key in table:
                raise ValueError(
                    f"{entry.source}: model {entry.id!r} is listed twice "
                    f"(also as {table[key].id!r}, {table[key].source})"
                )
            table[key] = entry
        self._setup(table, dict.fromkeys(table, 0), version)

    def _setup(
        self, entries: dict[str, ModelEntry], levels: dict[str, int], version: int | None
    ) -> None:
        self._index = _Index(entries, levels)
        self._entries = entries
        self._levels = levels
        self.version = version
        self._base_keys = {
            key: tuple((self.key(base.id), base.relation) for base in entry.base_models)
            for key, entry in entries.items()
        }
        # Per-record checks compare the same few pairs over and over.
        self._compared = {}

    @classmethod
    def builtin(cls) -> Registry:
        """The registry packaged with qa-provenance (``data/models.yaml``), loaded once."""
        return _builtin()

    def extended(self, entries: Iterable[ModelEntry]) -> Registry:
        """A new registry with ``entries`` layered on top of this one.

        An entry naming a model already here (by id or any alias) is merged into it: the fields
        it sets win, aliases and ``trained_on`` accumulate. Later entries win over earlier ones;
        an alias claimed by two entries of the same layer is an error.
        """
        table = dict(self._entries)
        levels = dict(self._levels)
        level = max(levels.values(), default=0) + 1
        for entry in entries:
            key = self.key(entry.id)  # a user may name a known model by any of its aliases
            if not key:
                raise ValueError(f"{entry.source}: model id {entry.id!r} names no model")
            old = table.get(key)
            table[key] = entry if old is None else _merge(old, entry)
            levels[key] = level
        layered = Registry.__new__(Registry)
        layered._setup(table, levels, self.version)
        return layered

    def key(self, raw_id: str) -> str:
        """The canonical key of an id: its registry entry's, else its spelling-normalised form."""
        hit = self._index.spellings.get(_spelling(raw_id))
        if hit is not None:
            return hit
        key = canonical_model_id(raw_id)
        if key in self._entries:
            return key
        return self._index.aliases.get(key, key)

    def entry(self, raw_id: str) -> ModelEntry | None:
        """The registry entry for an id, or None for a model the registry does not know."""
        return self._entries.get(self.key(raw_id))

    def family(self, raw_id: str) -> str | None:
        """The model's family, or else the nearest ancestor's (a fine-tune stays in its line)."""
        key = self.key(raw_id)
        for candidate in (key, *self._lineage(key)):
            entry = self._entries.get(candidate)
            if entry is not None and entry.family:
                return entry.family
        return None

    def ancestors(self, raw_id: str) -> list[tuple[str, str]]:
        """Every model this one descends from, nearest first, as (key, relation it is reached by).

        Cycles in user data are tolerated: each ancestor is listed once, the model itself never.
        """
        return [(key, relation) for key, (_, relation) in self._lineage(self.key(raw_id)).items()]

    def compare(self, a: str, b: str) -> Comparison:
        """How two model ids relate (symmetric), with the registry facts that show it."""
        cached = self._compared.get((a, b))
        if cached is None:
            if len(self._compared) >= _COMPARE_CACHE:
                self._compared.clear()
            cached = self._compared[(a, b)] = self._compare(a, b)
        return cached

    def _compare(self, a: str, b: str) -> Comparison:
        ka, kb = self.key(a), self.key(b)
        if ka == kb:
            return Comparison(Relation.SAME, (self._same_step(a, b, ka),))

        # A quantization is the same model in another number format (identity.yaml strips
        # -GGUF/-AWQ for the same reason), so chains of declared quantizations are SAME too.
        chain_a, chain_b = self._quantized_chain(ka), self._quantized_chain(kb)
        if chain_a[-1] == chain_b[-1]:
            steps = self._steps(a, chain_a) + self._steps(b, chain_b)
            return Comparison(Relation.SAME, steps)

        lineage_a, lineage_b = self._lineage(ka), self._lineage(kb)
        if kb in lineage_a:
            return Comparison(Relation.DERIVED, self._steps(a, self._chain(ka, kb, lineage_a), b))
        if ka in lineage_b:
            return Comparison(Relation.DERIVED, self._steps(b, self._chain(kb, ka, lineage_b), a))

        common = [key for key in lineage_a if key in lineage_b]
        if common:
            # Breadth-first discovery order grows with distance: the smallest sum is nearest.
            order_a = {key: order for order, key in enumerate(lineage_a)}
            order_b = {key: order for order, key in enumerate(lineage_b)}
            nearest = min(common, key=lambda key: order_a[key] + order_b[key])
            steps = self._steps(a, self._chain(ka, nearest, lineage_a)) + self._steps(
                b, self._chain(kb, nearest, lineage_b)
            )
            return Comparison(Relation.FAMILY, steps)

        families_a, families_b = self._families(ka, lineage_a), self._families(kb, lineage_b)
        shared = [family for family in families_a if family in families_b]
        if shared:
            family = shared[0]
            return Comparison(
                Relation.FAMILY,
                (
                    self._family_step(a, ka, family, families_a[family]),
                    self._family_step(b, kb, family, families_b[family]),
                ),
            )
        return Comparison(Relation.INDEPENDENT, self._independent_steps(a, ka, b, kb))

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, raw_id: object) -> bool:
        return isinstance(raw_id, str) and self.key(raw_id) in self._entries

    # ------------------------------------------------------------------ graph walking

    def _bases(self, key: str) -> tuple[tuple[str, str], ...]:
        return self._base_keys.get(key, ())

    def _lineage(self, key: str) -> dict[str, tuple[str, str]]:
        """Breadth-first ancestors: ancestor key -> (child it was reached from, relation)."""
        found: dict[str, tuple[str, str]] = {}
        queue = deque([key])
        while queue:
            child = queue.popleft()
            for parent, relation in self._bases(child):
                if parent != key and parent not in found:
                    found[parent] = (child, relation)
                    queue.append(parent)
        return found

    @staticmethod
    def _chain(start: str, ancestor: str, lineage: Mapping[str, tuple[str, str]]) -> list[str]:
        """Keys from ``start`` up to ``ancestor`` along the breadth-first tree."""
        chain = [ancestor]
        while chain[-1] != start:
            chain.append(lineage[chain[-1]][0])
        return chain[::-1]

    def _quantized_chain(self, key: str) -> list[str]:
        """``key`` followed by what it is a quantization of, while it is only that."""
        chain = [key]
        while True:
            bases = self._bases(chain[-1])
            if len(bases) != 1 or bases[0][1] != "quantized" or bases[0][0] in chain:
                return chain
            chain.append(bases[0][0])

    def _families(self, key: str, lineage: Mapping[str, Any]) -> dict[str, str]:
        """Family -> the model it comes from: its own, then every ancestor's."""
        families: dict[str, str] = {}
        for candidate in (key, *lineage):
            entry = self._entries.get(candidate)
            if entry is not None and entry.family:
                families.setdefault(entry.family, candidate)
        return families

    # ------------------------------------------------------------------ messages

    def _name(self, key: str) -> str:
        entry = self._entries.get(key)
        return key if entry is None else entry.id

    def _origin(self, key: str) -> str:
        entry = self._entries.get(key)
        return "" if entry is None or entry.source == _BUILTIN else f" ({entry.source})"

    def _steps(self, first: str, chain: Sequence[str], last: str | None = None) -> tuple[str, ...]:
        """One "<child> is <relation> <parent>" step per link of ``chain``.

        The chain's ends are named as the caller wrote them (``first``, ``last``), the models in
        between by their registry ids.
        """
        names = [first, *(self._name(key) for key in chain[1:])]
        if last is not None:
            names[-1] = last
        steps = []
        for index, (child, parent) in enumerate(zip(chain, chain[1:])):
            relation = next(rel for key, rel in self._bases(child) if key == parent)
            steps.append(
                f"{names[index]} is {_PHRASES[relation]} {names[index + 1]}{self._origin(child)}"
            )
        return tuple(steps)

    def _same_step(self, a: str, b: str, key: str) -> str:
        if _spelling(a) == _spelling(b):
            return f"{a} and {b} are the same id"
        return f"{a} and {b} both name {self._name(key)}{self._origin(key)}"

    def _family_step(self, raw: str, key: str, family: str, via: str) -> str:
        if via == key:
            return f"{raw} is in the {family} family{self._origin(key)}"
        return f"{raw} is in the {family} family through {self._name(via)}{self._origin(key)}"

    def _independent_steps(self, a: str, ka: str, b: str, kb: str) -> tuple[str, ...]:
        unknown = [raw for raw, key in ((a, ka), (b, kb)) if key not in self._entries]
        if unknown:
            return tuple(f"{raw} is not in the model registry" for raw in unknown)
        return (f"{a} and {b} share no base model and no family",)


# --------------------------------------------------------------------------- loading


def _loader() -> type[yaml.SafeLoader]:
    # The C loader is several times faster; fall back when libyaml is not compiled in.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=1)
def _builtin() -> Registry:
    text = (resources.files("provenance") / "data" / "models.yaml").read_text(encoding="utf-8")
    doc = yaml.load(text, Loader=_loader())
    if not isinstance(doc, dict) or not isinstance(doc.get("version"), int):
        raise ValueError("built-in model registry: expected a mapping with an integer version")
    return Registry(entries_from_config(doc.get("models") or [], _BUILTIN), version=doc["version"])


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list of strings, got {value!r}")
    return _unique(_text(item, f"{where}[{index}]") for index, item in enumerate(value))


def _check_fields(item: Mapping[Any, Any], allowed: Sequence[str], where: str) -> None:
    unknown = [
        repr(name)
        for name in item
        if not (isinstance(name, str) and (name in allowed or name.startswith("x-")))
    ]
    if unknown:
        raise ValueError(
            f"{where}: unknown field {', '.join(unknown)} (allowed: {', '.join(allowed)}, x-*)"
        )


def _base_refs(value: Any, where: str) -> tuple[BaseRef, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"{where} must not be an empty list")
    # As on Hugging Face: several base models without a relation are a merge.
    default = "merge" if len(items) > 1 else "finetune"
    refs = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]" if isinstance(value, list) else where
        if isinstance(item, str):
            refs.append(BaseRef(_text(item, at), default))
        elif isinstance(item, Mapping):
            _check_fields(item, _REF_FIELDS, at)
            relation = item.get("relation", default)
            if relation not in RELATIONS:
                raise ValueError(
                    f"{at}.relation must be one of {', '.join(RELATIONS)}, got {relation!r}"
                )
            refs.append(BaseRef(_text(item.get("id"), f"{at}.id"), relation))
        else:
            raise ValueError(
                f"{at} must be a model id or a mapping with id and relation, got {item!r}"
            )
    return tuple(refs)


def entries_from_config(raw: Sequence[Mapping[str, Any]], source: str) -> list[ModelEntry]:
    """Parse the ``models:`` list of a configuration (shape: :data:`MODEL_ENTRY_SCHEMA`).

    Strict, because a typo here silently changes which sources count as independent: unknown
    fields, wrong types, unknown relations and a model listed twice raise ValueError.
    """
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise ValueError(f"{source}: models must be a list of mappings, got {raw!r}")
    entries: list[ModelEntry] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(raw):
        where = f"{source}: models[{index}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where} must be a mapping with at least an id, got {item!r}")
        _check_fields(item, _ENTRY_FIELDS, where)
        model_id = _text(item.get("id"), f"{where}.id")
        key = canonical_model_id(model_id)
        if key in seen:
            raise ValueError(f"{where}: model {model_id!r} is listed twice (also as {seen[key]!r})")
        seen[key] = model_id
        entries.append(
            ModelEntry(
                id=model_id,
                aliases=_texts(item.get("aliases"), f"{where}.aliases"),
                base_models=_base_refs(item.get("base_model"), f"{where}.base_model"),
                trained_on=_texts(item.get("trained_on"), f"{where}.trained_on"),
                family=_optional_text(item.get("family"), f"{where}.family"),
                provider=_optional_text(item.get("provider"), f"{where}.provider"),
                source=source,
            )
        )
    return entries


def _card_texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return list(_unique(item.strip() for item in items if isinstance(item, str) and item.strip()))


def entry_from_model_card(
    front_matter: Mapping[str, Any], model_id: str, source: str
) -> ModelEntry | None:
    """The registry entry a Hugging Face model card's front matter implies, or None.

    Lenient, because cards are written for the Hub, not for us: fields of the wrong type are
    ignored. ``base_model`` (a list means a merge unless ``base_model_relation`` says otherwise),
    ``datasets`` (training data) and ``model_name`` are used.
    """
    if not isinstance(front_matter, Mapping):
        return None
    own = canonical_model_id(model_id)
    bases = [b for b in _card_texts(front_matter.get("base_model")) if canonical_model_id(b) != own]
    relation = front_matter.get("base_model_relation")
    relation = relation.strip().lower() if isinstance(relation, str) else None
    if relation not in RELATIONS:
        relation = "merge" if len(bases) > 1 else "finetune"
    datasets = _card_texts(front_matter.get("datasets"))
    # Quantizers' cards give the original's name here (model_name: Llama 2 7B Chat), so a name
    # that reads as this model or one of its bases adds nothing.
    named = {own, *(canonical_model_id(b) for b in bases)}
    names = _card_texts(front_matter.get("model_name"))
    aliases = [name for name in names if canonical_model_id(name) not in named]
    if not bases and not datasets and not aliases:
        return None
    return ModelEntry(
        id=model_id,
        aliases=tuple(aliases),
        base_models=tuple(BaseRef(base, relation) for base in bases),
        trained_on=tuple(datasets),
        source=source,
    )


# --------------------------------------------------------------------------- schema

_NAME: dict[str, Any] = {"type": "string", "pattern": r"\S"}
_EXTENSIONS: dict[str, Any] = {"^x-": {}}
_BASE_REF: dict[str, Any] = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {**_NAME, "description": "The base model's id (any spelling or alias)."},
        "relation": {"enum": list(RELATIONS), "description": "How this model was made from it."},
    },
    "patternProperties": _EXTENSIONS,
    "additionalProperties": False,
}

MODEL_ENTRY_SCHEMA: dict[str, Any] = {
    # A JSON Schema (draft 2020-12) fragment for one item of the configuration's `models:` list,
    # to embed under the configuration schema's $defs; entries_from_config enforces the same.
    "type": "object",
    "title": "Model registry entry",
    "description": (
        "A model the repository uses or produces: its other names, what it was built from and "
        "trained on, and its family. Extends or overrides the built-in registry entry of the "
        "same model."
    ),
    "required": ["id"],
    "properties": {
        "id": {**_NAME, "description": "The model id, e.g. acme/support-llama."},
        "aliases": {
            "type": "array",
            "items": _NAME,
            "description": "Other names for this model (deployment names, local tags).",
        },
        "base_model": {
            "description": (
                "The model(s) this one was built from: an id, {id, relation}, or a list of "
                "those. The relation defaults to finetune, or to merge for several plain ids."
            ),
            "anyOf": [
                _NAME,
                _BASE_REF,
                {"type": "array", "minItems": 1, "items": {"anyOf": [_NAME, _BASE_REF]}},
            ],
        },
        "trained_on": {
            "type": "array",
            "items": _NAME,
            "description": "Datasets (paths or ids) this model was trained on.",
        },
        "family": {
            "anyOf": [_NAME, {"type": "null"}],
            "description": "Developer line whose models share blind spots, e.g. llama-3.",
        },
        "provider": {
            "anyOf": [_NAME, {"type": "null"}],
            "description": "Who made the model, e.g. meta.",
        },
    },
    "patternProperties": _EXTENSIONS,
    "additionalProperties": False,
}
