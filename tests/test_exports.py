"""`qa-provenance export`: Croissant 1.1 JSON-LD with PROV-O, and in-toto Statement v1.

The Croissant document is checked for the shape a JSON-LD consumer relies on (context, types,
every reference defined, digests) in every run; it is also loaded with mlcroissant when that
package is installed (the test skips otherwise: mlcroissant is not a dependency of this project).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import QA_ROWS, VALIDATOR, Repo, Runner, dump_yaml, sha256_bytes
from signing import Key

from provenance.reading import schema
from provenance.reading.embedded import canonical_sha256
from provenance.spot.local_verifier import VERIFIER_ID

DATA = "data/train.jsonl"
OTHER = "data/eval.jsonl"
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SOURCE_DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture
def data(repo: Repo) -> Repo:
    repo.jsonl(DATA)
    repo.sidecar(DATA, license="CC-BY-4.0", created="2026-11-25T10:00:00Z",
                 derived_from=["data/seed.jsonl"],
                 sources=[{"uri": "docs/handbook.pdf", "digest": {"sha256": SOURCE_DIGEST},
                           "description": "the handbook"}],
                 generator=[{"type": "model", "id": "openai/gpt-4o-2024-08-06",
                             "role": "questions"},
                            {"type": "model", "id": "anthropic/claude-3-5-sonnet-20241022",
                             "role": "answers", "version": "2024-10-22"}])
    return repo


def croissant(run: Runner, *args: str) -> dict[str, Any]:
    result = run("export", "--croissant", *args)
    assert result.code == 0, result.err
    document: dict[str, Any] = json.loads(result.out)
    return document


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from nodes(item)


def defined(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Node definitions by @id (a node with more than its @id), across the document."""
    out: dict[str, dict[str, Any]] = {}
    for node in nodes({k: v for k, v in doc.items() if k != "@context"}):
        if "@id" in node and len(node) > 1:
            out.setdefault(node["@id"], node)
    return out


def references(doc: dict[str, Any]) -> list[str]:
    return [node["@id"] for node in nodes({k: v for k, v in doc.items() if k != "@context"})
            if set(node) == {"@id"}]


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["@id"]: item for item in items}


# ---------------------------------------------------------------------------- Croissant


