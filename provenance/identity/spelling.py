"""Who is the same source? Identity normalisation for the identical-source loop rule.

A validator that is the same model as the generator is not an independent check, however it is
spelled. Providers, hosts and quantisers spell one model many ways (``openai/gpt-4o``,
``GPT-4o-2024-08-06``, ``anthropic.claude-3-5-sonnet-20241022-v2:0``,
``TheBloke/Llama-2-7B-GGUF``), so ids are reduced to a canonical key before comparison.

The spellings live in ``data/identity.yaml`` (the table); this module only applies it, in the
order documented at the top of that file. Everything is pure and cached: the table is read once,
and each distinct id is normalised once.

Keys are deliberately coarse (snapshots, routes, re-uploads and quantisations collapse), because
for an independence check a false "same source" is the safe error. Base and instruct models,
sizes, and model versions stay apart; lineage is not this module's concern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from provenance.identity.folding import fold
from provenance.record import Agent

__all__ = ["canonical_agent", "canonical_model_id", "load_table", "same_source"]

_MAX_ROUNDS = 64  # the fixpoint loop only ever shortens or maps to a fixed key; this is a backstop


@dataclass(frozen=True)
class Table:
    """The normalisation table, compiled once."""

    route_separator: str
    colon_route: re.Pattern[str] | None
    extension: re.Pattern[str] | None
    vertex: re.Pattern[str]
    bedrock_prefix: re.Pattern[str] | None
    bedrock_vendors: Mapping[str, str]
    bedrock_version: re.Pattern[str]
    drop_tag: re.Pattern[str] | None
    separators: re.Pattern[str]
    boundary: re.Pattern[str]
    rewrites: tuple[tuple[re.Pattern[str], str], ...]
    suffixes: tuple[re.Pattern[str], ...]
    aliases: Mapping[str, str]  # tokenised spelling -> canonical key
    alias_keys: frozenset[str]


def _loader() -> type[yaml.SafeLoader]:
    # The C loader is several times faster; fall back when libyaml is not compiled in.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _words(raw: Any, what: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError(f"identity table: {what} must be a list of strings")
    return list(raw)


def _alternation(words: list[str]) -> str:
    # Longest first so that "us-gov" wins over "us".
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def _compile(doc: Any) -> Table:
    if not isinstance(doc, dict):
        raise ValueError("identity table: top level must be a mapping")

    colon_routes = _words(doc.get("colon_routes"), "colon_routes")
    extensions = _words(doc.get("extensions"), "extensions")
    drop_tags = _words(doc.get("drop_tags"), "drop_tags")

    bedrock = doc.get("bedrock") or {}
    if not isinstance(bedrock, dict):
        raise ValueError("identity table: bedrock must be a mapping")
    regions = _words(bedrock.get("regions"), "bedrock.regions")
    vendors = bedrock.get("vendors") or {}
    if not isinstance(vendors, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in vendors.items()
    ):
        raise ValueError("identity table: bedrock.vendors must map strings to strings")
    bedrock_prefix = None
    if vendors:
        region_part = f"(?:(?:{_alternation(regions)})\\.)?" if regions else ""
        bedrock_prefix = re.compile(f"^{region_part}({_alternation(list(vendors))})\\.(?=.)")

    spelling = doc.get("spelling") or {}
    if not isinstance(spelling, dict):
        raise ValueError("identity table: spelling must be a mapping")
    rewrites = tuple(
        (re.compile(str(item["pattern"])), str(item.get("with", "")))
        for item in doc.get("rewrites") or ()
    )

    suffix_groups = doc.get("suffixes") or {}
    if not isinstance(suffix_groups, dict):
        raise ValueError("identity table: suffixes must map group names to lists of patterns")
    suffixes = tuple(
        re.compile(pattern)
        for group, patterns in suffix_groups.items()
        for pattern in _words(patterns, f"suffixes.{group}")
    )

    table = Table(
        route_separator=str(doc.get("route_separator", "/")),
        colon_route=(
            re.compile(f"^(?:{_alternation(colon_routes)}):(?=.)") if colon_routes else None
        ),
        extension=re.compile(f"\\.(?:{_alternation(extensions)})$") if extensions else None,
        vertex=re.compile(str(doc.get("vertex", "@.*$"))),
        bedrock_prefix=bedrock_prefix,
        bedrock_vendors=dict(vendors),
        bedrock_version=re.compile(str(bedrock.get("version_suffix", r"-v[1-9][0-9]*:[0-9]+$"))),
        drop_tag=re.compile(f":(?:{_alternation(drop_tags)})$") if drop_tags else None,
        separators=re.compile(str(spelling.get("separators", r"[\W_]+"))),
        boundary=re.compile(str(spelling.get("boundary", r"(?<=[^\W\d_])(?=\d)"))),
        rewrites=rewrites,
        suffixes=suffixes,
        aliases={},
        alias_keys=frozenset(),
    )

    aliases_raw = doc.get("aliases") or {}
    if not isinstance(aliases_raw, dict):
        raise ValueError("identity table: aliases must map canonical keys to lists of spellings")
    aliases: dict[str, str] = {}
    for key, spellings in aliases_raw.items():
        for spelling_raw in _words(spellings, f"aliases.{key}"):
            spelled = _tokenise(table, _structural(table, spelling_raw))
            if aliases.get(spelled, key) != key:
                raise ValueError(f"identity table: alias {spelling_raw!r} maps to two keys")
            aliases[spelled] = str(key)
    return replace(table, aliases=aliases, alias_keys=frozenset(str(k) for k in aliases_raw))


@lru_cache(maxsize=1)
def load_table() -> Table:
    """The packaged table, parsed and compiled on first use only."""
    ref = resources.files("provenance") / "data" / "identity.yaml"
    return _compile(yaml.load(ref.read_text(encoding="utf-8"), Loader=_loader()))


def _nonempty(candidate: str, previous: str) -> str:
    """Refuse a step that would leave no name at all."""
    return candidate if any(ch.isalnum() for ch in candidate) else previous


def _structural(table: Table, raw: str) -> str:
    """Strip routes, file extensions, Vertex/Bedrock decoration and route tags (steps 1-6)."""
    # Invisible characters go, NFKC folds full-width letters, and look-alikes of ASCII letters
    # (a Cyrillic "\u0440" in "g\u0440t-4o") become them (identity.folding).
    text = fold(raw).strip()
    segments = [seg for seg in text.split(table.route_separator) if seg.strip()]
    if segments:
        text = segments[-1].strip()
    if table.colon_route is not None:
        text = _nonempty(table.colon_route.sub("", text, count=1), text)
    if table.extension is not None:
        text = _nonempty(table.extension.sub("", text, count=1), text)
    text = _nonempty(table.vertex.sub("", text, count=1), text)
    if table.bedrock_prefix is not None:
        match = table.bedrock_prefix.match(text)
        # "mistral.Q4_K_M" is a quantised file of mistral, not Bedrock's vendor prefix
        # before a model called "Q4_K_M": what follows the prefix must name a model.
        if match and not _only_suffixes(table, text[match.end() :]):
            rest = table.bedrock_vendors[match.group(1)] + text[match.end() :]
            rest = _nonempty(table.bedrock_version.sub("", rest, count=1), rest)
            text = _nonempty(rest, text)
    if table.drop_tag is not None:
        text = _nonempty(table.drop_tag.sub("", text, count=1), text)
    return text


def _only_suffixes(table: Table, text: str) -> bool:
    """Whether ``text`` is nothing but snapshot, quantisation or format suffixes."""
    probe = "x-" + _tokenise(table, text)
    for _ in range(_MAX_ROUNDS):
        shorter = _strip_suffix(table, probe)
        if shorter == probe:
            break
        probe = shorter
    return probe == "x"


def _tokenise(table: Table, text: str) -> str:
    """One spelling per model: tokens joined by "-", letter->digit split (gpt4 -> gpt-4)."""
    spaced = table.boundary.sub("-", text)
    tokens = [tok for tok in table.separators.split(spaced) if tok]
    return "-".join(tokens)


def _strip_suffix(table: Table, key: str) -> str:
    for pattern in table.suffixes:
        match = pattern.search(key)
        if match is None:
            continue
        start = match.start("cut") if "cut" in pattern.groupindex else match.start()
        candidate = key[:start]
        if candidate and candidate != key:
            return candidate
    return key


def _step(table: Table, key: str) -> str:
    """One round: alias, else a rewrite, else one suffix. Unchanged means done."""
    alias = table.aliases.get(key)
    if alias is not None:
        return alias
    for pattern, replacement in table.rewrites:
        rewritten = pattern.sub(replacement, key)
        if rewritten != key and rewritten:
            return rewritten
    return _strip_suffix(table, key)


@lru_cache(maxsize=8192)
def canonical_model_id(raw: str) -> str:
    """Normalised key for a model identifier, so that spellings of one model compare equal.

    Returns "" only when ``raw`` holds no name at all (blank); otherwise a non-empty key.
    """
    table = load_table()
    structural = _structural(table, raw)
    key = _tokenise(table, structural)
    if not key:
        return structural
    for _ in range(_MAX_ROUNDS):
        nxt = _step(table, key)
        if nxt == key:
            break
        key = nxt
    return key


def _collapse(text: str) -> str:
    return " ".join(fold(text).split())


def canonical_agent(agent: Agent) -> tuple[str, str]:
    """(type, key) for comparing agents.

    Models get :func:`canonical_model_id`; humans and programs are named by people, so only case,
    whitespace and look-alike or invisible characters are forgiven ("Acme Labelers" ==
    "acme  labelers" == "Acme\u200b Labelers").
    """
    kind = _collapse(agent.type)
    if kind == "model":
        return kind, canonical_model_id(agent.id)
    return kind, _collapse(agent.id)


def same_source(a: Agent, b: Agent) -> bool:
    """True when both agents are the same kind and name the same source once normalised.

    A human and a model that share an id are different sources.
    """
    return canonical_agent(a) == canonical_agent(b)
