"""Croissant 1.1 JSON-LD from provenance records, with W3C PROV-O as Croissant 1.1 recommends.

One ``cr:FileObject`` per data file (``contentUrl``, ``encodingFormat``, ``sha256``), and the
provenance at two levels, as the Croissant 1.1 "Provenance Representation" section allows:

- dataset level: every activity (``prov:wasGeneratedBy``, with its agents in full under
  ``prov:wasAssociatedWith``), every generator (``prov:wasAttributedTo``) and every source or
  parent dataset (``prov:wasDerivedFrom``);
- file level: the same three properties, as ``{"@id": ...}`` references to those nodes.

PROV has no "validated" relation, so validation is an activity of its own
(``prov:wasInformedBy`` the generation), associated with the validators; spot checks recorded
for the file's current content are further activities associated with their verifier. Roles are
``prov:qualifiedAssociation`` / ``prov:hadRole`` (``generator``, ``validator``, ``verifier``)
with the validation method as ``prov:hadPlan``. Models and programs are ``prov:SoftwareAgent``,
humans ``prov:Agent`` (a person, team or vendor).

Pure: the command in ``commands/export.py`` reads the files and records.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

CROISSANT_1_1 = "http://mlcommons.org/croissant/1.1"

# Croissant 1.1's recommended context (its Appendix 1, with schema.org over https as mlcroissant
# and the published 1.1 datasets write it), plus the PROV-O namespace.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "annotation": "cr:annotation",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "excludes": "cr:excludes",
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "readLines": "cr:readLines",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sdVersion": "cr:sdVersion",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "unArchive": "cr:unArchive",
    "value": "cr:value",
}

ENCODING_FORMATS = {
    ".jsonl": "application/jsonlines",
    ".ndjson": "application/jsonlines",
    ".json": "application/json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".parquet": "application/x-parquet",
    ".gz": "application/gzip",  # a compressed JSONL, JSON, CSV or TSV file, as downloaded
    ".zst": "application/zstd",
}


@dataclass(frozen=True)
class FileEntry:
    """One data file to describe."""

    relpath: str
    sha256: str  # of the bytes a consumer downloads (for a Git LFS pointer: the object's oid)
    record: Mapping[str, Any]  # its provenance record, valid against the published schema
    size: int | None = None  # bytes; None when unknown (a Git LFS pointer)
    provenance_path: str | None = None
    trust: str | None = None
    # Agents named only by the records (per-record provenance), when the record names none.
    record_generators: tuple[str, ...] = ()
    record_validators: tuple[str, ...] = ()


@dataclass
class _Nodes:
    """Full nodes by @id, in first-seen order, so each is written once at dataset level."""

    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    attributed: dict[str, dict[str, Any]] = field(default_factory=dict)
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)


def encoding_format(relpath: str) -> str:
    return ENCODING_FORMATS.get(posixpath.splitext(relpath)[1].lower(), "application/octet-stream")


def license_url(value: str) -> str:
    """A license as Croissant prefers it: a URL (an SPDX id becomes its spdx.org page)."""
    if "://" in value:
        return value
    return f"https://spdx.org/licenses/{quote(value.strip(), safe='.-+')}.html"


def build(entries: Sequence[FileEntry], *, name: str, description: str | None = None,
          url: str | None = None, base_url: str | None = None) -> dict[str, Any]:
    """The Croissant document describing ``entries``."""
    nodes = _Nodes()
    distribution = [_file_object(entry, nodes, base_url) for entry in entries]
    licenses = _unique(license_url(str(e.record["license"])) for e in entries
                       if e.record.get("license"))
    generators = [_agent_list(e.record.get("generator")) for e in entries]
    validators = [_agent_list(e.record.get("validator")) for e in entries]
    doc: dict[str, Any] = {
        "@context": dict(CONTEXT),
        "@type": "sc:Dataset",
        "name": name,
        "description": description or _description(entries),
        "conformsTo": CROISSANT_1_1,
    }
    if url:
        doc["url"] = url
    if licenses:
        doc["license"] = licenses[0] if len(licenses) == 1 else licenses
    doc["distribution"] = distribution
    doc["prov:wasGeneratedBy"] = list(nodes.activities.values())
    if nodes.attributed:
        doc["prov:wasAttributedTo"] = list(nodes.attributed.values())
    if nodes.derived:
        doc["prov:wasDerivedFrom"] = list(nodes.derived.values())
    synthetic = any(a.get("type") == "model" for agents in generators for a in agents) \
        or any(e.record_generators for e in entries)
    doc["rai:hasSyntheticData"] = synthetic
    if synthetic:
        doc["rai:syntheticDataExplanation"] = _synthetic_explanation(entries, generators)
    protocol = _annotation_protocol(entries, validators)
    if protocol:
        doc["rai:dataAnnotationProtocol"] = protocol
    tools = _unique(str(a["id"]) for agents in validators for a in agents
                    if a.get("type") in ("model", "program"))
    if tools:
        doc["rai:machineAnnotationTools"] = tools
    return doc


def missing_required(doc: Mapping[str, Any]) -> list[str]:
    """Croissant 1.1 required dataset properties this export could not fill in."""
    return [key for key in ("url", "license", "creator", "datePublished") if key not in doc]


# ---------------------------------------------------------------------------- per file


def _file_object(entry: FileEntry, nodes: _Nodes, base_url: str | None) -> dict[str, Any]:
    record = entry.record
    content_url = entry.relpath
    if base_url:
        content_url = base_url.rstrip("/") + "/" + quote(entry.relpath)
    out: dict[str, Any] = {
        "@type": "cr:FileObject",
        "@id": entry.relpath,
        "name": entry.relpath,
        "description": _file_description(entry),
        "contentUrl": content_url,
        "encodingFormat": encoding_format(entry.relpath),
        "sha256": entry.sha256,
    }
    if entry.size is not None:
        out["contentSize"] = f"{entry.size} B"

    generators = [_agent_node(a) for a in _agent_list(record.get("generator"))]
    generators += [_named_only(i, "generator") for i in entry.record_generators]
    validators = [_agent_node(a) for a in _agent_list(record.get("validator"))]
    validators += [_named_only(i, "validator") for i in entry.record_validators]
    derived = [_entity(item) for item in [*(record.get("derived_from") or ()),
                                          *(record.get("sources") or ())]]
    sources = [_entity(item) for item in record.get("sources") or ()]

    generation_id = f"{entry.relpath}#generation"
    generation: dict[str, Any] = {
        "@type": "prov:Activity",
        "@id": generation_id,
        "prov:label": f"generation of {entry.relpath}",
        "prov:wasAssociatedWith": generators,
        "prov:qualifiedAssociation": [
            _association(a, "generator", None, _agent_field(record, "generator", a, "role"))
            for a in generators],
    }
    if sources:
        generation["prov:used"] = [_ref(s) for s in sources]
    if record.get("created"):
        generation["prov:endedAtTime"] = str(record["created"])
    activities = [generation]

    if validators:
        activities.append({
            "@type": "prov:Activity",
            "@id": f"{entry.relpath}#validation",
            "prov:label": f"validation of {entry.relpath}",
            "prov:wasInformedBy": {"@id": generation_id},
            "prov:wasAssociatedWith": validators,
            "prov:qualifiedAssociation": [
                _association(a, "validator", _agent_field(record, "validator", a, "method"))
                for a in validators],
        })
    activities.extend(_spot_checks(entry, generation_id))

    for activity in activities:
        nodes.activities.setdefault(activity["@id"], activity)
    for agent in generators:
        nodes.attributed.setdefault(agent["@id"], agent)
    for entity in derived:
        nodes.derived.setdefault(entity["@id"], entity)
    out["prov:wasGeneratedBy"] = [{"@id": a["@id"]} for a in activities]
    if generators:
        out["prov:wasAttributedTo"] = [_ref(a) for a in generators]
    if derived:
        out["prov:wasDerivedFrom"] = [_ref(e) for e in _unique_nodes(derived)]
    return out


def _spot_checks(entry: FileEntry, generation_id: str) -> list[dict[str, Any]]:
    """Spot checks recorded for exactly this content, as activities of their verifier."""
    out = []
    entries = entry.record.get("verifications")
    for index, check in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(check, Mapping):
            continue
        digest = check.get("digest")
        if not isinstance(digest, Mapping) or digest.get("sha256") != entry.record.get(
                "digest", {}).get("sha256"):
            continue
        kind = "model" if check.get("kind") == "openai" else "program"
        verifier = _agent_node({"type": kind, "id": str(check.get("verifier", ""))})
        activity: dict[str, Any] = {
            "@type": "prov:Activity",
            "@id": f"{entry.relpath}#spot-check-{index + 1}",
            "prov:label": f"spot check of {entry.relpath}: {check.get('result')}",
            "description": str(check.get("claim", "")),
            "prov:wasInformedBy": {"@id": generation_id},
            "prov:wasAssociatedWith": [verifier],
            "prov:qualifiedAssociation": [_association(verifier, "verifier", None)],
        }
        if check.get("time"):
            activity["prov:endedAtTime"] = str(check["time"])
        out.append(activity)
    return out


def _association(agent: Mapping[str, Any], role: str, plan: str | None,
                 part: str | None = None) -> dict[str, Any]:
    """``role`` is generator, validator or verifier; ``part`` what a generator wrote
    (questions, answers, both); ``plan`` a validation method."""
    out: dict[str, Any] = {"@type": "prov:Association", "prov:agent": _ref(agent),
                           "prov:hadRole": {"@type": "prov:Role", "prov:label": role}}
    if part:
        out["description"] = part
    if plan:
        out["prov:hadPlan"] = {"@type": "prov:Plan", "prov:label": plan}
    return out


def _agent_field(record: Mapping[str, Any], role: str, node: Mapping[str, Any],
                 key: str) -> str | None:
    """The record's ``role`` or ``method`` for the agent a node stands for."""
    for agent in _agent_list(record.get(role)):
        if _agent_node(agent)["@id"] == node["@id"]:
            value = agent.get(key)
            return str(value) if value else None
    return None


