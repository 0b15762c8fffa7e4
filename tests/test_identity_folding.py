"""Identities cannot hide: invisible characters, look-alike letters and the spellings of issue 13.

Every case is a real check through the CLI: a validator spelled one way and a generator spelled
another must be QP010 (identical source), not a family warning and not a pass.
"""

from __future__ import annotations

import pytest
from conftest import Repo, Runner, line_of

from provenance.identity.folding import fold, invisible, mixed_scripts
from provenance.identity.spelling import canonical_model_id

DATA = "data/train.jsonl"

# (spelling a validator uses, the generator's id)
SPELLINGS = [
    ("gpt4-o", "gpt-4o"),
    ("gpt-4 o", "gpt-4o"),
    ("OpenAI GPT-4o", "gpt-4o"),
    ("claude-sonnet-3.5", "claude-3-5-sonnet-20241022"),
    ("claude-3-5-sonnet-v2", "claude-3-5-sonnet-20241022"),
    ("groq/llama-3.1-70b-versatile", "meta-llama/Llama-3.1-70B-Instruct"),
    ("openrouter/google/gemini-pro-1.5", "gemini-1.5-pro"),
    ("azure/gpt-35-turbo-16k", "gpt-3.5-turbo"),
    ("deepseek/deepseek-chat", "deepseek-ai/DeepSeek-V3"),
    ("deepseek/deepseek-reasoner", "deepseek-ai/DeepSeek-R1"),
    ("ollama/llama3.1", "meta-llama/Llama-3.1-8B-Instruct"),
    ("llama3.1:latest", "meta-llama/Llama-3.1-8B-Instruct"),
    # invisible and look-alike characters
    ("g\u200bpt-4o", "gpt-4o"),  # zero-width space
    ("gpt\u00ad-4o", "gpt-4o"),  # soft hyphen
    ("g\u2060pt-4o\u200d", "gpt-4o"),  # word joiner, zero-width joiner
    ("gpt-4o\ufe0f", "gpt-4o"),  # variation selector
    ("g\u0440t-4o", "gpt-4o"),  # Cyrillic er
    ("gpt-4\u043e", "gpt-4o"),  # Cyrillic o
    ("\u0261pt-4o", "gpt-4o"),  # Latin script g
    ("\uff47\uff50\uff54\uff0d\uff14\uff4f", "gpt-4o"),  # full width
    ("gpt\u20104o", "gpt-4o"),  # Unicode hyphen
    ("c\u217cau\u0501e-3-5-sonnet", "claude-3-5-sonnet"),  # small roman numeral l, Cyrillic d
]


@pytest.mark.parametrize(("spelling", "generator"), SPELLINGS)
def test_a_validator_spelled_another_way_is_the_same_source(repo: Repo, run: Runner,
                                                            spelling: str,
                                                            generator: str) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA, generator={"type": "model", "id": generator},
                 validator={"type": "model", "id": spelling, "method": "llm-judge"})
    result = run("check")
    assert result.code == 1
    assert result.codes() == {"QP010"}, result.out


@pytest.mark.parametrize("spelling", ["Acme\u200b Annotation Team", "ACME ANNOTATION T\u0415AM",
                                      "Acme Annotation\u00a0Team"])
def test_a_team_spelled_with_invisible_or_look_alike_letters_is_the_same(
        repo: Repo, run: Runner, spelling: str) -> None:
    repo.jsonl(DATA)
    team = {"type": "human", "id": "Acme Annotation Team"}
    repo.sidecar(DATA, generator=team,
                 validator={"type": "human", "id": spelling, "method": "human-review"})
    assert run("check").codes() == {"QP010"}


def test_an_id_that_still_mixes_scripts_is_a_warning(repo: Repo, run: Runner) -> None:
    """"\u0434" (Cyrillic de) looks like no Latin letter: the id stays mixed, and is reported."""
    repo.jsonl(DATA)
    repo.sidecar(DATA, validator={"type": "model", "id": "gpt-4\u0434", "method": "llm-judge"})
    result = run("check")
    assert result.code == 0
    assert result.codes() == {"QP017"}
    assert "validator model 'gpt-4\u0434' mixes scripts (CYRILLIC, LATIN) even once look-alike " \
           "letters are folded" in result.out


