"""Identity normalisation for the identical-source loop rule (provenance.identity.spelling)."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import yaml

from provenance.identity.spelling import (
    canonical_agent,
    canonical_model_id,
    load_table,
    same_source,
)
from provenance.record import Agent

# (a, b, why): spellings of one model that must get the same key.
SAME: list[tuple[str, str, str]] = [
    # case
    ("GPT-4o", "gpt-4o", "case"),
    ("Claude-3-Opus-20240229", "claude-3-opus-20240229", "case"),
    # provider prefixes and hosting routes
    ("openai/gpt-4o", "gpt-4o", "openai route"),
    ("azure/gpt-4o-2024-08-06", "gpt-4o", "azure route + date"),
    ("azure/global/gpt-4o-2024-08-06", "gpt-4o", "azure global route"),
    ("azure/global-standard/gpt-4o-2024-08-06", "gpt-4o", "azure global-standard route"),
    ("openrouter/openai/gpt-4o-mini", "gpt-4o-mini", "openrouter route"),
    ("together_ai/meta-llama/Llama-3-8b-chat-hf", "llama-3-8b-chat", "together_ai + hf format"),
    ("together/Qwen/Qwen2.5-72B-Instruct", "qwen2.5-72b-instruct", "together route"),
    ("groq/llama3-70b-8192", "llama3-70b-8192", "groq route"),
    ("ollama/llama3.1:latest", "llama3.1", "ollama route + default tag"),
    ("huggingface/meta-llama/Meta-Llama-3-8B-Instruct", "Meta-Llama-3-8B-Instruct", "hf route"),
    ("deepinfra/mistralai/Mistral-7B-Instruct-v0.3", "mistral-7b-instruct-v0.3", "deepinfra"),
    ("vertex_ai/gemini-1.5-pro", "gemini-1.5-pro", "vertex_ai route"),
    ("models/gemini-1.5-flash", "gemini-1.5-flash", "Google API models/ prefix"),
    ("openai:gpt-4o", "gpt-4o", "provider:model route"),
    ("anthropic/claude-3-haiku-20240307", "claude-3-haiku", "anthropic route"),
    # Hugging Face orgs: re-uploads count as the same source (conservative)
    ("meta-llama/Meta-Llama-3-8B-Instruct", "Meta-Llama-3-8B-Instruct", "hf org"),
    ("TheBloke/Llama-2-7B-GGUF", "meta-llama/Llama-2-7b-hf", "re-upload under another org"),
    ("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct", "Meta rename"),
    # Bedrock
    ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022", "bedrock"),
    ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet", "bedrock region"),
    ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet-20250219", "eu region"),
    ("apac.anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku-20240307", "apac region"),
    ("global.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4-20250514", "global"),
    ("anthropic.claude-3-haiku-20240307-v1:0:48k", "claude-3-haiku", "bedrock context variant"),
    ("bedrock/us.meta.llama3-1-8b-instruct-v1:0", "meta-llama/Llama-3.1-8B-Instruct", "meta"),
    ("meta.llama3-8b-instruct-v1:0", "Meta-Llama-3-8B-Instruct", "bedrock meta vendor"),
    ("mistral.mistral-7b-instruct-v0:2", "mistralai/Mistral-7B-Instruct-v0.2", "mistral v0:2"),
    ("mistral.mistral-large-2407-v1:0", "mistral-large-latest", "mistral vendor + YYMM"),
    ("us.deepseek.r1-v1:0", "deepseek-ai/DeepSeek-R1", "deepseek vendor keeps family"),
    ("openai.gpt-oss-120b-1:0", "openai/gpt-oss-120b", "bedrock version without v"),
    ("amazon.nova-pro-v1:0", "nova-pro", "amazon vendor"),
    # Vertex
    ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet-20241022", "vertex -v2@date"),
    ("claude-3-7-sonnet@20250219", "claude-3-7-sonnet-20250219", "vertex @date"),
    ("vertex_ai/claude-3-7-sonnet@20250219", "anthropic.claude-3-7-sonnet-20250219-v1:0", "3 ways"),
    # dated snapshots and markers
    ("gpt-4o-2024-08-06", "gpt-4o", "ISO date"),
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini", "ISO date on mini"),
    ("claude-3-5-haiku-20241022", "claude-3-5-haiku-latest", "compact date / latest"),
    ("gpt-4-0613", "gpt-4", "MMDD snapshot"),
    ("gpt-4-0314", "gpt-4", "MMDD snapshot"),
    ("gpt-3.5-turbo-0301", "gpt-3.5-turbo", "MMDD snapshot"),
    ("gpt-3.5-turbo-1106", "gpt-3.5-turbo-0125", "two MMDD snapshots"),
    ("mistral-large-2407", "mistral-large-latest", "YYMM snapshot"),
    ("mistral-small-2503", "mistral-small", "YYMM snapshot"),
    ("gpt-4-turbo-2024-04-09", "gpt-4-turbo", "date on turbo"),
    ("o1-2024-12-17", "o1", "date on o1"),
    ("o1-preview", "o1", "preview marker"),
    ("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro", "preview-MM-DD"),
    ("gemini-2.0-flash-exp", "gemini-2.0-flash", "exp marker"),
    ("gemini-1.5-pro-002", "gemini-1.5-pro-latest", "Gemini 3-digit version"),
    ("command-r-plus-08-2024", "command-r-plus", "Cohere MM-YYYY"),
    ("DeepSeek-V3-0324", "deepseek-v3", "MMDD on DeepSeek"),
    # Ollama tags
    ("llama3:latest", "llama3", "default tag"),
    ("llama3:8b", "llama3-8b", "tag becomes part of the name"),
    ("llama3:8b-instruct-q4_K_M", "meta-llama/Meta-Llama-3-8B-Instruct", "quant inside tag"),
    ("qwen2.5:7b-instruct-q8_0", "Qwen/Qwen2.5-7B-Instruct", "Q8_0 inside tag"),
    ("mistral:7b-instruct-v0.2-q4_K_M", "mistral-7b-instruct-v0.2", "version + quant in tag"),
    ("llama3.1:8b-instruct-fp16", "llama-3.1-8b-instruct", "fp16 inside tag"),
    ("meta-llama/llama-3.1-8b-instruct:free", "llama-3.1-8b-instruct", "OpenRouter :free"),
    ("gemma2:9b", "gemma-2-9b", "gemma tag"),
    # quantisation and format suffixes
    ("TheBloke/Llama-2-7B-GGUF", "llama-2-7b", "GGUF"),
    ("TheBloke/Llama-2-7B-Chat-AWQ", "Llama-2-7b-chat-hf", "AWQ / hf"),
    ("TheBloke/Mistral-7B-Instruct-v0.2-GPTQ", "Mistral-7B-Instruct-v0.2", "GPTQ"),
    ("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4", "qwen2.5-7b-instruct", "GPTQ-Int4"),
    ("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int8", "qwen2.5-7b-instruct", "GPTQ-Int8"),
    ("Meta-Llama-3-8B-Instruct-Q4_K_M", "Meta-Llama-3-8B-Instruct", "Q4_K_M"),
    ("gemma-2-9b-it-Q8_0", "google/gemma-2-9b-it", "Q8_0"),
    ("gemma-2-9b-it-IQ4_XS", "google/gemma-2-9b-it", "IQ4_XS"),
    ("neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8", "llama-3.1-8b-instruct", "FP8"),
    ("Qwen2.5-7B-Instruct-FP8-dynamic", "qwen2.5-7b-instruct", "fp8-dynamic"),
    ("Phi-3-mini-4k-instruct-fp16", "microsoft/Phi-3-mini-4k-instruct", "fp16"),
    ("gemma-2-9b-it-FP16", "gemma-2-9b-it", "FP16"),
    ("mistral-7b-instruct-v0.3-bf16", "mistral-7b-instruct-v0.3", "bf16"),
    ("unsloth/llama-3-8b-Instruct-bnb-4bit", "Meta-Llama-3-8B-Instruct", "bnb-4bit"),
    ("mlx-community/Meta-Llama-3-8B-Instruct-4bit", "Meta-Llama-3-8B-Instruct", "4bit / mlx org"),
    ("mlx-community/Mistral-7B-Instruct-v0.3-8bit", "mistral-7b-instruct-v0.3", "8bit"),
    ("Phi-3-mini-4k-instruct-mlx", "phi-3-mini-4k-instruct", "mlx"),
    ("microsoft/Phi-3-mini-4k-instruct-onnx", "Phi-3-mini-4k-instruct", "onnx"),
    ("turboderp/Llama-3-8B-Instruct-exl2", "Meta-Llama-3-8B-Instruct", "exl2"),
    ("Llama-3-8B-Instruct-exl2-4.0bpw", "llama-3-8b-instruct", "exl2 bits"),
    ("Qwen2.5-72B-Instruct-w4a16", "qwen2.5-72b-instruct", "w4a16"),
    ("phi-3.5-mini-instruct-int4", "phi-3.5-mini-instruct", "int4"),
    ("llama-2-7b.Q4_K_M.gguf", "TheBloke/Llama-2-7B-GGUF", "gguf file name"),
    ("Meta-Llama-3-8B-Instruct.Q8_0.gguf", "llama3:8b-instruct", "gguf file name Q8_0"),
    ("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", "qwen2.5-7b-instruct", "sharded gguf"),
    ("gemma-2-9b-it.safetensors", "gemma-2-9b-it", "safetensors"),
    # token spelling
    ("gpt4_1106_preview", "gpt-4-1106-preview", "underscores + letter/digit boundary"),
    ("GPT4-1106-Preview", "gpt-4-1106-preview", "case + boundary"),
    ("llama3.1", "llama-3.1", "boundary + dot"),
    ("llama-3.1", "Llama-3.1", "case"),
    ("llama-3.1-8b", "llama_3_1_8b", "underscores"),
    ("claude-3.5-sonnet", "claude-3-5-sonnet", "dot vs dash"),
    ("anthropic/claude-3.5-sonnet", "claude-3-5-sonnet-20241022", "OpenRouter dots"),
    ("GPT 4o mini", "gpt-4o-mini", "spaces"),
    ("qwen2_5-7b-instruct", "Qwen2.5-7B-Instruct", "underscore vs dot"),
    ("fireworks_ai/accounts/fireworks/models/glm-4p5-air", "glm-4p5-air", "fireworks route"),
    ("glm-4p5-air", "zai-org/GLM-4.5-Air", "Fireworks p = decimal point"),
    ("accounts/fireworks/models/llama-v3p1-8b-instruct", "llama-3.1-8b-instruct", "llama-v3p1"),
    ("gemma2-9b-it", "google/gemma-2-9b-it", "Groq gemma2 spelling"),
    ("phi3.5-mini-instruct", "microsoft/Phi-3.5-mini-instruct", "phi boundary"),
    ("\uff27\uff30\uff34-\uff14\uff4f", "gpt-4o", "full-width GPT-4o"),
    # aliases
    ("gpt-4-1106-preview", "gpt-4-turbo", "alias: turbo preview"),
    ("gpt-4-0125-preview", "gpt-4-turbo", "alias: turbo preview"),
    ("gpt-4-turbo-preview", "gpt-4-turbo", "alias"),
    ("openai/gpt-4-1106-vision-preview", "gpt-4-turbo", "alias after route"),
    ("chatgpt-4o-latest", "gpt-4o", "alias: chatgpt build"),
    ("openrouter/openai/chatgpt-4o-latest", "gpt-4o-2024-11-20", "alias after route"),
    ("weighted_alpaca_eval_gpt4_turbo", "gpt-4-turbo", "AlpacaEval annotator"),
    ("alpaca_eval_gpt4_turbo_fn", "gpt-4-turbo-2024-04-09", "AlpacaEval annotator"),
    ("alpaca_eval_gpt4", "gpt-4-0613", "AlpacaEval annotator"),
    ("weighted_alpaca_eval_gpt4.1", "gpt-4.1-2025-04-14", "AlpacaEval annotator"),
    ("weighted_alpaca_eval_gpt-4o-mini-2024-07-18", "gpt-4o-mini", "alias during stripping"),
    ("gpt-35-turbo", "gpt-3.5-turbo", "Azure spelling"),
    ("azure/gpt-35-turbo-0613", "gpt-3.5-turbo-0613", "Azure spelling + snapshot"),
    # real spellings seen in data
    ("gpt-4o-mini", "openai/gpt-4o-mini-2024-07-18", "seen in data"),
    ("gpt-3.5-turbo", "gpt-3.5-turbo-0613", "seen in data"),
    ("llama3.1:latest", "llama3.1", "seen in data"),
    ("llama3.1:latest", "ollama/llama3.1", "seen in data"),
    ("llama3.1:latest", "meta-llama/Llama-3.1", "family-level ids, no size on either side"),
    ("gpt4_1106_preview", "weighted_alpaca_eval_gpt4_turbo", "seen in data"),
]

# (a, b, why): distinct models that must keep different keys.
DIFFERENT: list[tuple[str, str, str]] = [
    ("gpt-4o", "gpt-4o-mini", "mini is a different model"),
    ("gpt-4o", "gpt-4", "4o is not 4"),
    ("gpt-4", "gpt-4-turbo", "turbo is not 4"),
    ("gpt-4-1106-preview", "gpt-4-0613", "turbo preview is not a GPT-4 snapshot"),
    ("gpt-4-turbo", "gpt-4o", "turbo is not 4o"),
    ("gpt-4.1", "gpt-4.1-mini", "mini"),
    ("gpt-4.1", "gpt-4", "4.1 is not 4"),
    ("gpt-3.5-turbo", "gpt-3.5-turbo-instruct", "instruct completion model"),
    ("gpt-3.5-turbo", "gpt-4-turbo", "versions"),
    ("text-davinci-002", "text-davinci-003", "3-digit OpenAI versions are models"),
    ("o1", "o1-mini", "mini"),
    ("o1", "o3", "versions"),
    ("o3-mini", "o1-mini", "versions"),
    ("claude-3-5-sonnet-20241022", "claude-3-5-haiku-20241022", "sonnet vs haiku"),
    ("claude-3-5-sonnet", "claude-3-opus", "sonnet vs opus"),
    ("claude-3-5-sonnet-v2@20241022", "claude-3-7-sonnet@20250219", "3.5 vs 3.7"),
    ("anthropic.claude-3-haiku-20240307-v1:0", "claude-3-5-haiku-20241022", "3 vs 3.5"),
    ("llama-3-8b", "llama-3-70b", "sizes"),
    ("llama3:8b", "llama3:70b", "sizes in tags"),
    ("llama-3-8b", "llama-3.1-8b", "3 vs 3.1"),
    ("Meta-Llama-3-8B", "Meta-Llama-3-8B-Instruct", "base vs instruct"),
    ("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf", "base vs chat"),
    ("deepseek-v2", "deepseek-v3", "v2 vs v3"),
    ("deepseek-v3", "deepseek-r1", "chat vs reasoner"),
    ("deepseek-v2.5", "deepseek-v2", "2.5 vs 2"),
    ("us.deepseek.r1-v1:0", "deepseek-v3", "Bedrock r1 is not v3"),
    ("qwen2.5-7b-instruct", "qwen2.5-72b-instruct", "sizes"),
    ("qwen2.5-7b-instruct", "qwen2-7b-instruct", "2.5 vs 2"),
    ("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Instruct", "base vs instruct"),
    ("mistral-7b-instruct-v0.2", "mistral-7b-instruct-v0.3", "model versions"),
    ("mistral.mistral-7b-instruct-v0:2", "Mistral-7B-Instruct-v0.3", "Bedrock v0:2 is v0.2"),
    ("mixtral-8x7b-instruct", "mixtral-8x22b-instruct", "sizes"),
    ("gemini-1.5-pro", "gemini-1.5-flash", "pro vs flash"),
    ("gemini-1.5-pro", "gemini-2.5-pro", "versions"),
    ("gemini-2.0-flash", "gemini-2.0-flash-lite", "lite"),
    ("gemma-2-9b-it", "gemma-2-27b-it", "sizes"),
    ("gemma-2-9b", "gemma-2-9b-it", "base vs instruction-tuned"),
    ("gemma-7b", "gemma-2-9b", "generations"),
    ("phi-3-mini-4k-instruct", "phi-3-mini-128k-instruct", "context variants are models"),
    ("phi-3.5-mini-instruct", "phi-3-mini-instruct", "3.5 vs 3"),
    ("phi-4", "phi-3", "versions"),
    ("glm-4.5", "glm-4.5-air", "air"),
    ("command-r", "command-r-plus", "plus"),
    ("deepseek-v3", "deepseek-v3.1", "point release"),
]


def _all_ids() -> list[str]:
    seen: dict[str, None] = {}
    for a, b, _ in SAME + DIFFERENT:
        seen.setdefault(a)
        seen.setdefault(b)
    return list(seen)


def _model(model_id: str) -> Agent:
    return Agent(type="model", id=model_id)


@pytest.mark.parametrize(("a", "b", "why"), SAME, ids=[f"{a}=={b}" for a, b, _ in SAME])
def test_same_model(a: str, b: str, why: str) -> None:
    assert canonical_model_id(a) == canonical_model_id(b), why
    assert same_source(_model(a), _model(b)), why


@pytest.mark.parametrize(("a", "b", "why"), DIFFERENT, ids=[f"{a}!={b}" for a, b, _ in DIFFERENT])
def test_different_models(a: str, b: str, why: str) -> None:
    assert canonical_model_id(a) != canonical_model_id(b), why
    assert not same_source(_model(a), _model(b)), why


@pytest.mark.parametrize("model_id", _all_ids())
def test_idempotent(model_id: str) -> None:
    key = canonical_model_id(model_id)
    assert key
    assert canonical_model_id(key) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("GPT-4o", "gpt-4o"),
        ("gpt-4-1106-preview", "gpt-4-turbo"),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
        ("llama3:8b-instruct-q4_K_M", "llama-3-8b-instruct"),
        ("mistral.mistral-7b-instruct-v0:2", "mistral-7b-instruct-v-0-2"),
        ("fireworks_ai/accounts/fireworks/models/glm-4p5-air", "glm-4-5-air"),
        ("deepseek-v3", "deepseek-v-3"),
    ],
)
def test_key_shape(raw: str, key: str) -> None:
    assert canonical_model_id(raw) == key


@pytest.mark.parametrize(
    "raw",
    ["latest", "gguf", "GGUF", "preview", "2024-08-06", "@20241022", "/", "q4_k_m", "x"],
)
def test_never_empty(raw: str) -> None:
    assert canonical_model_id(raw) != ""


def test_blank_id_is_blank() -> None:
    assert canonical_model_id("") == ""
    assert canonical_model_id("   ") == ""


def test_table_loads() -> None:
    raw = (resources.files("provenance") / "data" / "identity.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(raw)
    assert doc["version"] == 1
    for section in ("bedrock", "suffixes", "aliases", "spelling", "rewrites", "extensions"):
        assert doc[section], section
    table = load_table()
    assert table is load_table()  # compiled once
    assert table.alias_keys == frozenset(doc["aliases"])
    assert table.aliases


def test_alias_keys_are_canonical() -> None:
    for key in load_table().alias_keys:
        assert canonical_model_id(key) == key, key
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key


def test_alias_spellings_resolve_to_their_key() -> None:
    doc = yaml.safe_load(
        (resources.files("provenance") / "data" / "identity.yaml").read_text(encoding="utf-8")
    )
    for key, spellings in doc["aliases"].items():
        for spelling in spellings:
            assert canonical_model_id(spelling) == key, spelling


def test_canonical_agent_models() -> None:
    assert canonical_agent(_model("openai/GPT-4o-2024-08-06")) == ("model", "gpt-4o")
    assert canonical_agent(Agent(type="Model", id="GPT-4o")) == ("model", "gpt-4o")


@pytest.mark.parametrize("kind", ["human", "program"])
def test_humans_and_programs_casefold_and_collapse_whitespace(kind: str) -> None:
    a = Agent(type=kind, id="Acme Labelers")
    b = Agent(type=kind, id="  acme \t labelers ")
    assert canonical_agent(a) == (kind, "acme labelers")
    assert same_source(a, b)


def test_humans_and_programs_are_not_model_normalised() -> None:
    # People and tools are named by people: no date stripping or separator folding.
    assert canonical_agent(Agent(type="human", id="Labelers_2024-08-06")) == (
        "human",
        "labelers_2024-08-06",
    )
    assert not same_source(Agent(type="human", id="acme-labelers"), Agent("human", "acme labelers"))


def test_type_matters() -> None:
    assert not same_source(Agent(type="human", id="gpt-4o"), _model("gpt-4o"))
    assert not same_source(Agent(type="program", id="gpt-4o"), _model("gpt-4o"))
    assert not same_source(Agent(type="human", id="bot"), Agent(type="program", id="bot"))


def test_other_fields_do_not_matter() -> None:
    a = Agent(type="model", id="gpt-4o", role="questions", version="2024-08-06")
    b = Agent(type="model", id="openai/gpt-4o", method="llm-judge", url="https://x")
    assert same_source(a, b)


def test_the_cache_changes_no_answer() -> None:
    """Keys computed in any order, through the cache, equal keys computed afresh."""
    ids = _all_ids()
    canonical_model_id.cache_clear()
    for raw in reversed(ids):
        canonical_model_id(raw.upper() if raw.islower() else raw)
    fresh = canonical_model_id.__wrapped__
    assert [canonical_model_id(raw) for raw in ids] == [fresh(raw) for raw in ids]


def _spellings_of(model_id: str) -> set[str]:
    """Every id the SAME table joins to ``model_id``, directly or through others."""
    group, todo = {model_id}, [model_id]
    while todo:
        current = todo.pop()
        for a, b, _ in SAME:
            for mine, other in ((a, b), (b, a)):
                if mine == current and other not in group:
                    group.add(other)
                    todo.append(other)
    return group


@pytest.mark.parametrize(("a", "b", "why"), DIFFERENT, ids=[f"{a}!={b}" for a, b, _ in DIFFERENT])
def test_distinct_models_stay_apart_under_every_known_spelling(a: str, b: str, why: str) -> None:
    """Transitively: any spelling the table gives of one side keeps apart from any of the other
    (a normaliser that joins too much fails here even where the direct pair survives)."""
    mine, theirs = _spellings_of(a), _spellings_of(b)
    assert not mine & theirs, f"the table itself joins {a} and {b}"
    keys = {canonical_model_id(x) for x in mine}
    assert keys == {canonical_model_id(a)}, mine
    clashes = [(x, y) for x in mine for y in theirs
               if canonical_model_id(x) == canonical_model_id(y)]
    assert clashes == [], why


@pytest.mark.parametrize(
    ("part", "bad"),
    [("colon_routes", ["openai", 3]), ("colon_routes", "openai"), ("bedrock", "us"),
     ("bedrock", {"vendors": {"anthropic": 1}}), ("bedrock", {"vendors": {1: "anthropic"}}),
     ("bedrock", {"vendors": ["anthropic"]}), ("spelling", ["separators"]),
     ("suffixes", ["-gguf"]), ("aliases", ["gpt-4"])],
)
def test_a_malformed_identity_table_is_refused(part: str, bad: object) -> None:
    from provenance.identity.spelling import _compile

    ref = resources.files("provenance") / "data" / "identity.yaml"
    doc = yaml.safe_load(ref.read_text(encoding="utf-8"))
    _compile(doc)  # the packaged table itself is fine
    with pytest.raises(ValueError, match="identity table"):
        _compile({**doc, part: bad})
    with pytest.raises(ValueError, match="top level"):
        _compile([doc])


@pytest.mark.parametrize(("routed", "plain"), [
    ("azure:gpt-4o", "gpt-4o"),
    ("google-gla:gemini-1.5-pro", "gemini-1.5-pro"),
    ("google-vertex:gemini-2.0-flash", "gemini-2.0-flash"),
    ("vertex_ai:gemini-1.5-pro", "gemini-1.5-pro"),
    ("groq:gemma2-9b-it", "gemma2-9b-it"),
    ("bedrock:anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022"),
    ("openai:gpt-4o", "gpt-4o"),
    ("anthropic:claude-3-5-haiku-latest", "claude-3-5-haiku-latest"),
])
def test_a_pydantic_ai_provider_prefix_is_a_route(routed: str, plain: str) -> None:
    """pydantic-ai names a model "provider:model": the provider is where it ran, not which."""
    assert canonical_model_id(routed) == canonical_model_id(plain)