# ---------------------------------------------------------------------------- nodes


def _agent_list(value: Any) -> list[Mapping[str, Any]]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [item for item in items if isinstance(item, Mapping)]


def _agent_id(kind: str, ident: str, version: Any = None) -> str:
    """One id per agent (and version), whatever it did in which file: its role in a file is
    said by that file's activities, so every definition of an agent node is the same."""
    tail = f"@{quote(str(version), safe='')}" if version else ""
    return f"agents/{quote(kind, safe='')}/{quote(ident, safe='')}{tail}"


def _agent_node(agent: Mapping[str, Any]) -> dict[str, Any]:
    kind, ident = str(agent.get("type", "")), str(agent.get("id", ""))
    node: dict[str, Any] = {
        "@type": "prov:Agent" if kind == "human" else "prov:SoftwareAgent",
        "@id": _agent_id(kind, ident, agent.get("version")),
        "prov:label": ident,
        "name": ident,
        "description": f"{kind} {ident}",
    }
    if agent.get("version"):
        node["version"] = str(agent["version"])
    if agent.get("url"):
        node["url"] = str(agent["url"])
    return node


def _named_only(ident: str, role: str) -> dict[str, Any]:
    return {"@type": "prov:Agent", "@id": _agent_id("record-agent", ident), "prov:label": ident,
            "name": ident, "description": f"{role} named by the records themselves"}


