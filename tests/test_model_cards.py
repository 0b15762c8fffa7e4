"""Hugging Face model cards in the repository feed the model registry
(``provenance.identity.model_cards``): front matter parsing, the card's model name, and what the
check makes of them."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import REAL, Repo, Runner, dump_yaml

from provenance.identity.model_cards import MAX_CARD_BYTES, card_model_id, front_matter, load_cards
from provenance.identity.registry import BaseRef

HUMAN = {"type": "human", "id": "Acme QA"}


def write_card(repo: Repo, folder: str, meta: dict[str, Any] | None, body: str = "# Card\n"
               ) -> str:
    text = body if meta is None else f"---\n{dump_yaml(meta)}---\n{body}"
    rel = f"{folder}/README.md" if folder else "README.md"
    repo.write(rel, text)
    return rel


# front matter ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\nbase_model: x\n---\n# Title\n", {"base_model": "x"}),
        ("---\r\nbase_model: x\r\ndatasets: [a, b]\r\n---\r\nbody", {"base_model": "x",
                                                                    "datasets": ["a", "b"]}),
        ("---  \nlicense: mit\n---", {"license": "mit"}),
        ("---\n---\nbody", None),
        ("# Title\n---\nbase_model: x\n---\n", None),
        ("---\nbase_model: x\n", None),  # never closed
        ("---\nbase_model: [x\n---\n", None),  # not YAML
        ("---\na: 1\na: 2\n---\n", None),  # duplicate keys
        ("----\nbase_model: x\n---\n", None),
        ("", None),
    ],
)
def test_front_matter(text: str, expected: Any) -> None:
    assert front_matter(text) == expected


def test_front_matter_of_every_real_card() -> None:
    """The real dataset and model cards in the samples parse, and none declares a base model."""
    cards = [*sorted((REAL / "hf_dataset_cards").glob("*.md")),
             REAL / "distilabel_distiset_generated_personas" / "distiset_configs" / "README.md",
             REAL / "dolly15k_hf_mirror_lfs" / "README.md",
             REAL / "hf_layout_parquet_nonqa_jbdel" / "README.md"]
    for path in cards:
        meta = front_matter(path.read_text("utf-8"))
        assert isinstance(meta, dict), path.name
        assert "base_model" not in meta
    for path in (REAL / "llamaindex_ragdataset_mentalhealth_vi_README.md",
                 REAL / "localsearchbench_lfs_parquet" / "README.md"):
        assert front_matter(path.read_text("utf-8")) is None


# the card's model ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "relpath", "expected"),
    [
        ({"model_id": "acme/tutor", "model_name": "Tutor"}, "models/x/README.md", "acme/tutor"),
        ({"model_name": " Tutor 8B "}, "models/x/README.md", "Tutor 8B"),
        ({"model-index": [{"name": "acme-judge", "results": []}]}, "m/README.md", "acme-judge"),
        ({"model-index": "nope", "model_id": ""}, "models/tutor-8b/README.md", "tutor-8b"),
        ({}, "README.md", "model"),
    ],
)
def test_card_model_id(meta: dict[str, Any], relpath: str, expected: str) -> None:
    assert card_model_id(meta, relpath) == expected


def test_load_cards(repo: Repo) -> None:
    write_card(repo, "models/tutor", {"base_model": "meta-llama/Llama-3.1-8B",
                                      "datasets": ["data/train.jsonl", "squad"]})
    write_card(repo, "models/merge", {"model_id": "acme/merge",
                                      "base_model": ["Qwen/Qwen2.5-7B", "mistralai/Mistral-7B"]})
    write_card(repo, "models/q", {"base_model": "acme/tutor", "base_model_relation": "quantized"})
    write_card(repo, "datasets/cards", {"license": "mit", "datasets": ["squad"]})  # no base
    write_card(repo, "docs", None)
    repo.write("models/tutor/notes.md", "---\nbase_model: x\n---\n")  # not a README.md
    entries = load_cards(repo.root, ["models/tutor/README.md", "models/merge/README.md",
                                     "models/q/README.md", "datasets/cards/README.md",
                                     "docs/README.md", "models/tutor/notes.md",
                                     "missing/README.md"])
    assert [(e.id, e.base_models, e.trained_on, e.source) for e in entries] == [
        ("tutor", (BaseRef("meta-llama/Llama-3.1-8B", "finetune"),),
         ("data/train.jsonl", "squad"), "models/tutor/README.md"),
        ("acme/merge", (BaseRef("Qwen/Qwen2.5-7B", "merge"),
                        BaseRef("mistralai/Mistral-7B", "merge")), (), "models/merge/README.md"),
        ("q", (BaseRef("acme/tutor", "quantized"),), (), "models/q/README.md"),
    ]


def test_an_unreadable_card_is_skipped_alone(repo: Repo) -> None:
    """A README.md that cannot be read (a dangling symlink, as git-annex leaves for content not
    fetched) registers nothing, wherever it comes in the list, and takes nothing from the card
    read before it."""
    write_card(repo, "models/tutor", {"base_model": "meta-llama/Llama-3.1-8B"})
    for folder in ("annexed", "later"):
        (repo.root / folder).mkdir()
        (repo.root / folder / "README.md").symlink_to("../.git/annex/objects/gone")
    entries = load_cards(repo.root, ["annexed/README.md", "models/tutor/README.md",
                                     "later/README.md"])
    assert [(e.id, e.source) for e in entries] == [("tutor", "models/tutor/README.md")]


def test_an_unreadable_card_does_not_stop_the_check(repo: Repo, run: Runner) -> None:
    judged(repo, "openai/gpt-4o", "anthropic/claude-3-5-sonnet-20241022")
    repo.path("README.md").symlink_to(".git/annex/objects/gone")
    result = run("check")
    assert (result.code, result.err) == (0, ""), result.err


def test_huge_cards_are_skipped(repo: Repo) -> None:
    rel = write_card(repo, "models/big", {"base_model": "meta-llama/Llama-3.1-8B"},
                     body="x" * MAX_CARD_BYTES)
    assert load_cards(repo.root, [rel]) == []


def test_undecodable_card_does_not_crash(repo: Repo) -> None:
    repo.write("models/bin/README.md", b"---\nbase_model: acme/x\xff\xfe\n---\n")
    [entry] = load_cards(repo.root, ["models/bin/README.md"])
    assert entry.id == "bin"


# through the check -----------------------------------------------------------------------------


def judged(repo: Repo, generator: str, validator: str) -> None:
    repo.jsonl("data/qa.jsonl")
    repo.sidecar("data/qa.jsonl", generator={"type": "model", "id": generator},
                 validator={"type": "model", "id": validator, "method": "llm-judge"})


def test_card_makes_a_fine_tune_derived_from_its_base(repo: Repo, run: Runner) -> None:
    judged(repo, "meta-llama/Llama-3.1-8B-Instruct", "acme/support-judge")
    assert run("check").code == 0  # unknown model: independent
    write_card(repo, "models/support-judge",
               {"base_model": "meta-llama/Llama-3.1-8B-Instruct", "license": "llama3.1"})
    result = run("check")
    assert result.code == 1
    assert result.has("data/qa.jsonl.provenance.yaml:4: QP010 validator model "
                      "'acme/support-judge' is the same source as generator model "
                      "'meta-llama/Llama-3.1-8B-Instruct' (acme/support-judge is a fine-tune "
                      "of meta-llama/Llama-3.1-8B-Instruct (models/support-judge/README.md))"), \
        result.out


def test_quantized_card_is_the_same_model(repo: Repo, run: Runner) -> None:
    write_card(repo, "models/tutor-gguf", {"model_id": "acme/tutor-q4",
                                           "base_model": "acme/tutor",
                                           "base_model_relation": "quantized"})
    write_card(repo, "models/tutor", {"base_model": "meta-llama/Llama-3.1-8B"})
    judged(repo, "acme/tutor", "acme/tutor-q4")
    config = {"independence": "model"}  # even the strictest policy: it is the same model
    repo.write(".qa-provenance.yaml", dump_yaml(config))
    result = run("check")
    assert result.code == 1
    assert "QP010 validator model 'acme/tutor-q4' is the same source as generator model " \
           "'acme/tutor'" in result.out


def test_card_datasets_are_training_data_in_the_lineage(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl", [{"question": "q", "answer": "a"}])
    repo.sidecar("data/train.jsonl", validator=HUMAN)  # generator openai/gpt-4o-2024-08-06
    write_card(repo, "models/student", {"base_model": "meta-llama/Llama-3.1-8B",
                                        "datasets": ["../../data/train.jsonl"]})
    judged(repo, "openai/gpt-4o", "acme/student")
    result = run("check")
    # the card's path is resolved from its folder; the model is named as the graph first met it
    assert result.lines == [
        "data/qa.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/train.jsonl -> acme/student trained on data/train.jsonl -> model openai/gpt-4o "
        "generated data/qa.jsonl -> acme/student validates data/qa.jsonl"
    ], result.out


def test_dataset_cards_register_nothing(repo: Repo, run: Runner) -> None:
    """Real HF dataset cards (front matter without base_model) next to data change nothing."""
    for path in sorted((REAL / "hf_dataset_cards").glob("*.md")):
        repo.write(f"cards/{path.stem}/README.md", path.read_bytes())
    judged(repo, "openai/gpt-4o", "anthropic/claude-3-5-sonnet-20241022")
    result = run("check")
    assert result.code == 0, result.out
    assert run("graph").out.count("model ") == 2


def test_conflicting_cards_are_a_configuration_error(repo: Repo, run: Runner) -> None:
    judged(repo, "openai/gpt-4o", "anthropic/claude-3-5-sonnet-20241022")
    for folder in ("one", "two"):
        write_card(repo, f"models/{folder}", {"model_id": f"acme/{folder}",
                                              "model_name": "Helper",
                                              "base_model": "meta-llama/Llama-3.1-8B"})
    for command in ("check", "graph"):
        result = run(command)
        assert result.code == 2
        assert "alias 'Helper' names two models: 'acme/one' (models/one/README.md) and " \
               "'acme/two' (models/two/README.md)" in result.err


def test_configuration_entry_and_card_merge(repo: Repo, run: Runner) -> None:
    write_card(repo, "models/tutor", {"model_id": "acme/tutor",
                                      "base_model": "meta-llama/Llama-3.1-8B"})
    repo.write(".qa-provenance.yaml", dump_yaml(
        {"models": [{"id": "acme/tutor", "aliases": ["tutor-v2"]}]}))
    judged(repo, "meta-llama/Llama-3.1-8B", "tutor-v2")
    result = run("check")
    assert result.code == 1
    assert "(tutor-v2 is a fine-tune of meta-llama/Llama-3.1-8B" in result.out, result.out


def test_cards_in_pruned_folders_are_ignored(repo: Repo, run: Runner) -> None:
    judged(repo, "meta-llama/Llama-3.1-8B-Instruct", "acme/support-judge")
    write_card(repo, "node_modules/pkg", {"model_id": "acme/support-judge",
                                          "base_model": "meta-llama/Llama-3.1-8B-Instruct"})
    assert run("check").code == 0


def test_bad_models_configuration_exits_2(repo: Repo, run: Runner) -> None:
    judged(repo, "openai/gpt-4o", "anthropic/claude-3-5-sonnet-20241022")
    repo.write(".qa-provenance.yaml", dump_yaml(
        {"models": [{"id": "acme/x", "base_model": {"id": "y", "relation": "cousin"}}]}))
    result = run("check")
    assert result.code == 2
    assert "base_model" in result.err


def test_readme_without_front_matter_at_the_root(repo: Repo, run: Runner) -> None:
    repo.write("README.md", "# A data repository\n")
    judged(repo, "openai/gpt-4o", "anthropic/claude-3-5-sonnet-20241022")
    assert run("check").code == 0


@pytest.mark.parametrize(("extra", "loaded"), [(0, True), (1, False)])
def test_the_card_size_limit_is_exact(repo: Repo, extra: int, loaded: bool) -> None:
    """1 MiB, as docs/identity.md says: the card's size in bytes, not the constant."""
    size = 1_048_576 + extra
    head = f"---\n{dump_yaml({'base_model': 'meta-llama/Llama-3.1-8B'})}---\n"
    rel = write_card(repo, "models/edge", None, body=head + "x" * (size - len(head)))
    assert (repo.root / rel).stat().st_size == size
    assert bool(load_cards(repo.root, [rel])) is loaded
