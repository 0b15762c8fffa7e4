"""Draft provenance from what a Croissant file or a Hugging Face dataset card says.

Cards and Croissant files describe datasets loosely: coarse creator categories
(``annotations_creators: machine-generated``), agents that are labels rather than model ids,
activities without a generator/validator role, models named only in prose. This module turns that
into a *draft* sidecar for a person to complete, never into a record that passes:

- no ``digest`` (only ``qa-provenance stamp`` binds one, after the person has checked the draft);
- every unknown agent is a ``TODO`` placeholder, which the schema and the identity rules reject;
- a top-level ``todo:`` list says what is left, and is not a record field, so ``check`` and
  ``stamp`` refuse the file until the person deletes it;
- a comment header says it is a draft, where it came from and what the source said.

Models named in prose, descriptions or keywords are taken only when the model registry recognises
them (the built-in registry, the configuration's ``models:`` and the repository's model cards), and
always with a TODO to confirm that they generated the data. Pure functions: the command in
``commands/import_cmd.py`` reads and writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provenance.checks.record_rules import PLACEHOLDER_IDS
from provenance.identity.model_cards import front_matter

if TYPE_CHECKING:
    from provenance.identity.registry import Registry

TODO = "TODO"
MAX_PROSE_CHARS = 1 << 20

# Hugging Face card `annotations_creators` / `language_creators` values (hub-docs datasetcard.md).
HUMAN_CREATORS = {
    "crowdsourced": "TODO: the crowdsourcing vendor or platform (card: crowdsourced)",
    "expert-generated": "TODO: the experts: a person, team or vendor (card: expert-generated)",
}

# Hugging Face license slugs whose SPDX id is not the slug in upper case.
SPDX = {
    "apache-2.0": "Apache-2.0",
    "mit": "MIT",
    "odc-by": "ODC-By-1.0",
    "odbl": "ODbL-1.0",
    "pddl": "PDDL-1.0",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "gpl-3.0": "GPL-3.0-only",
    "lgpl-3.0": "LGPL-3.0-only",
    "agpl-3.0": "AGPL-3.0-only",
    "mpl-2.0": "MPL-2.0",
    "unlicense": "Unlicense",
    "wtfpl": "WTFPL",
    "c-uda": "C-UDA-1.0",
}

# Record fields that name a model per record, by their last path segment in a Croissant recordSet.
PER_RECORD_AGENT_FIELDS = frozenset({
    "model", "model_name", "generator", "generating_model", "generation_model", "annotator",
    "judge", "scoring_model", "query_by", "reference_answer_by",
})

_CODE_SPAN = re.compile(r"`([^`\n]{1,100})`")
_MODEL_TOKEN = re.compile(r"(?<![\w/.:-])[A-Za-z][\w.:/-]*\d[\w.:/-]*")


@dataclass
class Draft:
    """What the source says, shaped as a record, with what is left to do."""

    source: str
    kind: str  # "Croissant" or "dataset card"
    generators: list[dict[str, Any]] = field(default_factory=list)
    validators: list[dict[str, Any]] = field(default_factory=list)
    derived_from: list[dict[str, Any]] = field(default_factory=list)
    license: str | None = None
    description: str | None = None
    todo: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    def add_agent(self, role: str, agent: dict[str, Any]) -> None:
        agents = self.generators if role == "generator" else self.validators
        key = (agent.get("type"), str(agent.get("id", "")).casefold())
        if all((a.get("type"), str(a.get("id", "")).casefold()) != key for a in agents):
            agents.append(agent)

    def record(self) -> dict[str, Any]:
        """The draft's fields in record order, with placeholders where nothing is known."""
        todo = list(self.todo)
        generators = self.generators or [{
            "type": TODO, "id": "TODO: the model, person or program that wrote the questions "
                                "and answers"}]
        if not self.generators:
            todo.append("name the generator (type model, human or program, and its id)")
        validators = self.validators or [{
            "type": TODO, "id": "TODO: who checked the data: a person, team, vendor, or a model "
                                "independent of the generator"}]
        if not self.validators:
            todo.append("name the validator: the source does not say who checked the data")
        todo.append("delete this todo list once every item is done; then stamp the data file")
        out: dict[str, Any] = {"todo": todo,
                               "generator": _one_or_list(generators),
                               "validator": _one_or_list(validators)}
        if self.derived_from:
            out["derived_from"] = self.derived_from
        if self.license:
            out["license"] = self.license
        if self.description:
            out["description"] = self.description
        return out


