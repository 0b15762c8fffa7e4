"""The released artefacts, as a user gets them: the wheel installed (not editable) into a fresh
virtual environment runs the CLI with its packaged schemas and imports the compiled module, and the
sdist carries what its own tests need. Without the compiled module (skipped on purpose, or no
working compiler) the build still succeeds, pure Python. Built offline with the installed backend
(``python -m build --no-isolation``)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
EXTENSION = "provenance/contamination/_fastpass"
FLAGS = ("QA_PROVENANCE_NO_EXTENSION", "QA_PROVENANCE_REQUIRE_EXTENSION")
WARNING = "WARNING: qa-provenance: the optional C module"


def _build(out: Path, *what: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m build`` of the project into ``out``, with the build hook's switches unset
    unless ``env`` sets them; a failed build fails the test."""
    environ = {k: v for k, v in os.environ.items() if k not in FLAGS}
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", *what, "--outdir",
                           str(out), str(PROJECT)], capture_output=True, text=True, timeout=300,
                          env={**environ, **env}, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = _build(out)
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")[0]
    if WARNING in done.stderr and not shutil.which(compiler):
        pytest.skip(f"no C compiler ({compiler}) to build the platform wheel with")
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
    # The compiled module, named for this interpreter, and a tag to match; never the C source.
    assert f"{EXTENSION}{sysconfig.get_config_var('EXT_SUFFIX')}" in names
    assert not wheel.name.endswith("-py3-none-any.whl")
    assert not any(name.endswith(".c") for name in names)

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

    probe = ("import provenance, provenance.reading.schema as s, provenance.contamination._fastpass"
             " as f; print(provenance.__file__); print(s.schema_dir()); print(f.__file__)")
    where, schemas, compiled = subprocess.run([str(python), "-c", probe], capture_output=True,
                                              text=True, check=True, cwd=tmp_path).stdout.split()
    assert where.startswith(str(site))
    assert compiled == str(site / f"{EXTENSION}{sysconfig.get_config_var('EXT_SUFFIX')}")
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
                   "hooks/pre-commit", "schemas/provenance.schema.json", "tests/conftest.py",
                   "hatch_build.py", f"{EXTENSION}.c"):
        assert (root / needed).exists(), needed
    # Not a module an editable install compiled into the checkout.
    assert not [path.name for path in (root / EXTENSION).parent.iterdir()
                if path.suffix in (".so", ".pyd")]
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


def _pure_wheel(out: Path) -> set[str]:
    wheel = _one(out, "*.whl")
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "provenance/contamination/__init__.py" in names
    assert not [name for name in names if "_fastpass" in name and not name.endswith(".pyi")]
    return names


def test_no_extension_builds_a_pure_wheel_on_purpose(tmp_path: Path) -> None:
    """The release's fallback wheel for platforms without a compiled one: no warning, it asked."""
    done = _build(tmp_path, "--wheel", QA_PROVENANCE_NO_EXTENSION="1")
    _pure_wheel(tmp_path)
    assert WARNING not in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="setuptools reads CC on POSIX; MSVC is found")
def test_a_compiler_that_fails_gives_a_pure_wheel_and_one_warning(tmp_path: Path) -> None:
    """``false`` as the compiler (setuptools takes CC from the environment, and the linker from it
    when LDSHARED is unset): the install goes on, pure Python, saying so once."""
    done = _build(tmp_path, "--wheel", CC="false")
    _pure_wheel(tmp_path)
    (warning,) = [line for line in done.stderr.splitlines() if "qa-provenance" in line]
    assert warning.startswith(WARNING), done.stderr
    assert "false failed" in warning
