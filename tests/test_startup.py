"""The common commit (no dataset among its files) stays light: no heavy import on that path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("jsonschema", "httpx", "pyarrow", "tenacity", "tqdm", "orjson",
         "provenance.identity.registry", "yaml", "provenance.lineage.changed", "sigstore",
         "cryptography", "backports.zstd", "compression.zstd", "gzip")

PROBE = """
import json, sys
from provenance.cli import main
code = main(["check", "src/main.py", "README.md"])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _probe(root: Path) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=root, capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('hello')\n")
    (tmp_path / "README.md").write_text("# project\n")
    (tmp_path / ".qa-provenance.yaml").write_text("rules: {record-count-mismatch: warn}\n")
    return tmp_path


def test_no_dataset_path_imports_nothing_heavy(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    first = _probe(root)  # validates the configuration once (jsonschema may load here)
    second = _probe(root)
    assert first["code"] == second["code"] == 0
    loaded = set(second["modules"])  # type: ignore[arg-type]
    assert not {name for name in HEAVY if name in loaded}, sorted(loaded & set(HEAVY))


def test_a_changed_configuration_is_validated_again(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _probe(root)["code"] == 0
    (root / ".qa-provenance.yaml").write_text("rules: {record-count-mismatch: sometimes}\n")
    result = subprocess.run([sys.executable, "-m", "provenance", "check", "src/main.py"],
                            cwd=root, capture_output=True, text=True)
    assert result.returncode == 2
    assert ".qa-provenance.yaml" in result.stderr and "Traceback" not in result.stderr


def test_a_changed_configuration_is_parsed_again(tmp_path: Path) -> None:
    """The remembered settings are keyed by the file's bytes: any edit is read anew."""
    root = _repo(tmp_path)
    (root / "data.jsonl").write_text('{"question": "q", "answer": "a"}\n')
    config = root / ".qa-provenance.yaml"
    config.write_text("rules: {missing-provenance: warn}\n")
    command = [sys.executable, "-m", "provenance", "check"]
    for _ in range(2):  # parsed, then remembered
        result = subprocess.run(command, cwd=root, capture_output=True, text=True)
        assert result.returncode == 0 and "QP001" in result.stdout
    assert (root / ".git" / "qa-provenance" / "config-parsed.json").is_file()
    config.write_text("rules: {missing-provenance: error}\n")
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    assert result.returncode == 1


def test_an_error_in_remembered_settings_still_names_its_line(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / ".qa-provenance.yaml").write_text("exclude: []\nrules:\n  no-such-rule: warn\n")
    outputs = [subprocess.run([sys.executable, "-m", "provenance", "check"], cwd=root,
                              capture_output=True, text=True) for _ in range(2)]
    assert [o.returncode for o in outputs] == [2, 2]
    assert outputs[0].stderr == outputs[1].stderr
    assert ".qa-provenance.yaml:3" in outputs[1].stderr


def test_the_hook_on_a_commit_without_datasets_imports_nothing_heavy(tmp_path: Path) -> None:
    """`check --staged` (the pre-commit entry) asks git what the commit removes: one more
    subprocess, no more imports, also when the commit deletes a file that is no provenance."""
    import shutil

    if shutil.which("git") is None:
        return
    root = _repo(tmp_path)
    shutil.rmtree(root / ".git")
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=root, check=True)
    subprocess.run([*git, "rm", "-q", "README.md"], cwd=root, check=True)
    probe = PROBE.replace('["check", "src/main.py", "README.md"]',
                          '["check", "--staged", "--", "src/main.py"]')
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True,
                                text=True, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    assert not {name for name in HEAVY if name in report["modules"]}
