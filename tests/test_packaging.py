"""The released artefacts, as a user gets them: the wheel installed (not editable) into a fresh
virtual environment runs the CLI with its packaged schemas, and the sdist carries what its own
tests need. Built offline with the installed backend (``python -m build --no-isolation``)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                           str(PROJECT)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out


def _one(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


@pytest.mark.network  # pip imports urllib3, which opens an IPv6 socket; --no-index sends nothing
def test_wheel_installs_into_a_fresh_venv_and_runs(dist: Path, tmp_path: Path) -> None:
    wheel = _one(dist, "*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "provenance/_schemas/provenance.schema.json" in names
    assert "provenance/data/models.yaml" in names
    assert "provenance/_templates/qa-provenance.yml" in names  # what init writes
    assert not any(name.startswith(("tests/", "examples/")) for name in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, timeout=300)
    # The dependencies come from the test environment, appended after the venv's own packages, so
    # `provenance` itself can only be the installed wheel.
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                                "'purelib'))"], capture_output=True, text=True, check=True
                               ).stdout.strip())
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    probe = ("import provenance, provenance.reading.schema as s; "
             "print(provenance.__file__); print(s.schema_dir())")
    where, schemas = subprocess.run([str(python), "-c", probe], capture_output=True, text=True,
                                    check=True, cwd=tmp_path).stdout.split()
    assert where.startswith(str(site))
    assert schemas == str(site / "provenance" / "_schemas")
    for schema in (PROJECT / "schemas").glob("*.json"):
        assert (Path(schemas) / schema.name).read_bytes() == schema.read_bytes()

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "qa.jsonl").write_text('{"question": "Who?", "answer": "Ada"}\n')
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = venv / "bin" / "qa-provenance"
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                             env=env, check=True)
    assert version.stdout.startswith("qa-provenance ")
    stamp = subprocess.run([str(script), "stamp", "qa.jsonl", "--generator", "model:gpt-4o",
                            "--validator", "human:Acme Annotation Team"], cwd=repo,
                           capture_output=True, text=True, env=env, check=False)
    assert stamp.returncode == 0, stamp.stderr
    check = subprocess.run([str(script), "check"], cwd=repo, capture_output=True, text=True,
                           env=env, check=False)
    assert (check.returncode, check.stderr) == (0, ""), check.stdout
    assert check.stdout.strip() == "qa-provenance: 1 data file checked, all passed"


def test_sdist_carries_what_its_tests_need_and_they_pass(dist: Path, tmp_path: Path) -> None:
    sdist = _one(dist, "*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    root = _one(tmp_path, "qa_provenance-*")
    for needed in ("action.yml", "LICENSE", "Makefile", "examples/data", "fuzz/fuzz_readers.py",
                   "hooks/pre-commit", "schemas/provenance.schema.json", "tests/conftest.py"):
        assert (root / needed).exists(), needed
    assert not (root / "README.md").read_text().startswith("# Examples")
    # The tests that need the files only a checkout had (the action, the examples, the fuzz
    # target), run from the sdist against the sdist's own package.
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not network",
         "tests/test_action.py", "tests/test_fuzz_smoke.py", "tests/test_cli.py"],
        cwd=root, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
