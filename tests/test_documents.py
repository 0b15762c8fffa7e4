"""Loading provenance documents safely: YAML and JSON, with line numbers and hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import Repo, Runner

from provenance.reading.documents import (
    LoadError,
    format_path,
    load_file,
    load_json,
    load_yaml,
)
from provenance.reading.limits import Limits

DATA = "data/train.jsonl"
SIDECAR = f"{DATA}.provenance.yaml"


def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*lol{level - 1}"] * 9)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    lines.append(f"generator: *lol{levels}")
    return "\n".join(lines) + "\n"


# Line numbers


def test_yaml_lines_for_every_path() -> None:
    doc = load_yaml(
        "# provenance\n"
        "generator:\n"
        "  type: model\n"
        "  id: gpt-4o\n"
        "validator:\n"
        "  - type: human\n"
        "    id: Jane Doe\n"
        "  - {type: model, id: claude-3-haiku}\n"
    )
    assert doc.line_of(()) == 2
    assert doc.line_of(("generator",)) == 2
    assert doc.line_of(("generator", "id")) == 4
    assert doc.line_of(("validator", 0)) == 6
    assert doc.line_of(("validator", 0, "id")) == 7
    assert doc.line_of(("validator", 1, "id")) == 8
    # an unknown path falls back to its deepest known ancestor
    assert doc.line_of(("validator", 0, "method")) == 6
    assert doc.line_of(("nowhere",)) == 2


def test_format_path() -> None:
    assert format_path(("generator", 0, "id")) == "generator[0].id"
    assert format_path(("digest",)) == "digest"
    assert format_path(()) == "(top level)"


# YAML typing


def test_unquoted_timestamp_stays_a_string() -> None:
    data = load_yaml("created: 2024-05-01T10:00:00Z\nday: 2024-05-01\n").data
    assert data == {"created": "2024-05-01T10:00:00Z", "day": "2024-05-01"}


def test_unquoted_timestamp_passes_the_check(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    repo.write(SIDECAR, repo.read(SIDECAR) + "created: 2024-05-01T10:00:00Z\n")
    assert run("check").code == 0


@pytest.mark.parametrize("word", ["off", "on", "yes", "no", "y", "n", "Off", "NO"])
def test_yaml_11_booleans_stay_strings(word: str) -> None:
    assert load_yaml(f"value: {word}\n").data == {"value": word}


def test_yaml_12_booleans_and_numbers_keep_their_types() -> None:
    data = load_yaml("a: true\nb: False\nc: 3\nd: 0.5\ne: null\n").data
    assert data == {"a": True, "b": False, "c": 3, "d": 0.5, "e": None}


def test_empty_yaml_is_none() -> None:
    assert load_yaml("# nothing\n").data is None


# Hostile or broken YAML


def test_duplicate_key_is_an_error_with_its_line() -> None:
    with pytest.raises(LoadError) as info:
        load_yaml("generator:\n  type: model\n  id: gpt-4o\n  id: gpt-4o-mini\n")
    assert (info.value.message, info.value.line) == ("duplicate key 'id'", 4)


def test_merge_keys_are_not_duplicates() -> None:
    text = ("base: &base {type: model}\n"
            "generator:\n  <<: *base\n  id: gpt-4o\n"
            "validator:\n  <<: *base\n  id: claude-3-haiku\n")
    data = load_yaml(text).data
    assert data["validator"] == {"type": "model", "id": "claude-3-haiku"}


@pytest.mark.parametrize(
    "text",
    [
        "generator: !!python/object/apply:os.system ['touch pwned']\n",
        "generator: !!python/object:collections.OrderedDict {}\n",
        "generator: !!python/name:os.system\n",
        "generator: !custom {id: x}\n",
    ],
)
def test_object_tags_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 text: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LoadError) as info:
        load_yaml(text)
    assert info.value.message.startswith("invalid YAML: could not determine a constructor")
    assert info.value.line == 1
    assert not (tmp_path / "pwned").exists()


def test_billion_laughs_fails_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(LoadError) as info:
        load_yaml(billion_laughs())
    assert time.perf_counter() - start < 2
    assert f"more than {Limits().alias_nodes} nodes" in info.value.message


def test_billion_laughs_through_the_cli(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, billion_laughs())
    start = time.perf_counter()
    result = run("check")
    assert time.perf_counter() - start < 3
    assert result.code == 1
    assert result.codes() == {"QP002"}
    assert "(alias bomb?)" in result.out


def test_billion_laughs_in_a_manifest_and_a_config(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write("data/provenance.yaml", billion_laughs())
    assert run("check").has("data/provenance.yaml:")
    repo.write(".qa-provenance.yaml", billion_laughs())
    result = run("check")
    assert result.code == 2
    assert "alias bomb" in result.err


def test_shared_aliases_below_the_limit_are_fine() -> None:
    text = "agent: &a {type: human, id: Jane Doe}\ngenerator: [*a, *a, *a]\n"
    assert len(load_yaml(text).data["generator"]) == 3


@pytest.mark.parametrize("text", ["a: &x [*x]\n", "generator: &g\n  self: *g\n",
                                  "a: &x\n  - b: &y\n      - *x\n"])
def test_recursive_alias(text: str) -> None:
    with pytest.raises(LoadError, match="refers to itself"):
        load_yaml(text)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("generator:\n  1: model\n", 2),
        ("generator: {type: model}\nnull: x\n", 2),
        ("true: 1\n", 1),
        ("? [a, b]\n: c\n", 1),
    ],
)
def test_non_string_keys_are_refused(text: str, line: int) -> None:
    with pytest.raises(LoadError, match="is not a string") as info:
        load_yaml(text)
    assert info.value.line == line


def test_non_string_key_through_the_cli(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    text = repo.read(SIDECAR) + "2024: reviewed\n"
    repo.write(SIDECAR, text)
    result = run("check")
    assert result.code == 1
    line = len(text.splitlines())
    assert result.has(f"{SIDECAR}:{line}: QP002 key '2024' is not a string")


def test_quoted_numeric_key_is_a_string() -> None:
    assert load_yaml("'2024': reviewed\n").data == {"2024": "reviewed"}


def test_several_documents_are_refused() -> None:
    with pytest.raises(LoadError, match="invalid YAML"):
        load_yaml("generator: a\n---\nvalidator: b\n")


def test_syntax_error_line() -> None:
    with pytest.raises(LoadError) as info:
        load_yaml("generator:\n  type: model\n  id: \"gpt-4o\n")
    assert info.value.message.startswith("invalid YAML")
    assert info.value.line is not None


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(LoadError):
        load_yaml("a: " + "[" * 20_000 + "]" * 20_000 + "\n")


# JSON documents


def test_json_nan_is_refused() -> None:
    with pytest.raises(LoadError, match="NaN is not valid JSON"):
        load_json('{"records": NaN}')
    with pytest.raises(LoadError, match="Infinity is not valid JSON"):
        load_json('{"records": -Infinity}')


def test_json_nan_in_a_sidecar(repo: Repo, run: Runner) -> None:
    repo.jsonl(DATA)
    repo.write(f"{DATA}.provenance.json", '{"generator": {"type": "model", "id": "x"}, '
                                          '"records": NaN}')
    assert run("check").has(f"{DATA}.provenance.json: QP002 NaN is not valid JSON")


def test_json_duplicate_key() -> None:
    with pytest.raises(LoadError, match="duplicate key 'id'"):
        load_json('{"generator": {"id": "a", "id": "b"}}')


def test_json_syntax_error_line() -> None:
    with pytest.raises(LoadError) as info:
        load_json('{\n  "generator": {\n    "id": "a",\n  }\n}')
    assert info.value.line == 4


def test_json_nested_too_deeply() -> None:
    with pytest.raises(LoadError, match="nested too deeply"):
        load_json("[" * 200_000 + "]" * 200_000)


# Files


def test_load_file_picks_the_parser_by_suffix(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"created": "2024-05-01"}')
    (tmp_path / "a.yaml").write_text("created: 2024-05-01\n")
    assert load_file(tmp_path / "a.json").data == load_file(tmp_path / "a.yaml").data


def test_load_file_with_bom(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\xef\xbb\xbfgenerator: x\n")
    assert load_file(tmp_path / "a.yaml").data == {"generator": "x"}


def test_load_file_invalid_utf8(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"generator: Z\xfcrich\n")
    with pytest.raises(LoadError, match="not valid UTF-8 at byte 12"):
        load_file(tmp_path / "a.yaml")


def test_load_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    with open(path, "wb") as handle:
        handle.truncate(Limits().provenance_bytes + 1)
    with pytest.raises(LoadError, match="larger than"):
        load_file(path)


def test_load_file_missing(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot read"):
        load_file(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "generator: !!python/object/apply:os.system ['echo hi']\n",
        "a: &x [*x]\n",
        "generator:\n  id: a\n  id: b\n",
        "\t- tab indented\n",
        "generator: {type: model, id: [}\n",
        "generator: @gpt\n",
    ],
)
def test_bad_sidecars_are_one_qp002_line(repo: Repo, run: Runner, text: str) -> None:
    repo.jsonl(DATA)
    repo.write(SIDECAR, text)
    result = run("check")
    assert result.code == 1
    assert result.codes() == {"QP002"}
    assert len(result.lines) == 1
