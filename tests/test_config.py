"""Configuration: .qa-provenance.yaml and [tool.qa-provenance], file selection, rule severities."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo, Runner, line_of

from provenance.config import ConfigError, load_config
from provenance.rules import DIGEST, IDENTICAL_SOURCE, MISSING, Severity


def one_line_error(result_err: str) -> str:
    lines = result_err.strip().splitlines()
    assert len(lines) == 1, result_err
    return lines[0]


# Where the configuration comes from


def test_no_configuration_means_defaults(repo: Repo) -> None:
    config = load_config(repo.root)
    assert config.source is None
    assert config.is_dataset("x/train.jsonl")
    assert not config.is_dataset("x/train.json")
    assert config.severity(MISSING, "x/train.jsonl") is Severity.ERROR


def test_yaml_configuration(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write(".qa-provenance.yaml", "rules:\n  QP001: warn\n")
    result = run("check")
    assert result.code == 0
    assert result.has("train.jsonl: QP001 [warning] no provenance record")
    assert result.summary == "qa-provenance: 1 data file checked, 1 warning"


def test_pyproject_configuration(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write("pyproject.toml", '[project]\nname = "demo"\n\n[tool.qa-provenance.rules]\n'
                                 'missing-provenance = "off"\n')
    result = run("check")
    assert result.code == 0
    assert result.lines == []


def test_pyproject_without_a_section_means_defaults(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write("pyproject.toml", '[project]\nname = "demo"\n')
    assert run("check").code == 1


def test_yaml_configuration_wins_over_pyproject(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write("pyproject.toml", '[tool.qa-provenance.rules]\nQP001 = "off"\n')
    repo.write(".qa-provenance.yaml", "rules: {QP001: warn}\n")
    assert run("check").has("train.jsonl: QP001 [warning]")


def test_explicit_config_file_sets_the_root(repo: Repo, run: Runner, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    repo.jsonl("train.jsonl")
    repo.write("ci/qa.yaml", "rules: {QP001: warn}\n")
    result = run("check", "--config", "ci/qa.yaml", "--root", ".")
    assert result.has("train.jsonl: QP001 [warning]")


def test_empty_configuration_file(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write(".qa-provenance.yaml", "# nothing configured yet\n")
    assert run("check").has("train.jsonl: QP001 no provenance")


def test_config_file_marks_the_root(repo: Repo, run: Runner,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("sub/.qa-provenance.yaml", "rules: {QP001: warn}\n")
    repo.jsonl("sub/train.jsonl")
    monkeypatch.chdir(repo.path("sub"))
    result = run("check")
    assert result.has("train.jsonl: QP001 [warning]")


# Which files are datasets


def test_include_replaces_the_default(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write("corpora/qa.json", '[{"question": "Why?", "answer": "Because."}]')
    repo.write(".qa-provenance.yaml", "include: ['corpora/**/*.json']\n")
    result = run("check")
    assert result.has("corpora/qa.json: QP001")
    assert not result.has("train.jsonl")


def test_include_as_a_single_string(repo: Repo) -> None:
    repo.write(".qa-provenance.yaml", "include: '*.yml'\n")
    config = load_config(repo.root)
    assert config.is_dataset("a/b.yml")
    assert not config.is_dataset("a/b.jsonl")


def test_extend_include_adds_to_the_default(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write("corpora/qa.json", '[{"question": "Why?", "answer": "Because."}]')
    repo.write(".qa-provenance.yaml", "extend-include: corpora/*.json\n")
    result = run("check")
    assert result.has("corpora/qa.json: QP001")
    assert result.has("train.jsonl: QP001")


def test_exclude(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.jsonl("scratch/tmp.jsonl")
    repo.jsonl("data/cache/x.jsonl")
    repo.write(".qa-provenance.yaml", "exclude: [scratch/, '**/cache/**']\n")
    result = run("check")
    assert result.summary == "qa-provenance: 1 data file checked, 1 error"
    assert result.has("train.jsonl: QP001")


# Rule severities


@pytest.mark.parametrize("key", ["QP010", "qp010", "identical-source"])
def test_rules_by_code_or_name(repo: Repo, key: str) -> None:
    repo.write(".qa-provenance.yaml", f"rules:\n  {key}: warn\n")
    config = load_config(repo.root)
    assert config.severity(IDENTICAL_SOURCE, "a.jsonl") is Severity.WARN
    assert config.severity(MISSING, "a.jsonl") is Severity.ERROR


def test_unquoted_off_is_a_severity_not_false(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write(".qa-provenance.yaml", "rules:\n  missing-provenance: off\n")
    result = run("check")
    assert result.code == 0
    assert result.lines == []


def test_documented_example_configuration_loads(repo: Repo) -> None:
    repo.write(".qa-provenance.yaml", (
        'include: ["*.jsonl", "qa/**/*.csv"]\n'
        'extend-include: ["**/eval/*.json"]\n'
        'exclude: ["**/scratch/**"]\n'
        "rules:\n  record-count-mismatch: warn\n"
        "overrides:\n"
        "  - files: datasets/legacy/**\n    rules: {missing-provenance: warn}\n"
        '  - files: ["**/fixtures/**"]\n    rules: {all: off}\n'
    ))
    config = load_config(repo.root)
    assert config.is_dataset("qa/x/a.csv")
    assert config.is_dataset("p/eval/a.json")
    assert not config.is_dataset("data/a.csv")
    assert not config.is_dataset("a/scratch/b.jsonl")
    assert config.severity(MISSING, "datasets/legacy/a.jsonl") is Severity.WARN
    assert config.severity(MISSING, "tests/fixtures/a.jsonl") is Severity.OFF
    assert config.severity(DIGEST, "tests/fixtures/a.jsonl") is Severity.OFF
    assert config.severity(DIGEST, "a.jsonl") is Severity.ERROR


def test_all_then_specific(repo: Repo) -> None:
    repo.write(".qa-provenance.yaml", "rules:\n  QP001: error\n  all: 'off'\n")
    config = load_config(repo.root)
    assert config.severity(MISSING, "a.jsonl") is Severity.ERROR
    assert config.severity(DIGEST, "a.jsonl") is Severity.OFF


def test_warn_gives_exit_0_with_a_warning_tag(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.sidecar("train.jsonl", validator={"type": "model", "id": "GPT-4o-2024-08-06"})
    repo.write(".qa-provenance.yaml", "rules:\n  identical-source: warn\n")
    result = run("check")
    assert result.code == 0
    line = line_of(repo.read("train.jsonl.provenance.yaml"), "validator:")
    assert result.has(f"train.jsonl.provenance.yaml:{line}: QP010 [warning] validator model")
    assert result.summary == "qa-provenance: 1 data file checked, 1 warning"


def test_overrides_per_glob(repo: Repo, run: Runner) -> None:
    repo.jsonl("legacy/old.jsonl")
    repo.jsonl("legacy/keep/important.jsonl")
    repo.jsonl("new/train.jsonl")
    repo.write(".qa-provenance.yaml", (
        "overrides:\n"
        "  - files: legacy/**\n"
        "    rules: {missing-provenance: 'off'}\n"
        "  - files: [legacy/keep/*.jsonl]\n"
        "    rules: {QP001: warn}\n"
    ))
    result = run("check")
    assert result.code == 1
    assert not result.has("legacy/old.jsonl")
    assert result.has("legacy/keep/important.jsonl: QP001 [warning]")
    assert result.has("new/train.jsonl: QP001 no provenance")


def test_overrides_govern_findings_in_provenance_files_by_data_path(repo: Repo,
                                                                    run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    repo.sidecar("data/train.jsonl", records=99)
    repo.write(".qa-provenance.yaml", (
        "overrides:\n  - files: 'data/*.jsonl'\n    rules: {record-count-mismatch: warn}\n"))
    result = run("check")
    assert result.code == 0
    line = line_of(repo.read("data/train.jsonl.provenance.yaml"), "records:")
    assert result.has(f"data/train.jsonl.provenance.yaml:{line}: QP004 [warning]")


def test_overrides_apply_to_orphan_sidecars_by_their_path(repo: Repo, run: Runner) -> None:
    repo.write("old/x.jsonl.provenance.yaml", "{}\n")
    repo.write(".qa-provenance.yaml",
               "overrides:\n  - files: old/\n    rules: {orphan-provenance: 'off'}\n")
    assert run("check").code == 0


def test_x_prefixed_configuration_keys_are_allowed(repo: Repo, run: Runner) -> None:
    repo.write(".qa-provenance.yaml", "x-owner: data-platform\n")
    assert run("check").code == 0


# Configuration errors: exit 2, one line naming the file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("includes: ['*.jsonl']\n", ".qa-provenance.yaml:1: includes: unknown field 'includes'"),
        ("rules:\n  QP001: warn\n  no-such-rule: 'off'\n",
         ".qa-provenance.yaml:3: unknown rule 'no-such-rule'"),
        ("rules:\n  QP999: warn\n", ".qa-provenance.yaml:2: unknown rule 'QP999'"),
        ("overrides:\n  - files: x/\n    rules: {bogus: warn}\n",
         ".qa-provenance.yaml:3: unknown rule 'bogus'"),
        ("rules:\n  QP001: maybe\n", ".qa-provenance.yaml:2: rules.QP001: 'maybe' is not one of"),
        ("overrides:\n  - rules: {QP001: warn}\n", ".qa-provenance.yaml:2: overrides[0]: 'files'"),
        ("- just\n- a list\n", ".qa-provenance.yaml: configuration must be a mapping"),
        ("rules: [\n", ".qa-provenance.yaml:2: invalid YAML"),
        ("rules: {QP001: warn, QP001: error}\n", ".qa-provenance.yaml:1: duplicate key 'QP001'"),
        ("exclude: ['[z-a]']\n", ".qa-provenance.yaml: bad glob pattern '[z-a]'"),
        ("include: []\nexclude: 3\n", ".qa-provenance.yaml:2: exclude:"),
    ],
)
def test_yaml_configuration_errors(repo: Repo, run: Runner, text: str, expected: str) -> None:
    repo.jsonl("train.jsonl")
    repo.write(".qa-provenance.yaml", text)
    result = run("check")
    assert result.code == 2
    assert result.out == ""
    assert one_line_error(result.err).startswith(f"qa-provenance: {repo.root}/{expected}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[tool.qa-provenance]\nfoo = 1\n', "pyproject.toml: foo: unknown field 'foo'"),
        ('[tool.qa-provenance.rules]\nself-studying = "warn"\n',
         "pyproject.toml: unknown rule 'self-studying'"),
        ('[tool.qa-provenance\n', "pyproject.toml: Expected ']'"),
        ('[tool]\nqa-provenance = 1\n', "pyproject.toml: [tool.qa-provenance] must be a table"),
    ],
)
def test_pyproject_errors(repo: Repo, run: Runner, text: str, expected: str) -> None:
    repo.write("pyproject.toml", text)
    result = run("check")
    assert result.code == 2
    assert one_line_error(result.err).startswith(f"qa-provenance: {repo.root}/{expected}")


def test_missing_explicit_configuration(repo: Repo, run: Runner) -> None:
    result = run("check", "--config", "nope.yaml")
    assert result.code == 2
    assert one_line_error(result.err) == "qa-provenance: nope.yaml: configuration file not found"


def test_configuration_errors_stop_stamp_too(repo: Repo, run: Runner) -> None:
    repo.jsonl("train.jsonl")
    repo.write(".qa-provenance.yaml", "rulez: {}\n")
    result = run("stamp", "train.jsonl", "--generator", "gpt-4o", "--validator", "human:Jane")
    assert result.code == 2
    assert not repo.exists("train.jsonl.provenance.yaml")


def test_load_config_raises_config_error(repo: Repo) -> None:
    repo.write(".qa-provenance.yaml", "rules: {QP001: loud}\n")
    with pytest.raises(ConfigError, match=r"rules\.QP001"):
        load_config(repo.root)