def _entity(item: Any) -> dict[str, Any]:
    if isinstance(item, Mapping):
        uri = str(item.get("uri", ""))
        node: dict[str, Any] = {"@type": "prov:Entity", "@id": uri, "prov:atLocation": uri}
        digest = item.get("digest")
        if isinstance(digest, Mapping) and digest.get("sha256"):
            node["sha256"] = str(digest["sha256"])
        if item.get("description"):
            node["description"] = str(item["description"])
        return node
    return {"@type": "prov:Entity", "@id": str(item), "prov:atLocation": str(item)}


def _ref(node: Mapping[str, Any]) -> dict[str, Any]:
    return {"@id": node["@id"]}


def _unique_nodes(nodes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for node in nodes:
        seen.setdefault(node["@id"], node)
    return list(seen.values())


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------------------- text


def _describe_agents(agents: Iterable[Mapping[str, Any]], with_method: bool = False) -> str:
    parts = []
    for agent in agents:
        text = f"{agent.get('type')} {agent.get('id')}"
        extra = agent.get("method") if with_method else agent.get("role")
        parts.append(f"{text} ({extra})" if extra else text)
    return ", ".join(parts)


def _file_description(entry: FileEntry) -> str:
    where = f" in {entry.provenance_path}" if entry.provenance_path else ""
    text = f"QA data file; provenance record{where} (qa-provenance format v1)"
    if entry.trust:
        text += f"; trust level {entry.trust}"
    return text


def _description(entries: Sequence[FileEntry]) -> str:
    count = len(entries)
    return (f"{count} question-answer data file{'s' if count != 1 else ''} with qa-provenance "
            "records: who generated them, who validated them, and the digest each claim covers.")


def _synthetic_explanation(entries: Sequence[FileEntry],
                           generators: Sequence[Sequence[Mapping[str, Any]]]) -> str:
    parts = []
    for entry, agents in zip(entries, generators):
        who = _describe_agents(agents) or ", ".join(entry.record_generators)
        parts.append(f"{entry.relpath}: generated by {who}")
    return "; ".join(parts)


def _annotation_protocol(entries: Sequence[FileEntry],
                         validators: Sequence[Sequence[Mapping[str, Any]]]) -> str:
    parts = []
    for entry, agents in zip(entries, validators):
        who = _describe_agents(agents, with_method=True) or ", ".join(entry.record_validators)
        if who:
            parts.append(f"{entry.relpath}: validated by {who}")
    return "; ".join(parts)
