"""The hook as users run it: the real ``pre-commit`` program on a real git repository.

The checkout (with uncommitted changes) is snapshotted into a hook repository once per session, so
pre-commit installs its environment once; each test then makes real ``git commit`` calls.

Installing that environment (pip, which may reach a package index) is set-up, done once per session
with sockets allowed. The tests themselves are not marked ``network``: pre-commit and the hook's
``qa-provenance check`` run with sockets forbidden (tests/conftest.py, tests/nosocket).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import NOSOCKET, socket_guard

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parent.parent
GENERATOR = "openai/gpt-4o-2024-08-06"


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, check=check, capture_output=True, text=True)


@pytest.fixture(scope="session")
def git_env() -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update({
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1", "PRE_COMMIT_COLOR": "never",
    })
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, git_env: None) -> tuple[Path, str]:
    """A git repository holding the project as it is on disk now, committed."""
    if shutil.which("git") is None or not (PROJECT / ".pre-commit-hooks.yaml").is_file():
        pytest.skip("needs git and a checkout of the project")
    listed = _git(PROJECT, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                  check=False)
    if listed.returncode != 0:
        pytest.skip("the project is not a git checkout")
    target = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.stdout.split("\0")):
        source = PROJECT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot")
    return target, _git(target, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _configure(repo: Path, hook_repo: tuple[Path, str]) -> None:
    repo_path, rev = hook_repo
    _git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo_path}\n  rev: {rev}\n  hooks:\n  - id: qa-provenance\n"
    )


@pytest.fixture(scope="session")
def hook_environment(tmp_path_factory: pytest.TempPathFactory, hook_repo: tuple[Path, str],
                     pre_commit_home: Path) -> None:
    """pre-commit's environment for the hook, installed once with sockets allowed: the socket
    guard's switch and folder are taken out of this one command's environment."""
    env = {key: value for key, value in os.environ.items()
           if key not in (socket_guard.ENV, "PYTHONPATH")}
    path = [part for part in os.environ.get("PYTHONPATH", "").split(os.pathsep)
            if part and Path(part) != NOSOCKET]
    if path:
        env["PYTHONPATH"] = os.pathsep.join(path)
    env["PRE_COMMIT_HOME"] = str(pre_commit_home)
    warm = tmp_path_factory.mktemp("warm-up")
    _configure(warm, hook_repo)
    subprocess.run([sys.executable, "-m", "pre_commit", "install-hooks"], cwd=warm, env=env,
                   check=True, capture_output=True)


@pytest.fixture
def data_repo(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path,
              hook_environment: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    _configure(tmp_path, hook_repo)
    _git(tmp_path, "add", ".pre-commit-config.yaml")
    _git(tmp_path, "commit", "-q", "--no-verify", "-m", "config")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=tmp_path, check=True,
                   capture_output=True)
    (tmp_path / "data").mkdir()
    return tmp_path


def _write_dataset(repo: Path, name: str = "data/train.jsonl", rows: int = 3) -> Path:
    path = repo / name
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(rows):
            record = {
                "question": f"What is step {index} of the TCP handshake?",
                "answer": ["SYN", "SYN-ACK", "ACK"][index % 3],
                "context": ["TCP opens a connection with SYN, SYN-ACK and ACK."],
            }
            handle.write(json.dumps(record) + "\n")
    return path


def _stamp(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "provenance", "stamp", *args], cwd=repo,
                          capture_output=True, text=True)


def _commit(repo: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    _git(repo, "add", *paths)
    result = _git(repo, "commit", "-m", "data", check=False)
    result.stdout += result.stderr  # pre-commit prints the hook's output on stdout or stderr
    return result


def test_dataset_without_provenance_is_refused(data_repo: Path) -> None:
    _write_dataset(data_repo)
    result = _commit(data_repo, "data/train.jsonl")
    assert result.returncode != 0
    assert "data/train.jsonl: QP001 no provenance record" in result.stdout
    assert _git(data_repo, "rev-list", "--count", "HEAD").stdout.strip() == "1"


def test_dataset_with_valid_sidecar_goes_through(data_repo: Path) -> None:
    _write_dataset(data_repo)
    stamped = _stamp(data_repo, "data/train.jsonl", "--generator", GENERATOR,
                     "--validator", "human:Northwind Annotation Team")
    assert stamped.returncode == 0, stamped.stderr
    result = _commit(data_repo, "data/train.jsonl", "data/train.jsonl.provenance.yaml")
    assert result.returncode == 0, result.stdout
    assert "qa-provenance" in result.stdout and "Passed" in result.stdout


def test_same_model_under_two_spellings_is_refused(data_repo: Path) -> None:
    _write_dataset(data_repo)
    sidecar = data_repo / "data/train.jsonl.provenance.yaml"
    sha = _sha256(data_repo / "data/train.jsonl")
    sidecar.write_text(
        f"generator: {{type: model, id: {GENERATOR}}}\n"
        "validator: {type: model, id: azure/GPT-4o, method: llm-judge}\n"
        f"digest: {{sha256: {sha}}}\n"
    )
    result = _commit(data_repo, "data/train.jsonl", "data/train.jsonl.provenance.yaml")
    assert result.returncode != 0
    assert "data/train.jsonl.provenance.yaml:2: QP010" in result.stdout
    assert "'azure/GPT-4o' is the same source" in result.stdout


def test_changed_data_is_refused(data_repo: Path) -> None:
    data = _write_dataset(data_repo)
    assert _stamp(data_repo, "data/train.jsonl", "--generator", GENERATOR,
                  "--validator", "human:Northwind Annotation Team").returncode == 0
    assert _commit(data_repo, "data/train.jsonl",
                   "data/train.jsonl.provenance.yaml").returncode == 0
    with open(data, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"question": "Added later?", "answer": "Yes."}) + "\n")
    result = _commit(data_repo, "data/train.jsonl")
    assert result.returncode != 0
    assert "QP003 content changed since it was stamped" in result.stdout


def test_plain_git_hook_script(tmp_path: Path, git_env: None) -> None:
    """hooks/pre-commit, for repositories without the pre-commit framework."""
    _git(tmp_path, "init", "-q")
    hook = tmp_path / ".git" / "hooks" / "pre-commit"
    shutil.copy2(PROJECT / "hooks" / "pre-commit", hook)
    hook.chmod(0o755)
    env = {**os.environ, "QA_PROVENANCE": f"{sys.executable} -m provenance"}
    (tmp_path / "data").mkdir()
    _write_dataset(tmp_path)
    _git(tmp_path, "add", "data/train.jsonl")
    refused = subprocess.run(["git", "commit", "-m", "data"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert refused.returncode != 0
    assert "QP001" in refused.stdout + refused.stderr
    assert _stamp(tmp_path, "data/train.jsonl", "--generator", GENERATOR,
                  "--validator", "human:Northwind Annotation Team").returncode == 0
    _git(tmp_path, "add", "data/train.jsonl.provenance.yaml")
    accepted = subprocess.run(["git", "commit", "-m", "data"], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# What a commit removes, and names that look like options (issue 13) ---------------------------


def _stamped(repo: Path) -> None:
    _write_dataset(repo)
    assert _stamp(repo, "data/train.jsonl", "--generator", GENERATOR,
                  "--validator", "human:Northwind Annotation Team").returncode == 0


def _commit_all(repo: Path, env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
    _git(repo, "add", "-A")
    result = subprocess.run(["git", "commit", "-m", "change"], cwd=repo, env=env,
                            capture_output=True, text=True)
    result.stdout += result.stderr
    return result


def _plain_hook_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    _git(tmp_path, "init", "-q")
    hook = tmp_path / ".git" / "hooks" / "pre-commit"
    shutil.copy2(PROJECT / "hooks" / "pre-commit", hook)
    hook.chmod(0o755)
    (tmp_path / "data").mkdir()
    return tmp_path, {**os.environ, "QA_PROVENANCE": f"{sys.executable} -m provenance"}


def _removals(repo: Path, how: str, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    _stamped(repo)
    assert _commit_all(repo, env).returncode == 0
    if how == "rm":
        _git(repo, "rm", "-q", "data/train.jsonl.provenance.yaml")
    else:
        _git(repo, "mv", "data/train.jsonl.provenance.yaml", "data/train.jsonl.provenance.bak")
    return _commit_all(repo, env)


@pytest.mark.parametrize("how", ["rm", "mv"])
def test_removing_the_sidecar_is_refused(data_repo: Path, how: str) -> None:
    result = _removals(data_repo, how)
    assert result.returncode != 0, result.stdout
    assert "data/train.jsonl: QP001 no provenance record: its sidecar " \
           "data/train.jsonl.provenance.yaml is" in result.stdout
    assert _git(data_repo, "rev-list", "--count", "HEAD").stdout.strip() == "2"


@pytest.mark.parametrize("how", ["rm", "mv"])
def test_plain_hook_refuses_removing_the_sidecar(tmp_path: Path, git_env: None, how: str) -> None:
    repo, env = _plain_hook_repo(tmp_path)
    result = _removals(repo, how, env)
    assert result.returncode != 0, result.stdout
    assert "its sidecar data/train.jsonl.provenance.yaml is" in result.stdout


# A file named --config=x.jsonl next to x.jsonl holding `exclude: ["**"]` would, read as an option,
# exclude everything; -h would print the help and pass; a newline would split a name in two.
ODD_NAMES = ["--config=x.jsonl", "-h", "data/odd\nname.jsonl"]


def _odd_names(repo: Path) -> None:
    (repo / "x.jsonl").write_text('exclude: ["**"]\n')
    for name in ODD_NAMES:
        (repo / name).write_text('{"question": "q", "answer": "a"}\n')
    _write_dataset(repo)


def test_names_that_look_like_options_are_files(data_repo: Path) -> None:
    _odd_names(data_repo)
    result = _commit_all(data_repo)
    assert result.returncode != 0, result.stdout
    for name in ("data/train.jsonl", "--config=x.jsonl", "data/odd\\nname.jsonl"):
        assert f"{name}: QP001 no provenance record" in result.stdout


def test_plain_hook_passes_names_that_look_like_options_as_files(tmp_path: Path,
                                                                 git_env: None) -> None:
    repo, env = _plain_hook_repo(tmp_path)
    _odd_names(repo)
    result = _commit_all(repo, env)
    assert result.returncode != 0, result.stdout
    for name in ("data/train.jsonl", "--config=x.jsonl", "data/odd\\nname.jsonl", "x.jsonl"):
        assert f"{name}: QP001 no provenance record" in result.stdout
    assert "usage:" not in result.stdout


def test_plain_hook_refuses_a_staged_file_with_unstaged_changes(tmp_path: Path,
                                                                git_env: None) -> None:
    repo, env = _plain_hook_repo(tmp_path)
    _stamped(repo)
    _git(repo, "add", "-A")
    with open(repo / "data/train.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"question": "later", "answer": "x"}\n')
    result = subprocess.run(["git", "commit", "-m", "x"], cwd=repo, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "unstaged changes" in result.stderr and "data/train.jsonl" in result.stderr


def test_a_gzip_dataset_is_checked_by_the_hook(data_repo: Path) -> None:
    """A compressed dataset matches the hook's `files:`: refused without provenance, committed
    once stamped (the digest binds the compressed bytes as git stores them)."""
    import gzip

    plain = _write_dataset(data_repo, rows=5)
    (data_repo / "data/train.jsonl.gz").write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    plain.unlink()
    refused = _commit(data_repo, "data/train.jsonl.gz")
    assert refused.returncode != 0
    assert "data/train.jsonl.gz: QP001 no provenance record" in refused.stdout
    stamped = _stamp(data_repo, "data/train.jsonl.gz", "--generator", GENERATOR,
                     "--validator", "human:Northwind Annotation Team")
    assert stamped.returncode == 0, stamped.stderr
    result = _commit(data_repo, "data/train.jsonl.gz", "data/train.jsonl.gz.provenance.yaml")
    assert result.returncode == 0, result.stdout
    assert "Passed" in result.stdout