@pytest.mark.parametrize("role", ["generator", "validator"])
def test_a_mixed_script_id_is_reported_at_its_own_agent(repo: Repo, run: Runner,
                                                        role: str) -> None:
    """The warning points at the line of the agent whose id mixes scripts, not the other."""
    repo.jsonl(DATA)
    agents = {"generator": {"type": "model", "id": "gpt-4o"},
              "validator": {"type": "model", "id": "claude-3-5-sonnet-20241022",
                            "method": "llm-judge"}}
    agents[role]["id"] = "mistral-\u0434"
    sidecar = repo.sidecar(DATA, **agents)
    result = run("check")
    line = line_of(sidecar.read_text("utf-8"), f"{role}:")
    assert result.code == 0
    assert result.lines == [
        f"{DATA}.provenance.yaml:{line}: QP017 [warning] {role} model 'mistral-\u0434' mixes "
        "scripts (CYRILLIC, LATIN) even once look-alike letters are folded: spell the id in one "
        "script"
    ], result.out


def test_mixed_scripts_in_per_record_agents(repo: Repo, run: Runner) -> None:
    repo.write(DATA, '{"query": "q?", "query_by": {"model_name": "gpt-4\u03bb", "type": "ai"}, '
                     '"reference_answer": "a", "reference_answer_by": {"model_name": "x", '
                     '"type": "human"}}\n')
    repo.sidecar(DATA, generator=None)
    assert "QP017" in run("check").codes()


@pytest.mark.parametrize("name", [
    "\u901a\u4e49\u5343\u95ee-7B",  # Han with Latin
    "\u30b0\u30e9\u30f3\u30c7-13b",  # Katakana with Latin
    "caf\u00e9-llm",
    "gpt-4o",
    "\u0433\u0438\u0433\u0430\u0447\u0430\u0442",  # all Cyrillic: folding makes some letters Latin
    "\u65e5\u672c\u306e\u30e2\u30c7\u30eb-7b",  # Han, Hiragana, Katakana and Latin: all four
    "\u4e2d\u6587\u3105-7b",  # Han, Bopomofo and Latin
    "\u97d3\u570b\uc5b4-7b",  # Han, Hangul and Latin
])
def test_one_script_or_an_allowed_mix_is_not_reported(name: str) -> None:
    assert mixed_scripts(name) == ()


def test_plain_ascii_ids_do_not_load_the_confusables_data() -> None:
    import subprocess
    import sys

    probe = ("import sys\nfrom provenance.identity.spelling import canonical_model_id\n"
             "canonical_model_id('openai/gpt-4o-2024-08-06')\n"
             "print('confusable_homoglyphs' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_folding_keeps_what_is_not_a_look_alike() -> None:
    assert fold("Caf\u00e9") == "caf\u00e9"
    assert canonical_model_id("\u901a\u4e49\u5343\u95ee-7B") == "\u901a\u4e49\u5343\u95ee-7b"
    assert fold("0O1l") == "0o1l"  # ASCII is never folded into other ASCII
    # Letters whose look-alikes are not ASCII (Latin small capital B, c with bar) stay as written.
    assert [fold(c) for c in ("\u0432", "\u03b5", "\u044a")] == ["\u0432", "\u03b5", "\u044a"]


# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt) outside category Cf, at the
# ends of each range, and the visible code points just beside them.
IGNORABLE_NOT_CF = [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F,
                    0x3164, 0xFE00, 0xFE01, 0xFE0E, 0xFE0F, 0xFFA0, 0xE0100, 0xE0101, 0xE01EF]
BESIDE_THEM = [0x034E, 0x0350, 0x115E, 0x1161, 0x17B3, 0x17B6, 0x180A, 0x1810, 0x3163, 0x3165,
               0xFDFF, 0xFE10, 0xFF9F, 0xFFA1, 0xE00FF, 0xE01F0]


@pytest.mark.parametrize("code", IGNORABLE_NOT_CF, ids=hex)
def test_default_ignorable_characters_are_removed(code: int) -> None:
    assert invisible(chr(code))
    assert fold(f"g{chr(code)}pt-4o") == "gpt-4o"


@pytest.mark.parametrize("code", BESIDE_THEM, ids=hex)
def test_the_characters_beside_them_are_kept(code: int) -> None:
    assert not invisible(chr(code))
    assert fold(f"g{chr(code)}pt-4o") != "gpt-4o"
