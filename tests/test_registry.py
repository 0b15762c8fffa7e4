"""Model registry: same / derived / family / independent (provenance.identity.registry)."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from provenance.identity.registry import (
    MODEL_ENTRY_SCHEMA,
    RELATIONS,
    BaseRef,
    ModelEntry,
    Registry,
    Relation,
    entries_from_config,
    entry_from_model_card,
)
from provenance.identity.spelling import canonical_model_id

SAME = Relation.SAME
DERIVED = Relation.DERIVED
FAMILY = Relation.FAMILY
INDEPENDENT = Relation.INDEPENDENT

CONFIG = ".qa-provenance.yaml"

# (a, b, expected, why). Checked in both directions.
PAIRS: list[tuple[str, str, Relation, str]] = [
    # --- same model: tool names, routes, re-uploads
    ("gpt4_1106_preview", "weighted_alpaca_eval_gpt4_turbo", SAME, "AlpacaEval generator/judge"),
    ("gpt4_1106_preview", "gpt-4-1106-preview", SAME, "AlpacaEval generator name"),
    ("alpaca_eval_gpt4", "gpt-4-0613", SAME, "AlpacaEval annotator config"),
    ("alpaca_eval_clf_gpt4_turbo", "gpt-4-turbo-2024-04-09", SAME, "AlpacaEval annotator config"),
    ("gpt4", "openai/gpt-4-0314", SAME, "AlpacaEval generator name"),
    ("text_davinci_003", "text-davinci-003", SAME, "AlpacaEval generator name"),
    ("chatgpt_fn", "gpt-3.5-turbo-0613", SAME, "AlpacaEval annotator config"),
    ("gpt-3.5-turbo-16k", "azure/gpt-35-turbo", SAME, "16k context variant, Azure spelling"),
    ("gpt-4-32k", "gpt-4", SAME, "32k context variant"),
    ("weighted_alpaca_eval_gpt4.1_azure", "gpt-4.1-2025-04-14", SAME, "AlpacaEval annotator"),
    (
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "claude-3-5-sonnet-v2@20241022",
        SAME,
        "Bedrock/Vertex",
    ),
    (
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "claude-3-7-sonnet@20250219",
        SAME,
        "Bedrock/Vertex",
    ),
    ("anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4-0", SAME, "Bedrock / API alias"),
    ("claude-opus-4@20250514", "claude-4-opus", SAME, "Vertex / tool spelling"),
    ("claude_2", "claude-2", SAME, "AlpacaEval annotator config"),
    ("gemini-pro", "gemini-1.0-pro", SAME, "original Gemini API name"),
    ("gemini-1.5-pro-002", "vertex_ai/gemini-1.5-pro", SAME, "Vertex version"),
    ("llama3:8b", "meta-llama/Meta-Llama-3-8B-Instruct", SAME, "Ollama default tag is instruct"),
    ("ollama/llama3.1:8b", "bedrock/us.meta.llama3-1-8b-instruct-v1:0", SAME, "Ollama / Bedrock"),
    ("llama-3.1-8b-instant", "meta-llama/Llama-3.1-8B-Instruct", SAME, "Groq"),
    ("meta-llama/Llama-3-70b-chat-hf", "alpaca_eval_llama3_70b_fn", SAME, "Together / AlpacaEval"),
    ("TheBloke/Llama-2-7B-Chat-GGUF", "llama2:7b", SAME, "quantized re-upload / Ollama"),
    ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "llama3.1:8b", SAME, "quantized re-upload"),
    ("Qwen/Qwen2.5-7B-Instruct-AWQ", "qwen2.5:7b", SAME, "AWQ re-upload / Ollama"),
    ("mixtral:8x7b", "mistral.mixtral-8x7b-instruct-v0:1", SAME, "Ollama / Bedrock"),
    ("mistral-large-2407", "mistralai/Mistral-Large-Instruct-2411", SAME, "API / open weights"),
    ("llama3.3", "llama-3.3-70b-versatile", SAME, "only one Llama 3.3 model"),
    ("us.deepseek.r1-v1:0", "deepseek-r1:671b", SAME, "Bedrock / Ollama"),
    ("deepseek-r1:70b", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B", SAME, "Ollama tag"),
    ("gemma2:9b", "google/gemma-2-9b-it", SAME, "Ollama default tag is -it"),
    ("phi4", "microsoft/phi-4", SAME, "spelling"),
    ("acme/unknown-model-x", "Unknown_Model_X", SAME, "unknown but spelling-equal"),
    ("llama3.1:latest", "ollama/llama3.1", SAME, "Ollama name, two spellings"),
    # --- issue 13: spellings a registry can know
    ("gpt4-o", "gpt-4o", SAME, "misplaced hyphen"),
    ("gpt-4 o", "gpt-4o", SAME, "space"),
    ("OpenAI GPT-4o", "gpt-4o", SAME, "vendor name first"),
    ("claude-sonnet-3.5", "claude-3-5-sonnet-20241022", SAME, "name before version"),
    ("claude-3-5-sonnet-v2", "anthropic/claude-3-5-sonnet-20241022", SAME, "-v2 suffix"),
    ("groq/llama-3.1-70b-versatile", "meta-llama/Llama-3.1-70B-Instruct", SAME, "Groq"),
    ("openrouter/google/gemini-pro-1.5", "gemini-1.5-pro", SAME, "OpenRouter"),
    ("azure/gpt-35-turbo-16k", "gpt-3.5-turbo", SAME, "Azure, longer context"),
    ("deepseek/deepseek-chat", "deepseek-ai/DeepSeek-V3", SAME, "DeepSeek API name"),
    ("deepseek/deepseek-reasoner", "deepseek-ai/DeepSeek-R1", SAME, "DeepSeek API name"),
    ("ollama/llama3.1", "meta-llama/Llama-3.1-8B-Instruct", SAME, "Ollama default model"),
    ("llama3.1:latest", "meta-llama/Llama-3.1-8B-Instruct", SAME, "Ollama default tag"),
    # --- derived: base vs instruct, distills, chains
    ("meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B-Instruct", DERIVED, "base/instruct"),
    ("llama3:8b", "llama3:8b-text", DERIVED, "Ollama instruct / base tags"),
    ("meta-llama/Llama-3.1-70B", "llama3.1:70b", DERIVED, "base / Ollama instruct"),
    ("meta-llama/Llama-2-13b-hf", "llama2:13b", DERIVED, "Llama 2 base / chat"),
    ("meta-llama/Llama-3.2-3B", "llama3.2:3b", DERIVED, "Llama 3.2 base / instruct"),
    ("google/gemma-2-27b", "gemma2:27b", DERIVED, "Gemma pt / it"),
    ("google/gemma-3-4b-pt", "gemma3:4b", DERIVED, "Gemma 3 pt / it"),
    ("Qwen/Qwen2.5-72B", "Qwen/Qwen2.5-72B-Instruct", DERIVED, "Qwen base / instruct"),
    ("Qwen/Qwen2-7B", "qwen2:7b", DERIVED, "Qwen2 base / Ollama instruct"),
    ("mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-Instruct-v0.1", DERIVED, "base/instruct"),
    ("mistralai/Mixtral-8x7B-v0.1", "open-mixtral-8x7b", DERIVED, "base / API instruct"),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "meta-llama/Llama-3.1-8B", DERIVED, "R1 distill"),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "deepseek-r1", DERIVED, "distilled from R1"),
    ("deepseek-r1:70b", "llama3.3:70b", DERIVED, "R1 distill on Llama 3.3"),
    ("deepseek-r1:7b", "Qwen/Qwen2.5-7B", DERIVED, "two levels, via Qwen2.5-Math-7B"),
    ("deepseek-r1:32b", "us.deepseek.r1-v1:0", DERIVED, "distilled from R1, Bedrock spelling"),
    ("deepseek-ai/DeepSeek-V3-Base", "deepseek-v3", DERIVED, "V3 base / chat"),
    ("deepseek-r1:14b", "deepseek-ai/DeepSeek-V3-Base", DERIVED, "via R1, two levels"),
    ("alpaca-7b", "text_davinci_003", DERIVED, "Alpaca trained on text-davinci-003 outputs"),
    ("alpaca-7b", "huggyllama/llama-7b", DERIVED, "Alpaca fine-tuned from LLaMA 7B"),
    # --- same family
    ("meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-70B", FAMILY, "sizes"),
    ("llama3:8b", "llama3:70b", FAMILY, "sizes, Ollama"),
    (
        "meta-llama/Llama-3.1-8B-Instruct",
        "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
        FAMILY,
        "common base",
    ),
    ("llama3.1:8b", "llama3.3:70b", FAMILY, "Llama 3.x"),
    ("meta-llama/Llama-2-7b-chat-hf", "llama-2-70b", FAMILY, "Llama 2 sizes"),
    ("gpt-4o", "gpt-4-turbo", FAMILY, "gpt-4 line"),
    ("gpt-4o-mini", "gpt4_1106_preview", FAMILY, "gpt-4 line"),
    ("gpt-4.1-nano", "gpt-4", FAMILY, "gpt-4 line"),
    ("o1", "o3-mini", FAMILY, "o-series"),
    ("text-davinci-003", "gpt-3.5-turbo", FAMILY, "gpt-3.5 line"),
    ("claude-3-haiku-20240307", "claude-3-7-sonnet@20250219", FAMILY, "Claude 3.x"),
    ("claude-3-5-sonnet", "anthropic.claude-3-opus-20240229-v1:0", FAMILY, "Claude 3.x, Bedrock"),
    ("claude-sonnet-4-20250514", "claude-opus-4-1-20250805", FAMILY, "Claude 4"),
    ("claude-2", "claude-2.1", FAMILY, "Claude 2"),
    ("gemini-1.5-flash", "gemini-2.5-pro", FAMILY, "Gemini"),
    ("google/gemma-2-9b-it", "gemma3:27b", FAMILY, "Gemma 2 / 3"),
    ("Mistral-7B-Instruct-v0.2", "mistral-large-latest", FAMILY, "Mistral"),
    ("mixtral:8x7b", "mistral-small", FAMILY, "Mistral"),
    ("qwen2.5:7b", "qwen2:72b", FAMILY, "Qwen 2 / 2.5"),
    ("deepseek-v3", "deepseek-r1", FAMILY, "both post-trained from V3-Base"),
    ("deepseek-chat", "deepseek-ai/DeepSeek-R1", FAMILY, "API name of V3: R1's sibling"),
    ("microsoft/Phi-3-mini-4k-instruct", "phi-4", FAMILY, "Phi"),
    ("llama3.1:latest", "meta-llama/Llama-3.1-405B-Instruct", FAMILY, "family-level name"),
    ("deepseek-r1:32b", "qwen2.5:72b", FAMILY, "a distill inherits its base's family"),
    ("alpaca-7b", "gpt-3.5-turbo", FAMILY, "a distill inherits its teacher's family"),
    # --- independent
    ("gpt-4o", "claude-3-5-sonnet", INDEPENDENT, "providers"),
    ("gpt-4o", "o1", INDEPENDENT, "o-series is its own line"),
    ("gpt-4", "gpt-3.5-turbo", INDEPENDENT, "gpt-3.5 and gpt-4 are separate families"),
    ("claude-3-opus-20240229", "gemini-1.5-pro", INDEPENDENT, "providers"),
    ("meta-llama/Llama-3.1-8B", "Qwen/Qwen2.5-7B", INDEPENDENT, "open-weight lines"),
    ("gemma2:9b", "gemini-2.0-flash", INDEPENDENT, "Gemma is kept apart from Gemini"),
    ("mistralai/Mistral-7B-v0.1", "meta-llama/Llama-2-7b-hf", INDEPENDENT, "open-weight lines"),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "qwen2.5:7b", INDEPENDENT, "distill lines"),
    ("alpaca-7b", "meta-llama/Meta-Llama-3-8B", INDEPENDENT, "LLaMA 1 vs Llama 3"),
    ("phi-4", "gpt-4o", INDEPENDENT, "Phi vs GPT"),
    ("acme/unknown-7b", "gpt-4o", INDEPENDENT, "unknown id"),
    ("my-local-model", "other-local-model", INDEPENDENT, "two unknown ids"),
    ("llama3.1:latest", "qwen2.5", INDEPENDENT, "family-level names of two lines"),
]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.builtin()


def _doc() -> dict[str, Any]:
    text = (resources.files("provenance") / "data" / "models.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    return doc


def _header() -> str:
    text = (resources.files("provenance") / "data" / "models.yaml").read_text(encoding="utf-8")
    return text.split("\nversion:", 1)[0]


def _user(registry: Registry, *items: dict[str, Any]) -> Registry:
    return registry.extended(entries_from_config(list(items), CONFIG))


# --------------------------------------------------------------------------- the pair table


@pytest.mark.parametrize(
    ("a", "b", "expected", "why"), PAIRS, ids=[f"{a}~{b}" for a, b, _, _ in PAIRS]
)
def test_pair(registry: Registry, a: str, b: str, expected: Relation, why: str) -> None:
    forward, backward = registry.compare(a, b), registry.compare(b, a)
    assert forward.relation is expected, (why, forward.path)
    assert backward.relation is expected, (why, backward.path)
    assert forward.path, why
    assert all(isinstance(step, str) and step for step in forward.path)


def _yaml_lineage() -> tuple[dict[str, set[str]], dict[str, set[str]], list[dict[str, Any]]]:
    """Ancestors and families of every built-in entry, worked out from models.yaml by the rules
    its header states (a base is found by its spelled-out id or an alias; a derivative is
    derived from all its ancestors; a model without a family inherits its ancestors')."""
    models = _doc()["models"]
    by_key: dict[str, str] = {}
    for model in models:
        by_key[canonical_model_id(model["id"])] = model["id"]
        for alias in model.get("aliases") or ():
            by_key.setdefault(canonical_model_id(alias), model["id"])
    by_id = {model["id"]: model for model in models}

    def bases(model_id: str) -> list[str]:
        raw = by_id[model_id].get("base_model")
        items = [] if raw is None else [raw] if isinstance(raw, str) else raw
        return [by_key[canonical_model_id(i if isinstance(i, str) else i["id"])] for i in items]

    def ancestors(model_id: str) -> set[str]:
        return {a for base in bases(model_id) for a in {base, *ancestors(base)}}

    def families(model_id: str) -> set[str]:
        own = by_id[model_id].get("family")
        return {own} if own else {f for base in bases(model_id) for f in families(base)}

    ids = list(by_id)
    return ({i: ancestors(i) for i in ids}, {i: families(i) for i in ids}, models)


def test_every_pair_of_entries_relates_as_models_yaml_says(registry: Registry) -> None:
    """A brute-force oracle over all built-in entries (about 15,000 ordered pairs)."""
    ancestors, families, models = _yaml_lineage()
    wrong = []
    for a in ancestors:
        for b in ancestors:
            if a == b:
                continue
            if b in ancestors[a] or a in ancestors[b]:
                expected = DERIVED
            elif families[a] & families[b]:
                expected = FAMILY
            else:
                expected = INDEPENDENT
            if registry.compare(a, b).relation is not expected:
                wrong.append((a, b, expected))
    assert wrong == []
    counts = {relation: 0 for relation in Relation}
    for model in models:
        for alias in model.get("aliases") or ():
            assert registry.compare(alias, model["id"]).relation is SAME, alias
            counts[SAME] += 1
    assert counts[SAME] >= 20  # the aliases are exercised, not skipped


# --------------------------------------------------------------------------- explanations


def test_derived_path_names_each_step(registry: Registry) -> None:
    result = registry.compare("deepseek-r1:7b", "Qwen/Qwen2.5-7B")
    assert result.path == (
        "deepseek-r1:7b is a fine-tune of Qwen/Qwen2.5-Math-7B",
        "Qwen/Qwen2.5-Math-7B is a fine-tune of Qwen/Qwen2.5-7B",
    )
    assert registry.compare("alpaca-7b", "text_davinci_003").path == (
        "alpaca-7b is distilled from text_davinci_003",
    )


def test_same_path_names_the_model(registry: Registry) -> None:
    result = registry.compare("gpt4_1106_preview", "weighted_alpaca_eval_gpt4_turbo")
    assert result.path == (
        "gpt4_1106_preview and weighted_alpaca_eval_gpt4_turbo both name gpt-4-turbo",
    )
    assert registry.compare("x", "X").path == ("x and X are the same id",)


def test_family_paths(registry: Registry) -> None:
    common = registry.compare(
        "meta-llama/Llama-3.1-8B-Instruct", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B"
    )
    assert common.path == (
        "meta-llama/Llama-3.1-8B-Instruct is a fine-tune of meta-llama/Llama-3.1-8B",
        "deepseek-ai/DeepSeek-R1-Distill-Llama-8B is a fine-tune of meta-llama/Llama-3.1-8B",
    )
    inherited = registry.compare("deepseek-r1:32b", "qwen2.5:72b")
    assert inherited.path == (
        "deepseek-r1:32b is in the qwen-2 family through Qwen/Qwen2.5-32B",
        "qwen2.5:72b is in the qwen-2 family",
    )


def test_independent_paths_say_what_is_unknown(registry: Registry) -> None:
    assert registry.compare("acme/unknown-7b", "gpt-4o").path == (
        "acme/unknown-7b is not in the model registry",
    )
    assert registry.compare("gpt-4o", "claude-3-5-sonnet").path == (
        "gpt-4o and claude-3-5-sonnet share no base model and no family",
    )


# --------------------------------------------------------------------------- lookups


def test_key_entry_family_ancestors(registry: Registry) -> None:
    assert registry.key("llama3:8b") == "llama-3-8b-instruct"
    assert registry.key("meta-llama/Meta-Llama-3-8B") == "llama-3-8b"
    assert registry.key("Acme/Thing-7B") == canonical_model_id("Acme/Thing-7B")
    entry = registry.entry("us.deepseek.r1-v1:0")
    assert entry is not None and entry.id == "deepseek-ai/DeepSeek-R1"
    assert entry.source == "built-in"
    assert registry.entry("acme/thing") is None
    assert registry.family("gpt-4o-2024-08-06") == "gpt-4"
    assert registry.family("deepseek-r1:70b") == "llama-3"  # nearest: its weights' base
    assert registry.family("acme/thing") is None
    assert registry.ancestors("deepseek-r1:70b") == [
        ("llama-3-3-70b-instruct", "finetune"),
        ("deepseek-r-1", "distill"),
        ("deepseek-v-3-base", "finetune"),
    ]
    assert registry.ancestors("gpt-4o") == []
    assert registry.ancestors("acme/thing") == []
    assert "llama3:8b" in registry
    assert "acme/thing" not in registry
    assert len(registry) == len(list(registry)) == len(_doc()["models"])


def test_extending_leaves_the_shared_builtin_as_it_was(registry: Registry) -> None:
    """The built-in registry is loaded once and shared by every run and override: extending it
    for one configuration must not change it for the others."""
    pair = ("acme/support-llama", "meta-llama/Llama-3.1-8B-Instruct")
    extended = _user(registry, {"id": pair[0], "base_model": pair[1]})
    assert extended.compare(*pair).relation is DERIVED
    assert Registry.builtin().compare(*pair).relation is INDEPENDENT
    assert pair[0] not in Registry.builtin()
    assert len(Registry.builtin()) == len(_doc()["models"])


# --------------------------------------------------------------------------- user entries


def test_user_fine_tune_is_derived_from_its_whole_lineage(registry: Registry) -> None:
    extended = _user(
        registry,
        {
            "id": "acme/support-llama",
            "base_model": "meta-llama/Llama-3.1-8B-Instruct",
            "trained_on": ["data/support-qa.jsonl"],
        },
    )
    direct = extended.compare("acme/support-llama", "meta-llama/Llama-3.1-8B-Instruct")
    assert direct.relation is DERIVED
    assert direct.path == (
        "acme/support-llama is a fine-tune of meta-llama/Llama-3.1-8B-Instruct"
        " (.qa-provenance.yaml)",
    )
    assert extended.compare("acme/support-llama", "llama3.1:8b").relation is DERIVED
    deep = extended.compare("meta-llama/Llama-3.1-8B", "acme/support-llama")
    assert deep.relation is DERIVED
    assert len(deep.path) == 2
    assert extended.compare("acme/support-llama", "llama3.1:70b").relation is FAMILY
    assert extended.compare("acme/support-llama", "gpt-4o").relation is INDEPENDENT
    assert extended.family("acme/support-llama") == "llama-3"
    entry = extended.entry("ACME/Support-Llama")
    assert entry is not None and entry.trained_on == ("data/support-qa.jsonl",)
    assert entry.source == CONFIG
    # The built-in registry is not changed.
    assert registry.entry("acme/support-llama") is None
    assert len(extended) == len(registry) + 1


def test_three_level_chain(registry: Registry) -> None:
    extended = _user(
        registry,
        {"id": "acme/stage-1", "base_model": "Qwen/Qwen2.5-7B-Instruct"},
        {"id": "acme/stage-2", "base_model": {"id": "acme/stage-1", "relation": "adapter"}},
        {"id": "acme/stage-3", "base_model": ["acme/stage-2", "acme/other-model"]},
    )
    result = extended.compare("acme/stage-3", "Qwen/Qwen2.5-7B")
    assert result.relation is DERIVED
    assert result.path == (
        "acme/stage-3 is a merge including acme/stage-2 (.qa-provenance.yaml)",
        "acme/stage-2 is an adapter on acme/stage-1 (.qa-provenance.yaml)",
        "acme/stage-1 is a fine-tune of Qwen/Qwen2.5-7B-Instruct (.qa-provenance.yaml)",
        "Qwen/Qwen2.5-7B-Instruct is a fine-tune of Qwen/Qwen2.5-7B",
    )
    assert extended.ancestors("acme/stage-3") == [
        ("stage-2", "merge"),
        ("other-model", "merge"),
        ("stage-1", "adapter"),
        ("qwen-2-5-7b-instruct", "finetune"),
        ("qwen-2-5-7b", "finetune"),
    ]
    assert extended.compare("acme/other-model", "acme/stage-3").relation is DERIVED
    # Two parents of one merge are not related to each other by that.
    assert extended.compare("acme/stage-1", "acme/other-model").relation is INDEPENDENT
    assert extended.compare("acme/stage-3", "qwen2:72b").relation is FAMILY


def test_declared_quantization_is_the_same_model(registry: Registry) -> None:
    extended = _user(
        registry,
        {"id": "acme/l31-w4", "base_model": {"id": "llama3.1:8b", "relation": "quantized"}},
        {
            "id": "acme/l31-w8",
            "base_model": {"id": "meta-llama/Llama-3.1-8B-Instruct", "relation": "quantized"},
        },
    )
    same = extended.compare("acme/l31-w4", "meta-llama/Llama-3.1-8B-Instruct")
    assert same.relation is SAME
    assert same.path == (
        "acme/l31-w4 is a quantization of meta-llama/Llama-3.1-8B-Instruct (.qa-provenance.yaml)",
    )
    assert extended.compare("acme/l31-w4", "acme/l31-w8").relation is SAME
    assert extended.compare("acme/l31-w4", "meta-llama/Llama-3.1-8B").relation is DERIVED


def test_a_quantization_of_a_quantization_is_the_same_model(registry: Registry) -> None:
    # A 4-bit model made from an 8-bit one made from Llama 3.1 8B Instruct: still that model.
    extended = _user(
        registry,
        {"id": "acme/l31-w4", "base_model": {"id": "acme/l31-w8", "relation": "quantized"}},
        {"id": "acme/l31-w8", "base_model": {"id": "llama3.1:8b", "relation": "quantized"}},
    )
    steps = (
        "acme/l31-w4 is a quantization of acme/l31-w8 (.qa-provenance.yaml)",
        "acme/l31-w8 is a quantization of meta-llama/Llama-3.1-8B-Instruct (.qa-provenance.yaml)",
    )
    for a, b in (("acme/l31-w4", "meta-llama/Llama-3.1-8B-Instruct"),
                 ("meta-llama/Llama-3.1-8B-Instruct", "acme/l31-w4")):
        same = extended.compare(a, b)
        assert (same.relation, same.path) == (SAME, steps)
    assert extended.compare("acme/l31-w4", "acme/l31-w8").relation is SAME
    assert extended.compare("acme/l31-w4", "meta-llama/Llama-3.1-8B").relation is DERIVED


def test_user_entry_extends_a_builtin_one(registry: Registry) -> None:
    # An Azure deployment name says nothing about the model: the user says which it is.
    extended = _user(registry, {"id": "gpt-4o", "aliases": ["prod-eastus-chat"]})
    assert extended.compare("azure/prod-eastus-chat", "gpt-4o-2024-08-06").relation is SAME
    assert extended.compare("azure/prod-eastus-chat", "gpt-4-turbo").relation is FAMILY
    entry = extended.entry("prod-eastus-chat")
    assert entry is not None
    assert entry.id == "gpt-4o"
    assert entry.family == "gpt-4"
    assert "chatgpt-4o-latest" in entry.aliases
    assert entry.source == f"built-in + {CONFIG}"
    assert len(extended) == len(registry)


def test_user_entry_named_by_an_alias_merges_into_the_model(registry: Registry) -> None:
    extended = _user(registry, {"id": "llama3:8b", "trained_on": ["data/a.jsonl"]})
    entry = extended.entry("meta-llama/Meta-Llama-3-8B-Instruct")
    assert entry is not None
    assert entry.trained_on == ("data/a.jsonl",)
    assert entry.base_models == (BaseRef("meta-llama/Meta-Llama-3-8B", "finetune"),)
    assert len(extended) == len(registry)


def test_user_entry_overrides_builtin_fields(registry: Registry) -> None:
    extended = _user(
        registry,
        {
            "id": "mistralai/Mistral-7B-Instruct-v0.2",
            "base_model": "mistral-community/Mistral-7B-v0.2",
            "family": "acme-mistral",
        },
    )
    assert extended.family("mistralai/Mistral-7B-Instruct-v0.2") == "acme-mistral"
    result = extended.compare("mistral-7b-instruct-v0.2", "mistral-community/Mistral-7B-v0.2")
    assert result.relation is DERIVED
    assert extended.compare("mistral-7b-instruct-v0.2", "mistral-large").relation is INDEPENDENT


def test_user_alias_wins_over_a_builtin_alias(registry: Registry) -> None:
    extended = _user(registry, {"id": "acme/judge", "aliases": ["chatgpt_fn"]})
    assert extended.key("chatgpt_fn") == "judge"
    assert registry.key("chatgpt_fn") == "gpt-3-5-turbo"


def test_later_layers_win(registry: Registry) -> None:
    first = _user(registry, {"id": "acme/m", "family": "one"})
    second = first.extended(
        entries_from_config([{"id": "acme/m", "family": "two"}], "models/m/README.md")
    )
    assert second.family("acme/m") == "two"
    entry = second.entry("acme/m")
    assert entry is not None and entry.source == f"{CONFIG} + models/m/README.md"
    assert second.version == registry.version


def test_alias_claimed_twice_in_one_layer_is_an_error(registry: Registry) -> None:
    with pytest.raises(ValueError, match="names two models"):
        _user(
            registry,
            {"id": "acme/a", "aliases": ["shared-name"]},
            {"id": "acme/b", "aliases": ["shared-name"]},
        )


def test_alias_that_is_another_models_id_is_an_error(registry: Registry) -> None:
    with pytest.raises(ValueError, match="is the id of model"):
        _user(registry, {"id": "acme/a", "aliases": ["meta-llama/Meta-Llama-3-8B"]})


def test_entries_need_distinct_keys() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        Registry([ModelEntry("gpt-4o"), ModelEntry("openai/GPT-4o-2024-08-06")])


def test_an_entry_that_adds_aliases_keeps_the_packaged_lineage(registry: Registry) -> None:
    # The user names a deployment; Llama 3.1 8B Instruct is still a fine-tune of its base.
    extended = _user(registry, {"id": "meta-llama/Llama-3.1-8B-Instruct",
                                "aliases": ["prod-llama"]})
    derived = extended.compare("prod-llama", "meta-llama/Llama-3.1-8B")
    assert derived.relation is DERIVED
    assert derived.path == ("prod-llama is a fine-tune of meta-llama/Llama-3.1-8B "
                            "(built-in + .qa-provenance.yaml)",)
    # A base the later entry declares replaces the earlier one.
    layered = _user(registry, {"id": "acme/tutor", "base_model": "meta-llama/Llama-3.1-8B"})
    layered = _user(layered, {"id": "acme/tutor", "base_model": "Qwen/Qwen2.5-7B"})
    assert layered.ancestors("acme/tutor") == [("qwen-2-5-7b", "finetune")]


def test_a_later_layer_takes_an_alias_from_an_earlier_one(registry: Registry) -> None:
    first = _user(registry, {"id": "acme/one", "aliases": ["helper"]})
    second = _user(first, {"id": "acme/two", "aliases": ["helper"]})
    assert (first.compare("helper", "acme/one").relation,
            second.compare("helper", "acme/two").relation,
            second.compare("helper", "acme/one").relation) == (SAME, SAME, INDEPENDENT)


def test_cycles_do_not_hang(registry: Registry) -> None:
    extended = _user(
        registry,
        {"id": "acme/a", "base_model": "acme/b"},
        {"id": "acme/b", "base_model": "acme/c"},
        {"id": "acme/c", "base_model": "acme/a"},
        {"id": "acme/self", "base_model": "acme/self"},
        {"id": "acme/q1", "base_model": {"id": "acme/q2", "relation": "quantized"}},
        {"id": "acme/q2", "base_model": {"id": "acme/q1", "relation": "quantized"}},
        # A cycle through a built-in model.
        {"id": "meta-llama/Llama-3.2-1B", "base_model": "acme/tiny"},
        {"id": "acme/tiny", "base_model": "llama3.2:1b"},
    )
    assert extended.ancestors("acme/a") == [("b", "finetune"), ("c", "finetune")]
    assert extended.compare("acme/a", "acme/c").relation is DERIVED
    assert extended.ancestors("acme/self") == []
    assert extended.compare("acme/self", "acme/a").relation is INDEPENDENT
    assert extended.compare("acme/q1", "acme/q2").relation is DERIVED
    assert extended.compare("acme/tiny", "meta-llama/Llama-3.2-1B").relation is DERIVED
    assert extended.family("acme/tiny") == "llama-3"


# --------------------------------------------------------------------------- configuration


def test_entries_from_config_full_shape() -> None:
    [entry] = entries_from_config(
        [
            {
                "id": " acme/m ",
                "aliases": ["m-local", "m-local"],
                "base_model": [
                    {"id": "a/x", "relation": "finetune"},
                    {"id": "b/y", "relation": "distill", "x-note": "teacher"},
                ],
                "trained_on": ["data/a.jsonl", "hf://datasets/acme/b"],
                "family": "acme",
                "provider": None,
                "x-owner": "ml-team",
            }
        ],
        CONFIG,
    )
    assert entry == ModelEntry(
        id="acme/m",
        aliases=("m-local",),
        base_models=(BaseRef("a/x", "finetune"), BaseRef("b/y", "distill")),
        trained_on=("data/a.jsonl", "hf://datasets/acme/b"),
        family="acme",
        provider=None,
        source=CONFIG,
    )


@pytest.mark.parametrize(
    ("base_model", "expected"),
    [
        ("a/x", (BaseRef("a/x", "finetune"),)),
        (["a/x"], (BaseRef("a/x", "finetune"),)),
        (["a/x", "b/y"], (BaseRef("a/x", "merge"), BaseRef("b/y", "merge"))),
        ({"id": "a/x", "relation": "adapter"}, (BaseRef("a/x", "adapter"),)),
        ([{"id": "a/x"}, "b/y"], (BaseRef("a/x", "merge"), BaseRef("b/y", "merge"))),
    ],
)
def test_base_model_shapes(base_model: Any, expected: tuple[BaseRef, ...]) -> None:
    [entry] = entries_from_config([{"id": "acme/m", "base_model": base_model}], CONFIG)
    assert entry.base_models == expected


BAD_ENTRIES: list[tuple[Any, str]] = [
    ("not a mapping", "must be a mapping"),
    ({}, "id must be a non-empty string"),
    ({"id": "  "}, "id must be a non-empty string"),
    ({"id": 4}, "id must be a non-empty string"),
    ({"id": "a", "name": "x"}, "unknown field 'name'"),
    ({"id": "a", "aliases": "b"}, "aliases must be a list"),
    ({"id": "a", "aliases": ["b", 3]}, r"aliases\[1\] must be a non-empty string"),
    ({"id": "a", "base_model": 3}, "must be a model id or a mapping"),
    ({"id": "a", "base_model": []}, "must not be an empty list"),
    ({"id": "a", "base_model": {"relation": "finetune"}}, r"base_model\.id must be"),
    ({"id": "a", "base_model": {"id": "b", "relation": "forked"}}, "relation must be one of"),
    ({"id": "a", "base_model": {"id": "b", "kind": "x"}}, "unknown field 'kind'"),
    ({"id": "a", "base_model": ["b", ""]}, r"base_model\[1\] must be a non-empty string"),
    ({"id": "a", "trained_on": "data/x.jsonl"}, "trained_on must be a list"),
    ({"id": "a", "family": 3}, "family must be a non-empty string"),
    ({"id": "a", "provider": ""}, "provider must be a non-empty string"),
]


@pytest.mark.parametrize(("item", "message"), BAD_ENTRIES)
def test_bad_entries_raise(item: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        entries_from_config([item], CONFIG)
    assert str(caught.value).startswith(f"{CONFIG}: models[0]")


@pytest.mark.parametrize("raw", [{"id": "a"}, "gpt-4o", None, 3])
def test_models_must_be_a_list(raw: Any) -> None:
    with pytest.raises(ValueError, match="models must be a list"):
        entries_from_config(raw, CONFIG)


def test_model_listed_twice_in_config_raises() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        entries_from_config([{"id": "gpt-4o"}, {"id": "openai/gpt-4o"}], CONFIG)


def test_schema_is_valid_and_agrees_with_the_parser() -> None:
    Draft202012Validator.check_schema(MODEL_ENTRY_SCHEMA)
    validator = Draft202012Validator(MODEL_ENTRY_SCHEMA)
    good: list[dict[str, Any]] = [
        {"id": "a"},
        {"id": "a", "base_model": "b"},
        {"id": "a", "base_model": ["b", {"id": "c", "relation": "distill"}]},
        {"id": "a", "aliases": [], "trained_on": ["d"], "family": None, "x-any": {"k": 1}},
    ]
    for item in good:
        assert validator.is_valid(item), item
        entries_from_config([item], CONFIG)
    for item, _ in BAD_ENTRIES:
        assert not validator.is_valid(item), item
    assert set(MODEL_ENTRY_SCHEMA["properties"]["base_model"]["anyOf"][1]["properties"]) == {
        "id",
        "relation",
    }
    relation_schema = MODEL_ENTRY_SCHEMA["properties"]["base_model"]["anyOf"][1]
    assert relation_schema["properties"]["relation"]["enum"] == list(RELATIONS)


def test_builtin_file_matches_the_schema() -> None:
    validator = Draft202012Validator(MODEL_ENTRY_SCHEMA)
    for item in _doc()["models"]:
        assert validator.is_valid(item), item


# --------------------------------------------------------------------------- model cards


def test_model_card_single_base() -> None:
    entry = entry_from_model_card(
        {"base_model": "meta-llama/Llama-3.1-8B-Instruct", "datasets": ["acme/support-qa"]},
        "acme/support-llama",
        "models/support-llama/README.md",
    )
    assert entry == ModelEntry(
        id="acme/support-llama",
        base_models=(BaseRef("meta-llama/Llama-3.1-8B-Instruct", "finetune"),),
        trained_on=("acme/support-qa",),
        source="models/support-llama/README.md",
    )


def test_model_card_list_is_a_merge() -> None:
    entry = entry_from_model_card(
        {"base_model": ["Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"]},
        "acme/merged",
        "README.md",
    )
    assert entry is not None
    assert [ref.relation for ref in entry.base_models] == ["merge", "merge"]


@pytest.mark.parametrize("relation", ["adapter", "quantized", "merge", "finetune", " Adapter "])
def test_model_card_relation_given(relation: str) -> None:
    entry = entry_from_model_card(
        {"base_model": ["Qwen/Qwen2.5-7B-Instruct"], "base_model_relation": relation},
        "acme/m",
        "README.md",
    )
    assert entry is not None
    assert entry.base_models == (BaseRef("Qwen/Qwen2.5-7B-Instruct", relation.strip().lower()),)


def test_model_card_bad_relation_falls_back_to_the_default() -> None:
    entry = entry_from_model_card(
        {"base_model": "a/b", "base_model_relation": "forked"}, "acme/m", "README.md"
    )
    assert entry is not None and entry.base_models == (BaseRef("a/b", "finetune"),)


@pytest.mark.parametrize(
    "front_matter",
    [
        {},
        {"license": "mit", "tags": ["text-generation"]},
        {"base_model": None, "datasets": []},
        {"base_model": 3, "datasets": {"a": 1}},
        {"base_model": "acme/m"},  # names itself
        {"model_name": "ACME/M"},  # names itself
        "not a mapping",
    ],
)
def test_model_card_saying_nothing_useful(front_matter: Any) -> None:
    assert entry_from_model_card(front_matter, "acme/m", "README.md") is None


def test_model_card_model_name() -> None:
    # A quantizer's card names the original; that is not another name of the quantization.
    quant = entry_from_model_card(
        {
            "base_model": "meta-llama/Llama-2-7b-chat-hf",
            "base_model_relation": "quantized",
            "model_name": "Llama 2 7B Chat",
        },
        "acme/Llama-2-7B-Chat-w4",
        "README.md",
    )
    assert quant is not None and quant.aliases == ()
    # A trainer's card names the trained model.
    trained = entry_from_model_card(
        {"base_model": "Qwen/Qwen2.5-7B", "model_name": "support-bot-v2"},
        "acme/qwen-support",
        "README.md",
    )
    assert trained is not None and trained.aliases == ("support-bot-v2",)


def test_model_card_feeds_the_registry(registry: Registry) -> None:
    entry = entry_from_model_card(
        {
            "base_model": "unsloth/Meta-Llama-3.1-8B-Instruct-bnb-4bit",
            "base_model_relation": "adapter",
        },
        "acme/lora",
        "models/lora/README.md",
    )
    assert entry is not None
    extended = registry.extended([entry])
    result = extended.compare("acme/lora", "llama3.1:8b")
    assert result.relation is DERIVED
    assert result.path == ("acme/lora is an adapter on llama3.1:8b (models/lora/README.md)",)


# --------------------------------------------------------------------------- the built-in data

KNOWN_FAMILIES = {
    "gpt-3",
    "gpt-3.5",
    "gpt-4",
    "o-series",
    "claude-2",
    "claude-3",
    "claude-4",
    "gemini",
    "gemma",
    "llama-1",
    "llama-2",
    "llama-3",
    "mistral",
    "qwen-2",
    "deepseek",
    "phi",
}


def test_builtin_has_a_version(registry: Registry) -> None:
    doc = _doc()
    assert isinstance(doc["version"], int) and doc["version"] >= 1
    assert registry.version == doc["version"]
    assert len(doc["models"]) >= 100


def test_every_alias_resolves_to_its_entry(registry: Registry) -> None:
    for entry in registry:
        key = registry.key(entry.id)
        assert key == canonical_model_id(entry.id), entry.id
        assert registry.entry(entry.id) is entry
        for alias in entry.aliases:
            assert registry.key(alias) == key, (alias, entry.id)
            assert registry.key(alias.upper()) == key, (alias, entry.id)
            assert registry.compare(alias, entry.id).relation is SAME


def test_no_alias_is_claimed_by_two_entries(registry: Registry) -> None:
    spelled: dict[str, str] = {}
    canonical: dict[str, str] = {}
    keys = {registry.key(entry.id): entry.id for entry in registry}
    for entry in registry:
        for alias in entry.aliases:
            verbatim = alias.casefold()
            assert spelled.setdefault(verbatim, entry.id) == entry.id, alias
            key = canonical_model_id(alias)
            if key in keys and keys[key] != entry.id:
                # Matched only as written: must be an Ollama name (name:tag, or Ollama's bare
                # llama3.1, which spelled out is the family-level llama-3.1).
                assert ":" in alias or alias == "llama3.1", (alias, entry.id, keys[key])
                continue
            assert canonical.setdefault(key, entry.id) == entry.id, alias


def test_no_alias_is_redundant_with_another_entry_name(registry: Registry) -> None:
    ids = {entry.id.casefold() for entry in registry}
    for entry in registry:
        for alias in entry.aliases:
            assert alias.casefold() not in ids, alias


def test_every_base_model_is_in_the_registry(registry: Registry) -> None:
    for entry in registry:
        for base in entry.base_models:
            assert base.id in registry, (entry.id, base.id)
            assert base.relation in RELATIONS


def test_builtin_lineage_is_acyclic(registry: Registry) -> None:
    for entry in registry:
        key = registry.key(entry.id)
        assert key not in {ancestor for ancestor, _ in registry.ancestors(entry.id)}, entry.id


def test_every_model_has_a_known_documented_family(registry: Registry) -> None:
    header = _header()
    for family in KNOWN_FAMILIES:
        assert re.search(rf"(?m)^#\s+.*\b{re.escape(family)}\b", header), family
    for entry in registry:
        assert entry.family is None or entry.family in KNOWN_FAMILIES, entry.id
        assert registry.family(entry.id) in KNOWN_FAMILIES, entry.id
        assert entry.provider, entry.id
        assert entry.source == "built-in"


def test_compare_results_are_cached(registry: Registry) -> None:
    first = registry.compare("llama3:8b", "meta-llama/Meta-Llama-3-8B")
    assert registry.compare("llama3:8b", "meta-llama/Meta-Llama-3-8B") is first


def test_blank_aliases_name_nothing() -> None:
    registry = Registry([ModelEntry("acme/m", aliases=("", "  "))])
    assert registry.key("") == ""
    assert registry.entry("") is None