def render(draft: Draft, data_relpath: str | None = None) -> str:
    """The draft as YAML with a comment header; never a record that passes ``check``."""
    import yaml

    target = data_relpath or "<data file>"
    header = [
        f"# DRAFT provenance imported by `qa-provenance import` from the {draft.kind} "
        f"{draft.source}.",
        "# A starting point for a person to complete, NOT a provenance record: `check` never",
        "# reads this file, and as written it cannot pass (no digest, TODO placeholders, and a",
        "# `todo:` list that is not a record field).",
    ]
    if draft.evidence:
        header.append("# What the source says:")
        header.extend(f"#   {_one_line(line)}" for line in draft.evidence)
    header += [
        "# To finish: complete every TODO and check every value against what really happened,",
        f"# save it as {target}.provenance.yaml (without `.draft`), then run",
        f"#   qa-provenance stamp {target}    # binds the digest of the file's current content",
        f"#   qa-provenance check {target}",
    ]
    body = yaml.safe_dump(draft.record(), sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + "\n" + body


# ------------------------------------------------------------------- Hugging Face dataset card


def from_card(text: str, source: str, registry: Registry | None) -> Draft:
    """A draft from a dataset card (``README.md``): its YAML front matter and its prose."""

    draft = Draft(source, "dataset card")
    meta = front_matter(text)
    if not isinstance(meta, Mapping):
        meta = {}
        draft.evidence.append("no YAML front matter")
    annotations = _texts(meta.get("annotations_creators"))
    language = _texts(meta.get("language_creators"))
    for key, values in (("annotations_creators", annotations), ("language_creators", language)):
        if key in meta:
            draft.evidence.append(f"{key}: {', '.join(values) or '(empty)'}")
    models = models_in_text(_prose(text), registry) if registry is not None else []
    if models:
        draft.evidence.append("models named in the card: "
                              + ", ".join(f"{written} ({ident})" for ident, written in models))

    # For QA cards, the "annotations" are the questions and answers; "language" is the text
    # they were written about (or the questions, when nothing was annotated).
    kinds = [k for k in annotations if k != "no-annotation"] or \
        [k for k in language if k != "found"]
    _card_generators(draft, kinds, models)
    if "found" in language or "found" in annotations:
        draft.todo.append("the card says some text was found (it already existed): list where "
                          "it came from under sources")
    if "machine-generated" in language and "machine-generated" not in kinds:
        draft.todo.append("language_creators says the text was machine-generated: if a model "
                          "wrote the questions, add it as a generator with role questions")

    for item in _texts(meta.get("source_datasets")):
        _card_source(draft, item)
    _card_license(draft, meta.get("license"))
    tags = [t.casefold() for t in _texts(meta.get("tags"))]
    if "synthetic" in tags:
        draft.evidence.append("tags: synthetic")
    pretty = meta.get("pretty_name")
    if isinstance(pretty, str) and pretty.strip():
        draft.description = " ".join(pretty.split())
    return draft


def _card_generators(draft: Draft, kinds: list[str], models: list[tuple[str, str]]) -> None:
    machine = "machine-generated" in kinds
    for kind in kinds:
        if kind in HUMAN_CREATORS:
            draft.add_agent("generator", {"type": "human", "id": HUMAN_CREATORS[kind]})
            draft.todo.append(f"the card says {kind}: name who, as the generator's id")
        elif kind == "other":
            draft.todo.append("the card says the data was created by 'other' means: name the "
                              "generator")
    if machine and not models:
        draft.add_agent("generator", {
            "type": "model", "id": "TODO: which model (the card names none the registry knows)"})
        draft.todo.append("the card says machine-generated but names no known model: give its id")
    for ident, written in models:
        draft.add_agent("generator", {"type": "model", "id": ident})
        why = "says machine-generated and " if machine else ""
        draft.todo.append(f"the card {why}mentions {written!r} ({ident}): confirm that it "
                          "generated this data, or remove it")


def _card_source(draft: Draft, item: str) -> None:
    if item == "original":
        draft.evidence.append("source_datasets: original")
        return
    name = item.split("|")[-1].strip()
    if not name:
        return
    if name.startswith("other-"):
        draft.derived_from.append({"uri": name[len("other-"):],
                                   "description": f"source_datasets: {item}"})
        draft.todo.append(f"give a path or URL for the source dataset {name[len('other-'):]!r}")
        return
    draft.derived_from.append({"uri": f"https://huggingface.co/datasets/{name}",
                               "description": f"source_datasets: {item}"})


def _card_license(draft: Draft, value: Any) -> None:
    licenses = _texts(value)
    if not licenses:
        return
    draft.evidence.append(f"license: {', '.join(licenses)}")
    if len(licenses) > 1:
        draft.todo.append(f"the card lists several licenses ({', '.join(licenses)}): give this "
                          "file's")
        return
    spdx = spdx_id(licenses[0])
    if spdx is None:
        draft.todo.append(f"the card's license is {licenses[0]!r}: give the actual license")
    else:
        draft.license = spdx


def spdx_id(value: str) -> str | None:
    """A Hugging Face license slug or a license URL as an SPDX id (None: unknown / other)."""
    text = value.strip().rstrip("/")
    if "://" in text:
        text = text.rsplit("/", 1)[-1]
        text = text[:-5] if text.endswith(".html") else text
    slug = text.casefold()
    if not slug or slug in ("other", "unknown", "none"):
        return None
    if slug in SPDX:
        return SPDX[slug]
    if slug.startswith(("cc-", "cc0")):
        return slug.upper()
    return text


# ------------------------------------------------------------------------------- Croissant


def from_croissant(doc: Mapping[str, Any], source: str, registry: Registry | None) -> Draft:
    """A draft from a Croissant JSON-LD document (1.0 or 1.1; PROV-O keys as published)."""
    draft = Draft(source, "Croissant file")
    name = _text(doc.get("name"))
    conforms = _text(doc.get("conformsTo") or doc.get("dct:conformsTo"))
    if conforms:
        draft.evidence.append(f"conformsTo: {conforms}")
    if name:
        draft.description = name
        draft.evidence.append(f"name: {name}")
    nodes = _index(doc)
    used: set[str] = set()
    for activity in _items(_prop(doc, "wasGeneratedBy")):
        activity = _resolve(activity, nodes)
        _croissant_activity(draft, activity, nodes, registry, used)
    for agent in _items(_prop(doc, "wasAttributedTo")):
        agent = _resolve(agent, nodes)
        _croissant_agent(draft, agent, "generator", registry, "prov:wasAttributedTo",
                         unsorted=True)
        used.add(_node_id(agent))
    for agent in _items(_prop(doc, "wasAssociatedWith")) + _items(_prop(doc, "isAssociatedWith")):
        agent = _resolve(agent, nodes)
        if _node_id(agent) not in used:
            _croissant_agent(draft, agent, "generator", registry, "prov:wasAssociatedWith",
                             unsorted=True)
    for tool in _texts(doc.get("rai:machineAnnotationTools")):
        _croissant_agent(draft, {"prov:label": tool, "@type": "prov:SoftwareAgent"},
                         "validator", registry, "rai:machineAnnotationTools")
    for key in ("rai:hasSyntheticData", "rai:syntheticDataExplanation",
                "rai:dataAnnotationProtocol"):
        if key in doc:
            draft.evidence.append(f"{key}: {_text(doc[key])}")
    for entity in _items(_prop(doc, "wasDerivedFrom")):
        _croissant_derived(draft, _resolve(entity, nodes))
    _croissant_license(draft, doc.get("license"))
    if isinstance(doc.get("creator"), (Mapping, list)):
        names = [_label(c) for c in _items(doc["creator"])]
        draft.evidence.append(f"creator: {', '.join(n for n in names if n)}")
    if registry is not None and not any(a.get("type") == "model" for a in draft.generators):
        prose = " ".join([_text(doc.get("description")), *_texts(doc.get("keywords")),
                          _text(doc.get("rai:syntheticDataExplanation"))])
        for ident, written in models_in_text(prose, registry):
            draft.add_agent("generator", {"type": "model", "id": ident})
            draft.todo.append(f"the Croissant description or keywords mention {written!r} "
                              f"({ident}): confirm that it generated this data, or remove it")
    for path in _per_record_fields(doc):
        draft.todo.append(f"the records carry a per-record agent field {path!r}: map it under "
                          "`records:` in .qa-provenance.yaml so check reads it")
    if any(a.get("x-unsorted") for a in draft.generators):
        draft.todo.append("the agents under generator come from Croissant provenance that gives "
                          "no generator/validator role: keep those that wrote the data, move "
                          "those that checked it to validator, drop the rest")
    for agent in (*draft.generators, *draft.validators):
        agent.pop("x-unsorted", None)
    return draft


def _croissant_activity(draft: Draft, activity: Mapping[str, Any],
                        nodes: Mapping[str, Mapping[str, Any]], registry: Registry | None,
                        used: set[str]) -> None:
    label = _label(activity) or "an activity"
    roles = _qualified_roles(activity, nodes)
    agents = [_resolve(a, nodes) for a in _items(_prop(activity, "wasAssociatedWith"))
              + _items(_prop(activity, "isAssociatedWith"))]
    described = ", ".join(_label(a) or _node_id(a) for a in agents) or "no agent"
    what = _text(_prop(activity, "description") or activity.get("description"))
    draft.evidence.append(f"activity {label} ({described})" + (f": {what}" if what else ""))
    lowered = label.casefold()
    default = "validator" if "validation" in lowered or "validat" in lowered else "generator"
    for agent in agents:
        ident = _node_id(agent)
        used.add(ident)
        role = roles.get(ident)
        if (role is not None and role.name == "verifier") or "spot check" in lowered:
            draft.evidence.append(f"verifier {_label(agent)}: spot checks are recorded by "
                                  "`qa-provenance spot-check --record`, not imported")
            continue
        _croissant_agent(draft, agent, role.name if role else default, registry,
                         f"activity {label}", unsorted=role is None, qualified=role)


def _croissant_agent(draft: Draft, agent: Mapping[str, Any], role: str,
                     registry: Registry | None, where: str, *, unsorted: bool = False,
                     qualified: _Role | None = None) -> None:
    label = _label(agent)
    if not label:
        return
    types = {str(t) for t in _items(agent.get("@type"))}
    entry = registry.entry(label) if registry is not None else None
    if entry is not None:  # a model: keep its id as written (a dated snapshot stays one)
        out: dict[str, Any] = {"type": "model", "id": label}
    elif types & {"prov:SoftwareAgent", "SoftwareAgent"}:
        out = {"type": "program", "id": label}
        draft.todo.append(f"{label!r} ({where}) is a software agent the model registry does not "
                          "know: if it is a model, give its model id and type model")
    else:
        out = {"type": "human", "id": label}
    if out["type"] != "model" and _placeholder(label):
        out["id"] = f"TODO: who the {label} are (a person, team, vendor or platform)"
        draft.todo.append(f"{label!r} ({where}) says what kind of agent, not who: name them")
    if qualified is not None and qualified.part and role == "generator":
        out["role"] = qualified.part
    if qualified is not None and qualified.method and role == "validator":
        out["method"] = qualified.method
    if unsorted:
        out["x-unsorted"] = True
    draft.add_agent(role, out)


def _placeholder(label: str) -> bool:

    return " ".join(label.split()).casefold() in PLACEHOLDER_IDS


@dataclass(frozen=True)
class _Role:
    """A qualified association's role, and what qa-provenance's own export adds to it."""

    name: str  # generator, validator or verifier
    part: str | None = None  # a generator's role: questions, answers or both
    method: str | None = None  # a validator's method (prov:hadPlan)


def _qualified_roles(activity: Mapping[str, Any],
                     nodes: Mapping[str, Mapping[str, Any]]) -> dict[str, _Role]:
    roles = {}
    for association in _items(_prop(activity, "qualifiedAssociation")):
        if not isinstance(association, Mapping):
            continue
        agent = _resolve(_prop(association, "agent"), nodes)
        role = _prop(association, "hadRole")
        text = (_label(role) if isinstance(role, Mapping) else _text(role)).casefold()
        if text not in ("generator", "validator", "verifier") or not _node_id(agent):
            continue
        part = _text(association.get("description"))
        plan = _prop(association, "hadPlan")
        method = _label(plan) if isinstance(plan, Mapping) else _text(plan)
        roles[_node_id(agent)] = _Role(
            text, part if part in ("questions", "answers", "both") else None, method or None)
    return roles


def _croissant_derived(draft: Draft, entity: Mapping[str, Any]) -> None:
    uri = ""
    for key in ("prov:atLocation", "prov:locatedAt", "atLocation", "url", "contentUrl", "sameAs",
                "@id", "id"):
        value = entity.get(key)
        if isinstance(value, str) and value.strip():
            uri = value.strip()
            break
    if not uri:
        return
    item: dict[str, Any] = {"uri": uri}
    label = _label(entity)
    if label and label != uri:
        item["description"] = f"prov:wasDerivedFrom {label}"
    if all(d.get("uri") != uri for d in draft.derived_from):
        draft.derived_from.append(item)


def _croissant_license(draft: Draft, value: Any) -> None:
    licenses = [_label(v) if isinstance(v, Mapping) else _text(v) for v in _items(value)]
    licenses = [text for text in licenses if text]
    if not licenses:
        return
    draft.evidence.append(f"license: {', '.join(licenses)}")
    if len(licenses) == 1 and spdx_id(licenses[0]):
        draft.license = spdx_id(licenses[0])
    else:
        draft.todo.append(f"the Croissant license is {', '.join(licenses)}: give this file's")


def _per_record_fields(doc: Mapping[str, Any]) -> list[str]:
    out = []
    for record_set in _items(doc.get("recordSet")):
        if not isinstance(record_set, Mapping):
            continue
        for item in _items(record_set.get("field")):
            if not isinstance(item, Mapping):
                continue
            path = _node_id(item) or _text(item.get("name"))
            if path.rsplit("/", 1)[-1].casefold() in PER_RECORD_AGENT_FIELDS:
                out.append(path)
    return out


# ------------------------------------------------------------------------ JSON-LD helpers


def _prop(node: Any, name: str) -> Any:
    """A PROV property under any of the spellings published Croissant files use."""
    if not isinstance(node, Mapping):
        return None
    for key in (f"prov:{name}", name, f"http://www.w3.org/ns/prov#{name}"):
        if key in node:
            return node[key]
    return None


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _node_id(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Mapping):
        return _text(node.get("@id") or node.get("id"))
    return ""


def _index(doc: Any) -> dict[str, Mapping[str, Any]]:
    """Every node with an id, keeping the most detailed definition of each."""
    out: dict[str, Mapping[str, Any]] = {}
    for node in _walk(doc):
        ident = _node_id(node)
        if ident and len(node) > len(out.get(ident, {})):
            out[ident] = node
    return out


def _walk(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _resolve(node: Any, nodes: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any]:
    """A reference (``{"@id": x}`` or a bare id string) replaced by the node it names."""
    ident = _node_id(node)
    if ident and ident in nodes and (isinstance(node, str) or len(node) <= 1):
        return nodes[ident]
    return node if isinstance(node, Mapping) else {"@id": ident}


def _label(node: Any) -> str:
    if not isinstance(node, Mapping):
        return _text(node)
    for key in ("prov:label", "name", "label", "rdfs:label", "@id", "id"):
        text = _text(node.get(key))
        if text:
            return text
    return ""


def _text(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, (bool, int, float)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, Mapping):
        return _text(value.get("@value") or value.get("@id"))
    if isinstance(value, list):
        return ", ".join(t for t in (_text(v) for v in value) if t)
    return ""


def _texts(value: Any) -> list[str]:
    return [t for t in (_text(v) for v in _items(value)) if t]


# --------------------------------------------------------------------------- model mentions


def models_in_text(text: str, registry: Registry) -> list[tuple[str, str]]:
    """Models the registry recognises in free text, as (registry id, as written), once each.

    Candidates are code spans and words that contain a digit (``text-davinci-003``,
    ``GPT-4``, ``Llama-3.1-8B``), so common words are never taken for model names."""
    found: dict[str, tuple[str, str]] = {}
    for candidate in _candidates(text[:MAX_PROSE_CHARS]):
        entry = registry.entry(candidate)
        if entry is not None:
            found.setdefault(registry.key(candidate), (entry.id, candidate))
    return list(found.values())


def _candidates(text: str) -> Iterable[str]:
    for match in _CODE_SPAN.finditer(text):
        yield match.group(1).strip()
    for match in _MODEL_TOKEN.finditer(text):
        yield match.group(0).rstrip(".:,;/-")


def _prose(text: str) -> str:
    """A card's text after its front matter."""
    if text.startswith("---"):
        lines = text.splitlines()
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return "\n".join(lines[index + 1:])
    return text


def _one_or_list(agents: list[dict[str, Any]]) -> Any:
    return agents[0] if len(agents) == 1 else agents


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
