"""The hostile-input corpus: every case in tests/corpus/cases.yaml, run as the real program.

Each case is a small repository: its folder under ``tests/corpus/`` (when it has fixed files) copied
to a temporary root with an empty ``.git``, plus what its ``make`` steps create there (symlinks,
huge nesting, names no file system checkout can carry). ``tests/corpus/_outside/`` is copied
beside the root as ``outside/``: what escaping symlinks and ``..`` references point at. The case's
command runs as ``python -m provenance ...`` in a subprocess under a timeout and an address-space
limit, and must end with the expected exit code, print the expected one-line message naming the
file, never a traceback, and leave every data file as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
import yaml

resource = pytest.importorskip("resource")  # POSIX: the memory limit needs setrlimit

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = CORPUS / "cases.yaml"
OUTSIDE = "_outside"
TIMEOUT_SECONDS = 20.0
MEMORY_BYTES = 1 << 30  # 1 GiB of address space: a bomb that expands fails, it does not swap
MARKER = "PWNED"  # what the object-constructing YAML cases would create if they ran


@dataclass(frozen=True)
class Case:
    name: str
    about: str
    args: tuple[str, ...]
    exit: int
    file: str  # the path as the report prints it
    message: str  # a substring of the line that names ``file``
    make: tuple[dict[str, Any], ...] = ()
    forbid: tuple[str, ...] = ()  # text that must not appear in the output
    needs_non_root: bool = False  # permission cases: root reads a file whatever its mode
    git: bool = False  # a real repository: the folder is committed, then `make` changes it


def load_cases() -> list[Case]:
    document = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    known = {"name", "about", "args", "exit", "file", "message", "make", "forbid",
             "needs_non_root", "git"}
    cases = []
    for raw in document["cases"]:
        unknown = set(raw) - known
        assert not unknown, f"{raw.get('name')}: unknown keys {sorted(unknown)}"
        cases.append(Case(
            name=raw["name"],
            about=raw["about"],
            args=tuple(raw["args"]),
            exit=raw["exit"],
            file=raw["file"],
            message=raw["message"],
            make=tuple(raw.get("make") or ()),
            forbid=tuple(raw.get("forbid") or ()),
            needs_non_root=bool(raw.get("needs_non_root", False)),
            git=bool(raw.get("git", False)),
        ))
    return cases


CASES = load_cases()


def test_the_manifest_and_the_folders_agree() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()} - {OUTSIDE}
    assert folders <= set(names), f"folders without a case: {sorted(folders - set(names))}"
    for case in CASES:
        assert case.exit in (0, 1, 2), case.name
        assert case.file and case.message, case.name


def _local_path(spelled: str) -> str:
    """``make`` paths are percent-encoded bytes, so that a case can name a newline or a byte that
    is not UTF-8 (``data/caf%E9.jsonl``)."""
    return os.fsdecode(unquote_to_bytes(spelled))


def build(case: Case, tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    shutil.copytree(CORPUS / OUTSIDE, outside)
    root = tmp_path / "repo"
    folder = CORPUS / case.name
    if folder.is_dir():
        shutil.copytree(folder, root, symlinks=True)
    root.mkdir(exist_ok=True)
    if case.git:
        _commit_everything(root)
    else:
        (root / ".git").mkdir()
    for step in case.make:
        path = root / _local_path(step["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        if "repeat" in step:
            path.write_bytes(b"".join(str(text).encode() * int(count)
                                      for text, count in step["repeat"]))
        elif "numbered" in step:  # head, then the line once per n in range(count)
            line, count = step["numbered"]
            path.write_text(str(step.get("head", "")) + "".join(
                str(line).replace("{n}", str(n)) for n in range(int(count))), "utf-8")
        elif "symlink" in step:
            path.symlink_to(str(step["symlink"]).replace("{outside}", str(outside)))
        elif "move" in step:
            os.replace(root / _local_path(step["move"]), path)
        elif step.get("fifo"):
            os.mkfifo(path)
        if "mode" in step:
            path.chmod(int(step["mode"]))
    return root


def _commit_everything(root: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "corpus", "GIT_AUTHOR_EMAIL": "corpus@example.org",
           "GIT_COMMITTER_NAME": "corpus", "GIT_COMMITTER_EMAIL": "corpus@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "corpus case"]):
        subprocess.run(["git", *command], cwd=root, env=env, check=True, capture_output=True)


def _data_digests(root: Path) -> dict[str, str]:
    """sha256 of every regular file that is not provenance (nothing may write data files)."""
    out = {}
    for path in _files(root):
        name = path.name
        if ".provenance." in name or name == "provenance.yaml" or not _regular(path):
            continue  # provenance may be written; symlinks and pipes are not data of their own
        try:
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            out[str(path.relative_to(root))] = "unreadable"
    return out


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            yield Path(folder) / name


def _limit_memory() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_case(root: Path, args: tuple[str, ...]) -> tuple[int, str, float]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("QA_PROVENANCE_DEBUG", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY",
                          "GITHUB_WORKSPACE", "FORCE_COLOR")}
    env["PYTHONIOENCODING"] = "utf-8:strict"  # as a UTF-8 terminal or pipe: no escape hatch
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        cwd=root, env=env, capture_output=True, timeout=TIMEOUT_SECONDS,
        preexec_fn=_limit_memory,
    )
    elapsed = time.monotonic() - started
    output = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
    return proc.returncode, output, elapsed


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_case(case: Case, tmp_path: Path) -> None:
    if case.needs_non_root and hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("runs as root, which reads a file whatever its permissions")
    root = build(case, tmp_path)
    before = _data_digests(root)
    code, output, elapsed = run_case(root, case.args)
    shown = f"{case.name} ({case.about}) exit {code} in {elapsed:.1f} s:\n{output}"
    assert "Traceback" not in output, shown
    assert "internal error" not in output, shown
    assert code == case.exit, shown
    assert any(case.file in line and case.message in line for line in output.splitlines()), shown
    for text in case.forbid:
        assert text not in output, shown
    assert not (root / MARKER).exists() and not (tmp_path / MARKER).exists(), shown
    for path in before:  # no command writes a data file
        assert _data_digests(root).get(path) == before[path], f"{path} changed\n{shown}"
    assert elapsed < TIMEOUT_SECONDS, shown


def test_a_file_deleted_between_reading_its_facts_and_its_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real race, in process: the file is gone when its records are read (the digest pass,
    on a reader thread meanwhile, may or may not have seen it: either way it is reported)."""
    from provenance.cli import main
    from provenance.reading import readers

    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    data = root / "data" / "distilled.jsonl"
    data.parent.mkdir()
    data.write_text('{"instruction": "Name a prime.", "generation": "7", '
                    '"model_name": "openai/gpt-4o"}\n', encoding="utf-8")
    real_read = readers.read_data

    def delete_then_read(path: Path, *args: Any, **kwargs: Any) -> Any:
        if path.name == data.name and path.exists():
            path.unlink()
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(readers, "read_data", delete_then_read)
    monkeypatch.chdir(root)
    code = main(["check", "--root", str(root)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    assert code == 1
    assert "data/distilled.jsonl: QP020 cannot read data file: No such file or directory" \
        in captured.out, captured.out
