"""`qa-provenance import`: draft sidecars from real Croissant files and Hugging Face dataset cards.

Whatever the source says, a draft is never a record that passes: no digest, TODO placeholders,
and a `todo:` list that is not a record field. The sources are the real samples in
tests/fixtures/real (croissant/ and hf_dataset_cards/, described in SOURCES.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REAL, Repo, Runner, dump_yaml

from provenance.identity.registry import Registry
from provenance.interop import import_draft

DATA = "data/train.jsonl"
DRAFT = f"{DATA}.provenance.draft.yaml"
CARDS = sorted((REAL / "hf_dataset_cards").glob("*.md"))
CROISSANTS = sorted((REAL / "croissant").glob("*/metadata.json"))


def card(name: str) -> Path:
    return REAL / "hf_dataset_cards" / name


def croissant_file(name: str) -> Path:
    return REAL / "croissant" / name / "metadata.json"


def draft_of(run: Runner, *args: str) -> dict[str, Any]:
    result = run("import", *args)
    assert result.code == 0, result.err
    loaded: dict[str, Any] = yaml.safe_load(result.out)
    return loaded


def agents(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------ never a passing record


@pytest.mark.parametrize("source", [*CARDS, *CROISSANTS],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_draft_ever_passes_check_or_stamp(repo: Repo, run: Runner, source: Path) -> None:
    repo.jsonl(DATA)
    kind = "--croissant" if source.suffix == ".json" else "--card"
    result = run("import", kind, str(source), "--data", DATA)
    assert result.code == 0, result.err
    text = repo.read(DRAFT)
    assert text.startswith("# DRAFT provenance imported by `qa-provenance import`")
    draft = yaml.safe_load(text)
    assert "digest" not in draft
    assert draft["todo"]
    assert "TODO" in text
    # check ignores the draft: the data file still has no provenance
    assert "QP001" in run("check").codes()
    # saved as a sidecar without completing it, it fails and stamp refuses it
    repo.write(f"{DATA}.provenance.yaml", text)
    checked = run("check")
    assert checked.code == 1
    assert {"QP002", "QP003"} <= checked.codes()
    stamped = run("stamp", DATA)
    assert stamped.code == 1
    assert f"{DATA}: not stamped" in stamped.err


# ------------------------------------------------------------------- Hugging Face cards


def test_alpaca_card_names_its_generator_in_prose(repo: Repo, run: Runner) -> None:
    draft = draft_of(run, "--card", str(card("HuggingFaceH4_alpaca.md")))
    assert {"type": "model", "id": "text-davinci-003"} in agents(draft["generator"])
    assert draft["license"] == "CC-BY-4.0"
    assert draft["description"] == "Alpaca"
    assert any("mentions 'text-davinci-003'" in item and "confirm" in item
               for item in draft["todo"])
    assert draft["validator"]["type"] == "TODO"


def test_self_instruct_card_names_davinci(repo: Repo, run: Runner) -> None:
    draft = draft_of(run, "--card", str(card("yizhongw_self_instruct.md")))
    assert agents(draft["generator"]) == [{"type": "model", "id": "davinci"}]
    assert draft["license"] == "Apache-2.0"


def test_crowdsourced_card(repo: Repo, run: Runner) -> None:
    draft = draft_of(run, "--card", str(card("hotpot_qa.md")))
    [generator] = agents(draft["generator"])
    assert generator["type"] == "human"
    assert generator["id"].startswith("TODO: the crowdsourcing vendor")
    assert draft["license"] == "CC-BY-SA-4.0"
    assert any("found" in item and "sources" in item for item in draft["todo"])


def test_machine_generated_card_without_a_known_model(repo: Repo, run: Runner) -> None:
    result = run("import", "--card", str(card("Anthropic_model-written-evals.md")))
    draft = yaml.safe_load(result.out)
    assert agents(draft["generator"]) == [
        {"type": "model", "id": "TODO: which model (the card names none the registry knows)"}]
    assert "#   annotations_creators: machine-generated" in result.out
    assert "#   language_creators: machine-generated" in result.out


def test_source_datasets_become_derived_from(repo: Repo, run: Runner) -> None:
    draft = draft_of(run, "--card", str(card("nq_open.md")))
    assert draft["derived_from"] == [{
        "uri": "https://huggingface.co/datasets/natural_questions",
        "description": "source_datasets: extended|natural_questions"}]
    assert agents(draft["generator"])[0]["id"].startswith("TODO: the experts")
    assert draft["license"] == "CC-BY-SA-3.0"


def test_unknown_license_and_empty_creators(repo: Repo, run: Runner) -> None:
    trivia = draft_of(run, "--card", str(card("trivia_qa.md")))
    assert "license" not in trivia
    assert any("license is 'unknown'" in item for item in trivia["todo"])
    beir = draft_of(run, "--card", str(card("BeIR_hotpotqa-generated-queries.md")))
    assert agents(beir["generator"])[0]["type"] == "TODO"


def test_a_model_from_the_repository_configuration_is_recognised(repo: Repo,
                                                                  run: Runner) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml({"models": [{"id": "acme/support-llama-7"}]}))
    repo.write("cards/README.md", "---\nlicense: mit\nannotations_creators:\n"
                                  "- machine-generated\n---\nAnswers by `support-llama-7`.\n")
    draft = draft_of(run, "--card", "cards/README.md")
    assert agents(draft["generator"]) == [{"type": "model", "id": "acme/support-llama-7"}]


def test_a_card_without_front_matter(repo: Repo, run: Runner) -> None:
    repo.write("README.md", "# QA set\nGenerated with GPT-4o-mini, checked by hand.\n")
    result = run("import", "--card", "README.md")
    assert result.code == 0
    assert "#   no YAML front matter" in result.out
    draft = yaml.safe_load(result.out)
    assert agents(draft["generator"]) == [{"type": "model", "id": "gpt-4o-mini"}]


# ------------------------------------------------------------------------------ Croissant


def test_squad_v2_croissant(repo: Repo, run: Runner) -> None:
    draft = draft_of(run, "--croissant", str(croissant_file("1.1_huggingface-squad_v2")))
    assert draft["derived_from"] == [{"uri": "https://huggingface.co/datasets/rajpurkar/squad",
                                      "description": "prov:wasDerivedFrom squad1"}]
    [generator] = agents(draft["generator"])
    assert generator["type"] == "human"
    assert generator["id"].startswith("TODO: who the Crowdworkers are")
    assert draft["license"] == "CC-BY-SA-4.0"
    assert draft["description"] == "squad_v2"


def test_wildchat_croissant(repo: Repo, run: Runner) -> None:
    result = run("import", "--croissant", str(croissant_file("1.1_huggingface-wildchat")))
    draft = yaml.safe_load(result.out)
    assert agents(draft["generator"]) == [
        {"type": "human", "id": "Niloofar Mireshghallah"},
        {"type": "program", "id": "OpenAI Moderation API"},
        {"type": "program", "id": "Microsoft Presidio"},
    ]
    assert draft["license"] == "ODC-By-1.0"
    assert draft["derived_from"][0]["uri"] == \
        "https://huggingface.co/datasets/allenai/WildChat-1M-Full"
    assert any("'default/model'" in item and "records:" in item for item in draft["todo"])
    assert any("without" not in item and "no generator/validator role" in item
               for item in draft["todo"])
    assert "#   activity toxicContentRemoval (OpenAI Moderation API)" in result.out


def test_open_hermes_croissant_keywords_name_a_model(repo: Repo, run: Runner) -> None:
    draft = draft_of(run, "--croissant", str(croissant_file("1.0_huggingface-open-hermes")))
    assert agents(draft["generator"]) == [{"type": "model", "id": "gpt-4"}]
    assert any("mention 'GPT-4'" in item for item in draft["todo"])


def test_rag_croissant_with_no_provenance(repo: Repo, run: Runner) -> None:
    result = run("import", "--croissant", str(croissant_file("1.0_huggingface-rag-dataset")))
    draft = yaml.safe_load(result.out)
    assert agents(draft["generator"])[0]["type"] == "TODO"
    assert draft["license"] == "CC-BY-3.0"
    assert "#   creator: RAG Datasets" in result.out


# ------------------------------------------------------------------------------ command


def test_draft_is_written_beside_the_data_file_and_never_overwritten(repo: Repo,
                                                                      run: Runner) -> None:
    repo.jsonl(DATA)
    source = str(card("squad.md"))
    result = run("import", "--card", source, "--data", DATA)
    assert result.code == 0
    assert result.out == ""
    assert f"wrote {DRAFT}: a DRAFT" in result.err  # from where the user stands
    assert repo.exists(DRAFT)
    assert f"save it as {DATA}.provenance.yaml" in repo.read(DRAFT)
    repo.write(DRAFT, "# my edits\n")
    again = run("import", "--card", source, "--data", DATA)
    assert again.code == 2
    assert "exists (pass --force to replace it)" in again.err
    assert repo.read(DRAFT) == "# my edits\n"
    assert run("import", "--card", source, "--data", DATA, "--force").code == 0
    assert repo.read(DRAFT).startswith("# DRAFT")


def test_output_options(repo: Repo, run: Runner) -> None:
    source = str(card("squad.md"))
    printed = run("import", "--card", source, "--data", DATA, "-o", "-")
    assert printed.out.startswith("# DRAFT")
    assert f"qa-provenance stamp {DATA}" in printed.out
    assert not repo.exists(DRAFT)
    assert run("import", "--card", source, "-o", "drafts/squad.yaml").code == 2  # no folder
    repo.write("drafts/.keep", "")
    assert run("import", "--card", source, "-o", "drafts/squad.yaml").code == 0
    assert repo.read("drafts/squad.yaml").startswith("# DRAFT")


def test_notes_about_the_data_file(repo: Repo, run: Runner) -> None:
    result = run("import", "--card", str(card("squad.md")), "--data", DATA)
    assert f"note: {DATA} does not exist yet" in result.err
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    result = run("import", "--card", str(card("squad.md")), "--data", DATA, "--force")
    assert f"already has provenance in {DATA}.provenance.yaml" in result.err
    assert run("check").code == 0  # the draft beside it changes nothing


@pytest.mark.parametrize("content, message", [
    ("not json", "not JSON"),
    ("[1, 2]", "a Croissant file is a JSON object"),
])
def test_bad_croissant_is_a_usage_error(repo: Repo, run: Runner, content: str,
                                        message: str) -> None:
    repo.write("metadata.json", content)
    result = run("import", "--croissant", "metadata.json")
    assert result.code == 2
    assert message in result.err


def test_missing_source_and_usage_errors(repo: Repo, run: Runner) -> None:
    result = run("import", "--card", "nope.md")
    assert result.code == 2
    assert "nope.md: cannot read" in result.err
    assert run("import").code == 2
    assert run("import", "--card", "a.md", "--croissant", "b.json").code == 2


# ------------------------------------------------------------------------------ units


@pytest.mark.parametrize("text, expected", [
    ("generated by OpenAI's `text-davinci-003` engine", ["text-davinci-003"]),
    ("answers from GPT-4o and Llama-3.1-8B-Instruct",
     ["gpt-4o", "meta-llama/Llama-3.1-8B-Instruct"]),
    ("SQuAD 2.0 has 150K questions; see arXiv 1806.03822", []),
    ("a model wrote them, then a human checked", []),
    ("GPT-4o, gpt-4o-2024-08-06 and `gpt-4o`", ["gpt-4o"]),
])
def test_models_in_text(text: str, expected: list[str]) -> None:
    registry = Registry.builtin()
    found = [ident for ident, _written in import_draft.models_in_text(text, registry)]
    assert [registry.key(f) for f in found] == [registry.key(e) for e in expected]


@pytest.mark.parametrize("value, spdx", [
    ("cc-by-sa-4.0", "CC-BY-SA-4.0"), ("apache-2.0", "Apache-2.0"), ("mit", "MIT"),
    ("odc-by", "ODC-By-1.0"), ("https://choosealicense.com/licenses/cc-by-3.0/", "CC-BY-3.0"),
    ("https://spdx.org/licenses/CC0-1.0.html", "CC0-1.0"), ("other", None), ("unknown", None),
])
def test_spdx_ids(value: str, spdx: str | None) -> None:
    assert import_draft.spdx_id(value) == spdx


def test_real_croissant_files_parse_as_json_objects() -> None:
    for path in CROISSANTS:
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