def test_croissant_context_and_dataset_shape(data: Repo, run: Runner) -> None:
    doc = croissant(run, DATA)
    context = doc["@context"]
    assert context["@vocab"] == "https://schema.org/"
    assert context["sc"] == "https://schema.org/"
    assert context["cr"] == "http://mlcommons.org/croissant/"
    assert context["prov"] == "http://www.w3.org/ns/prov#"
    assert context["rai"] == "http://mlcommons.org/croissant/RAI/"
    assert context["dct"] == "http://purl.org/dc/terms/"
    assert context["conformsTo"] == "dct:conformsTo"
    assert context["data"] == {"@id": "cr:data", "@type": "@json"}
    assert doc["@type"] == "sc:Dataset"
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert doc["name"] == "train.jsonl"
    assert doc["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert doc["rai:hasSyntheticData"] is True


def test_croissant_file_object_with_digest(data: Repo, run: Runner) -> None:
    doc = croissant(run, DATA)
    [file_object] = doc["distribution"]
    assert file_object["@type"] == "cr:FileObject"
    assert file_object["@id"] == file_object["name"] == file_object["contentUrl"] == DATA
    assert file_object["encodingFormat"] == "application/jsonlines"
    assert file_object["sha256"] == data.sha256(DATA)
    assert file_object["contentSize"] == f"{data.path(DATA).stat().st_size} B"
    assert "trust level declared" in file_object["description"]


def test_croissant_prov_generation_validation_attribution_derivation(data: Repo,
                                                                    run: Runner) -> None:
    doc = croissant(run, DATA)
    activities = by_id(doc["prov:wasGeneratedBy"])
    generation = activities[f"{DATA}#generation"]
    validation = activities[f"{DATA}#validation"]
    assert generation["@type"] == validation["@type"] == "prov:Activity"
    assert [a["prov:label"] for a in generation["prov:wasAssociatedWith"]] == [
        "openai/gpt-4o-2024-08-06", "anthropic/claude-3-5-sonnet-20241022"]
    assert {a["@type"] for a in generation["prov:wasAssociatedWith"]} == {"prov:SoftwareAgent"}
    assert generation["prov:endedAtTime"] == "2026-11-25T10:00:00Z"
    assert generation["prov:used"] == [{"@id": "docs/handbook.pdf"}]
    roles = {q["prov:hadRole"]["prov:label"] for q in generation["prov:qualifiedAssociation"]}
    assert roles == {"generator"}

    [validator] = validation["prov:wasAssociatedWith"]
    assert validator["@type"] == "prov:Agent"
    assert validator["prov:label"] == VALIDATOR["id"]
    assert validation["prov:wasInformedBy"] == {"@id": f"{DATA}#generation"}
    [association] = validation["prov:qualifiedAssociation"]
    assert association["prov:hadRole"]["prov:label"] == "validator"
    assert association["prov:hadPlan"]["prov:label"] == "human-review"

    attributed = [a["prov:label"] for a in doc["prov:wasAttributedTo"]]
    assert attributed == ["openai/gpt-4o-2024-08-06", "anthropic/claude-3-5-sonnet-20241022"]
    derived = by_id(doc["prov:wasDerivedFrom"])
    assert set(derived) == {"data/seed.jsonl", "docs/handbook.pdf"}
    assert derived["docs/handbook.pdf"]["sha256"] == SOURCE_DIGEST
    assert derived["docs/handbook.pdf"]["@type"] == "prov:Entity"

    [file_object] = doc["distribution"]
    assert file_object["prov:wasGeneratedBy"] == [{"@id": f"{DATA}#generation"},
                                                  {"@id": f"{DATA}#validation"}]
    assert len(file_object["prov:wasAttributedTo"]) == 2
    assert {r["@id"] for r in file_object["prov:wasDerivedFrom"]} == set(derived)
    assert "human Acme Annotation Team (human-review)" in doc["rai:dataAnnotationProtocol"]
    assert "openai/gpt-4o-2024-08-06 (questions)" in doc["rai:syntheticDataExplanation"]


def test_croissant_every_reference_is_defined_and_ids_are_unique(data: Repo,
                                                                 run: Runner) -> None:
    data.jsonl(OTHER, QA_ROWS[:2])
    data.sidecar(OTHER, validator={"type": "model", "id": "mistralai/Mistral-Large-Instruct-2411",
                                   "method": "llm-judge"})
    doc = croissant(run, "data")
    definitions = defined(doc)
    assert set(references(doc)) <= set(definitions)
    for node in nodes(doc["prov:wasGeneratedBy"]):  # an agent defined twice is the same agent
        if "@id" in node and len(node) > 1:
            assert node == definitions[node["@id"]]
    assert [f["@id"] for f in doc["distribution"]] == [OTHER, DATA]
    assert doc["name"] == "repo"
    assert doc["rai:machineAnnotationTools"] == ["mistralai/Mistral-Large-Instruct-2411"]


def test_croissant_spot_checks_for_the_current_content(data: Repo, run: Runner,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", "ci-secret-for-the-test")  # a keyed sample
    assert run("spot-check", "--record").code == 0
    doc = croissant(run, DATA)
    checks = [a for a in doc["prov:wasGeneratedBy"] if "#spot-check-" in a["@id"]]
    assert len(checks) == 1
    [verifier] = checks[0]["prov:wasAssociatedWith"]
    assert verifier["prov:label"] == VERIFIER_ID
    assert checks[0]["prov:label"] == f"spot check of {DATA}: PASS"
    assert "trust level recorded" in doc["distribution"][0]["description"]


def test_croissant_options_output_and_notes(data: Repo, run: Runner) -> None:
    result = run("export", "--croissant", DATA, "--name", "handbook-qa", "--url",
                 "https://example.org/qa", "--base-url", "https://hf.co/datasets/acme/qa/resolve/"
                 "main/", "--description", "Handbook QA", "-o", "croissant.json")
    assert result.code == 0
    assert result.out == ""
    assert "wrote croissant.json (1 file)" in result.err
    assert "requires creator, datePublished" in result.err
    doc = json.loads(data.read("croissant.json"))
    assert doc["name"] == "handbook-qa"
    assert doc["url"] == "https://example.org/qa"
    assert doc["description"] == "Handbook QA"
    assert doc["distribution"][0]["contentUrl"] == \
        "https://hf.co/datasets/acme/qa/resolve/main/data/train.jsonl"


def test_croissant_embedded_provenance_uses_the_bytes_digest(repo: Repo, run: Runner) -> None:
    body = {"examples": QA_ROWS}
    record = {"generator": {"type": "model", "id": "openai/gpt-4o"},
              "validator": {"type": "human", "id": "Acme QA"},
              "digest": {"sha256": canonical_sha256(body)}}
    repo.write("data/qa.json", json.dumps({"provenance": record, **body}))
    doc = croissant(run, "data/qa.json")
    [file_object] = doc["distribution"]
    assert file_object["sha256"] == repo.sha256("data/qa.json")  # what a download hashes to
    assert file_object["encodingFormat"] == "application/json"


def test_croissant_manifest_record(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/qa/train.jsonl")
    repo.write("data/provenance.yaml", dump_yaml({"datasets": [{
        "files": "**/*.jsonl", "generator": {"type": "model", "id": "Qwen/Qwen2.5-72B-Instruct"},
        "validator": {"type": "human", "id": "Acme QA"},
        "subjects": {"qa/train.jsonl": {"digest": {"sha256": repo.sha256("data/qa/train.jsonl")},
                                        "records": 3}}}]}))
    doc = croissant(run, "data/qa/train.jsonl")
    assert doc["prov:wasAttributedTo"][0]["prov:label"] == "Qwen/Qwen2.5-72B-Instruct"
    assert "provenance record in data/provenance.yaml" in doc["distribution"][0]["description"]


def test_croissant_git_lfs_pointer_digest_is_the_object(repo: Repo, run: Runner) -> None:
    oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
    repo.write("data/big.jsonl", f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\n"
                                 "size 12345\n")
    repo.sidecar("data/big.jsonl", repo.record(None, digest={"sha256": oid}))
    doc = croissant(run, "data/big.jsonl")
    [file_object] = doc["distribution"]
    assert file_object["sha256"] == oid
    assert "contentSize" not in file_object


def test_croissant_loads_in_mlcroissant(data: Repo, run: Runner) -> None:
    mlc = pytest.importorskip("mlcroissant", reason="mlcroissant is optional (not a dependency)")
    assert run("export", "--croissant", DATA, "--url", "https://example.org/qa",
               "-o", "croissant.json").code == 0
    dataset = mlc.Dataset(jsonld=str(data.path("croissant.json")))
    metadata = dataset.metadata
    assert metadata.name == "train.jsonl"
    [file_object] = metadata.file_objects
    assert file_object.sha256 == data.sha256(DATA)


# ------------------------------------------------------------------------------ refusals


def test_a_failing_file_is_not_exported(data: Repo, run: Runner) -> None:
    data.write(DATA, data.read(DATA) + '{"question": "q?", "answer": "a", "context": "a"}\n')
    for kind in ("--croissant", "--in-toto"):
        result = run("export", kind, DATA)
        assert result.code == 1
        assert result.out == ""
        assert "QP003" in result.err
        assert "1 of 1 files do not pass the check; nothing exported" in result.err


def test_a_file_without_provenance_is_not_exported(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    result = run("export", "--in-toto", DATA)
    assert result.code == 1
    assert "QP001" in result.err


def test_a_file_that_is_not_a_dataset_is_a_usage_error(data: Repo, run: Runner) -> None:
    data.write("notes.txt", "hello\n")
    result = run("export", "--croissant", "notes.txt")
    assert result.code == 2
    assert "notes.txt: not a QA dataset" in result.err
    assert run("export", DATA).code == 2  # --croissant or --in-toto is required
    assert run("export", "--croissant", "--in-toto", DATA).code == 2


def test_evidence_requirements_do_not_block_an_export(data: Repo, run: Runner) -> None:
    data.write(".qa-provenance.yaml", dump_yaml({
        "trust": [{"files": "data/**", "minimum": "recorded"}],
        "require-verification": {"files": "data/**"}}))
    assert run("check").code == 1
    assert run("export", "--in-toto", DATA).code == 0


# ------------------------------------------------------------------------------ in-toto


def test_in_toto_statement(data: Repo, run: Runner) -> None:
    result = run("export", "--in-toto", DATA)
    assert result.code == 0, result.err
    statement = json.loads(result.out)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"] == [{"name": DATA, "digest": {"sha256": data.sha256(DATA)}}]
    schema_id = json.loads((SCHEMAS / "provenance.schema.json").read_text())["$id"]
    assert statement["predicateType"] == schema_id
    assert statement["predicate"] == data.load_yaml(f"{DATA}.provenance.yaml")
    assert schema.validate("provenance", statement["predicate"]) == []
    assert set(statement) == {"_type", "subject", "predicateType", "predicate"}


def test_in_toto_names_are_relative_to_the_root_wherever_it_runs(
        data: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data.path("data"))
    statement = json.loads(run("export", "--in-toto", "train.jsonl").out)
    assert statement["subject"][0]["name"] == DATA


def test_in_toto_several_files_are_json_lines(data: Repo, run: Runner) -> None:
    data.jsonl(OTHER, QA_ROWS[:1])
    data.sidecar(OTHER)
    result = run("export", "--in-toto", DATA, OTHER, "-o", "statements.intoto.jsonl")
    assert result.code == 0
    lines = data.read("statements.intoto.jsonl").splitlines()
    statements = [json.loads(line) for line in lines]
    assert [s["subject"][0]["name"] for s in statements] == [OTHER, DATA]
    assert statements[0]["subject"][0]["digest"]["sha256"] == sha256_bytes(
        data.path(OTHER).read_bytes())


def test_in_toto_export_signed_beside_the_file_makes_it_attested(data: Repo,
                                                                run: Runner) -> None:
    """Export, sign (here: a DSSE envelope signed with a listed key), put it beside the data
    file: the file is attested. The same envelope with made-up signature bytes is not."""
    key = Key.generate(key_id="release-key")
    data.write(".qa-provenance.yaml", dump_yaml({
        "attestations": {"keys": [key.setting]},
        "trust": [{"files": "data/**", "minimum": "attested"}]}))
    assert run("check").code == 1
    statement = json.loads(run("export", "--in-toto", DATA).out)
    envelope = key.envelope(statement)
    data.write(f"{DATA}.intoto.jsonl", json.dumps(envelope) + "\n")
    assert run("check").code == 0
    envelope["signatures"][0]["sig"] = base64.b64encode(b"sig").decode()
    data.write(f"{DATA}.intoto.jsonl", json.dumps(envelope) + "\n")
    assert "QP032" in run("check").codes()


def test_croissant_export_round_trips_through_import(data: Repo, run: Runner) -> None:
    assert run("export", "--croissant", DATA, "-o", "croissant.json").code == 0
    result = run("import", "--croissant", "croissant.json")
    assert result.code == 0, result.err
    import yaml

    draft = yaml.safe_load(result.out)
    assert [g["id"] for g in draft["generator"]] == [
        "openai/gpt-4o-2024-08-06", "anthropic/claude-3-5-sonnet-20241022"]
    assert [g["role"] for g in draft["generator"]] == ["questions", "answers"]
    assert draft["validator"] == VALIDATOR
    assert draft["license"] == "CC-BY-4.0"
    assert {d["uri"] for d in draft["derived_from"]} == {"data/seed.jsonl", "docs/handbook.pdf"}
    assert "digest" not in draft


def test_croissant_agents_named_only_by_the_records(repo: Repo, run: Runner) -> None:
    rows = [{"query": row["question"], "reference_answer": row["answer"],
             "reference_contexts": [row["context"]],
             "query_by": {"model_name": "gpt-4o-mini", "type": "ai"},
             "reference_answer_by": {"model_name": "gpt-4o-mini", "type": "ai"}}
            for row in QA_ROWS]
    repo.jsonl(DATA, rows)
    repo.sidecar(DATA, generator=None)
    doc = croissant(run, DATA)
    generation = by_id(doc["prov:wasGeneratedBy"])[f"{DATA}#generation"]
    [agent] = generation["prov:wasAssociatedWith"]
    assert agent["prov:label"] == "gpt-4o-mini"
    assert agent["description"] == "generator named by the records themselves"
    assert doc["rai:hasSyntheticData"] is True
