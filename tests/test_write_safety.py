"""Writes that survive concurrency and crashes, and commands that never write data files.

- Concurrency: real ``qa-provenance`` processes stamping (and recording into) one manifest at once
  keep every entry: each read-modify-write runs under the folder lock (``provenance/fs/lock.py``).
- Crash midway: a real process is killed (SIGKILL) while it writes a sidecar or a manifest, at
  chosen points (half the bytes written, before the rename, after it) and at random times in a
  loop of writes. The file is then byte-identical to its old or its new content, never partial;
  the lock dies with the process; a temporary file left behind is ignored by ``check``.
- No command opens a data file for writing: an audit hook (``sys.addaudithook``) watches every
  ``open`` (and rename, remove, truncate, utime, chmod) while each command runs in-process.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import QA_ROWS, REAL, Repo, Runner, copy_real, dump_yaml, jsonl_bytes

from provenance.fs.atomic import is_temporary
from provenance.reading import schema
from provenance.reading.embedded import canonical_sha256

PROJECT = Path(__file__).resolve().parent.parent
POSIX_LOCKS = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL") or sys.platform == "win32",
    reason="SIGKILL and flock are POSIX (on Windows the lock is a no-op)")
WAIT = 30.0  # seconds a subprocess may take to reach a point; the tests take far less

# The driver each subprocess runs: ``provenance.cli.main`` with the writer instrumented.
#   WS_LOG    file to which it appends "BEGIN <sha256>" / "END <sha256>" around every atomic write
#             of a provenance file, and "PAUSED <point>" when it stops (unbuffered: kept on kill)
#   WS_PAUSE  write | fsync | replace: stop forever (to be killed) in the first write, after half
#             the bytes reach the temporary file / before its fsync / after the rename
#   WS_DELAY  seconds to sleep just before each write, with the file already read: widens the
#             read-modify-write window so that concurrent runs are sure to overlap
#   WS_LOOP   1: run the command again and again (until killed)
DRIVER = r"""
import hashlib, os, sys, time
import provenance.stamping.write as writer
from provenance.cli import main

log = os.open(os.environ["WS_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
pause = os.environ.get("WS_PAUSE", "")
delay = float(os.environ.get("WS_DELAY", "0"))
armed = False  # inside the write of a provenance file

def say(*words):
    os.write(log, (" ".join(words) + "\n").encode())

def hold(point):
    say("PAUSED", point)
    while True:
        time.sleep(1)

real_write_atomic = writer.write_atomic

def write_atomic(path, data):
    global armed
    time.sleep(delay)
    digest = hashlib.sha256(data).hexdigest()
    say("BEGIN", digest, str(len(data)))
    armed = True
    try:
        real_write_atomic(path, data)
    finally:
        armed = False
    say("END", digest)

writer.write_atomic = write_atomic
real_fdopen, real_fsync, real_replace = os.fdopen, os.fsync, os.replace

class HalfWriter:
    def __init__(self, handle):
        self.handle = handle
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)
    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        hold("write")

def fdopen(*args, **kwargs):
    handle = real_fdopen(*args, **kwargs)
    return HalfWriter(handle) if armed and pause == "write" else handle

def fsync(fd):
    if armed and pause == "fsync":
        hold("fsync")
    real_fsync(fd)

def replace(src, dst):
    real_replace(src, dst)
    if armed and pause == "replace":
        hold("replace")

os.fdopen, os.fsync, os.replace = fdopen, fsync, replace

while True:
    code = main(sys.argv[1:])
    if os.environ.get("WS_LOOP") != "1":
        sys.exit(code)
"""

MANIFEST = "data/provenance.yaml"
MANIFEST_ENTRY: dict[str, Any] = {
    "files": "*.jsonl",
    "generator": {"type": "model", "id": "openai/gpt-4o-2024-08-06"},
    "validator": {"type": "human", "id": "Acme Annotation Team", "method": "human-review"},
}


def rows(count: int, tag: str = "") -> list[dict[str, str]]:
    """QA records the local verifier passes: each answer is in its context."""
    return [{"question": f"How much does item {tag}{i} weigh?", "answer": f"{i + 1} grams",
             "context": f"In the catalogue, item {tag}{i} weighs {i + 1} grams."}
            for i in range(count)]


def write_manifest(repo: Repo, subjects: dict[str, Any] | None = None) -> None:
    entry = dict(MANIFEST_ENTRY)
    if subjects is not None:
        entry["subjects"] = subjects
    repo.write(MANIFEST, "# shared by every file in data/\n" + dump_yaml({"datasets": [entry]}))


def subjects(repo: Repo) -> dict[str, Any]:
    document = repo.load_yaml(MANIFEST)
    assert schema.validate("manifest", document) == [], document
    return dict(document["datasets"][0].get("subjects") or {})


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if is_temporary(p.name))


@dataclass
class Driver:
    """One subprocess running DRIVER, and its log."""

    proc: subprocess.Popen[bytes]
    log: Path

    def lines(self) -> list[tuple[str, str]]:
        text = self.log.read_text() if self.log.exists() else ""
        pairs = []
        for line in text.splitlines():
            kind, _, value = line.partition(" ")
            pairs.append((kind, value))
        return pairs

    def wait_for(self, word: str) -> str:
        """Poll the log until a line starts with ``word``; its argument."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for kind, value in self.lines():
                if kind == word:
                    return value
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"driver ended ({self.proc.returncode}) before {word}: "
                                     f"{out.decode()}{err.decode()}")
            time.sleep(0.005)
        raise AssertionError(f"driver never reached {word}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=WAIT)
        assert self.proc.returncode == -signal.SIGKILL

    def finish(self) -> tuple[int, str]:
        out, err = self.proc.communicate(timeout=WAIT)
        return self.proc.returncode, out.decode() + err.decode()


def child_environment(**extra: str) -> dict[str, str]:
    """This environment, with this checkout first on the import path."""
    path = [str(PROJECT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path), **extra}


def start(repo: Repo, args: Sequence[str], log: Path, **env: str) -> Driver:
    environment = child_environment(WS_LOG=str(log),
                                    **{f"WS_{k.upper()}": v for k, v in env.items()})
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, *args], cwd=repo.root,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return Driver(proc, log)


def lock_is_free(folder: Path) -> bool:
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------------------
# concurrency: two runs, one manifest, no lost entry


@POSIX_LOCKS
def test_concurrent_stamps_of_one_manifest_keep_both_subjects(repo: Repo) -> None:
    """Two plain ``python -m provenance stamp`` processes at once, each a different file."""
    repo.jsonl("data/a.jsonl", rows(1, tag="a"))
    repo.jsonl("data/b.jsonl", rows(2, tag="b"))
    for _ in range(3):
        write_manifest(repo)
        procs = [subprocess.Popen([sys.executable, "-m", "provenance", "stamp", f"data/{name}"],
                                  cwd=repo.root, env=child_environment(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for name in ("a.jsonl", "b.jsonl")]
        for proc in procs:
            _, err = proc.communicate(timeout=WAIT)
            assert proc.returncode == 0, err.decode()
        stamped = subjects(repo)
        assert sorted(stamped) == ["a.jsonl", "b.jsonl"]
        for name in stamped:
            assert stamped[name]["digest"] == {"sha256": repo.sha256(f"data/{name}")}
        assert repo.read(MANIFEST).startswith("# shared by every file in data/\n")
        assert temp_files(repo.path("data")) == []


@POSIX_LOCKS
@pytest.mark.parametrize("second", ["stamp", "record"])
def test_overlapping_read_modify_writes_keep_both_entries(repo: Repo, tmp_path: Path,
                                                          second: str) -> None:
    """Each run sleeps between reading the manifest and writing it back: without the lock both
    would read the same old manifest and the later write would drop the earlier one's entry."""
    repo.jsonl("data/a.jsonl", rows(3, tag="a"))
    repo.jsonl("data/b.jsonl", rows(2, tag="b"))
    a_binding = {"digest": {"sha256": repo.sha256("data/a.jsonl")}, "records": 3}
    write_manifest(repo, {"a.jsonl": dict(a_binding)} if second == "record" else None)
    args = (["stamp", "data/a.jsonl"] if second == "stamp"
            else ["spot-check", "--record", "data/a.jsonl"])
    drivers = [start(repo, ["stamp", "data/b.jsonl"], tmp_path / "b.log", delay="0.3"),
               start(repo, args, tmp_path / "a.log", delay="0.3")]
    for driver in drivers:
        code, output = driver.finish()
        assert code == 0, output
        assert [kind for kind, _ in driver.lines()] == ["BEGIN", "END"]
    stamped = subjects(repo)
    assert stamped["b.jsonl"] == {"digest": {"sha256": repo.sha256("data/b.jsonl")},
                                  "records": 2}
    if second == "stamp":
        assert stamped["a.jsonl"] == a_binding
    else:
        assert [v["result"] for v in stamped["a.jsonl"]["verifications"]] == ["PASS"]


# ------------------------------------------------------------------------------------------
# crash midway: killed at a chosen point


@dataclass
class Case:
    """A write to kill: the command and the provenance file it rewrites (see ``prepare``)."""

    args: list[str]
    target: str
    kind: str  # "sidecar" or "manifest"


CASES = {
    "stamp-sidecar": Case(["stamp", "data/a.jsonl", "--description", "second batch"],
                          "data/a.jsonl.provenance.yaml", "sidecar"),
    "stamp-manifest": Case(["stamp", "data/b.jsonl"], MANIFEST, "manifest"),
    "record-sidecar": Case(["spot-check", "--record", "data/a.jsonl"],
                           "data/a.jsonl.provenance.yaml", "sidecar"),
    "record-manifest": Case(["spot-check", "--record", "data/b.jsonl"], MANIFEST, "manifest"),
}


def prepare(repo: Repo, run: Runner) -> None:
    """a.jsonl with a sidecar; b.jsonl in the manifest, stamped, then given a fourth row (so that
    stamping it again changes the manifest); a configuration that counts every file under data/
    as a dataset, so that a stray temporary file would be checked if discovery did not skip it."""
    repo.write(".qa-provenance.yaml", dump_yaml({"include": ["data/**"]}))
    repo.jsonl("data/a.jsonl", rows(4, tag="a"))
    repo.jsonl("data/b.jsonl", rows(3, tag="b"))
    assert run("stamp", "data/a.jsonl", "--generator", "openai/gpt-4o-2024-08-06",
               "--validator", "human:Acme Annotation Team").code == 0
    write_manifest(repo)
    assert run("stamp", "data/b.jsonl").code == 0
    assert run("check").code == 0
    repo.jsonl("data/b.jsonl", rows(4, tag="b"))


def assert_whole(repo: Repo, case: Case) -> Any:
    """The target loads and is schema-valid; its document."""
    document = repo.load_yaml(case.target)
    assert schema.validate("provenance" if case.kind == "sidecar" else "manifest",
                           document) == [], document
    return document


def verifications_in(document: Any, case: Case) -> list[Any]:
    if case.kind == "sidecar":
        return list(document.get("verifications") or [])
    return list(document["datasets"][0]["subjects"]["b.jsonl"].get("verifications") or [])


def assert_check_ignores_leftovers(repo: Repo, run: Runner, elsewhere: Path) -> None:
    """``check`` says the same with the temporary files as without them, and never names one."""
    folder = repo.path("data")
    leftovers = temp_files(folder)
    seen = run("check")
    assert ".tmp" not in seen.out + seen.err
    for leftover in leftovers:  # named on the command line, too
        named = run("check", f"data/{leftover}")
        assert named.code == 0 and ".tmp" not in named.out + named.err
    elsewhere.mkdir(exist_ok=True)
    for leftover in leftovers:
        os.replace(folder / leftover, elsewhere / leftover)
    try:
        assert run("check") == seen
    finally:
        for leftover in leftovers:
            os.replace(elsewhere / leftover, folder / leftover)


# Every point for a stamp of a manifest and a record into a sidecar; one each for the others.
KILL_POINTS = [
    *((name, point) for name in ("stamp-manifest", "record-sidecar")
      for point in ("write", "fsync", "replace")),
    ("stamp-sidecar", "fsync"), ("record-manifest", "replace"),
]


@POSIX_LOCKS
@pytest.mark.parametrize(("name", "point"), KILL_POINTS)
def test_killed_during_a_write_leaves_the_old_or_the_new_file(
        repo: Repo, run: Runner, tmp_path: Path, name: str, point: str) -> None:
    case = CASES[name]
    prepare(repo, run)
    target = repo.path(case.target)
    old = target.read_bytes()
    driver = start(repo, case.args, tmp_path / "driver.log", pause=point)
    assert driver.wait_for("PAUSED") == point
    new_sha256, new_length = driver.wait_for("BEGIN").split()
    driver.kill()

    if point == "replace":  # renamed, then killed: the new file, whole, and nothing left over
        assert hashlib.sha256(target.read_bytes()).hexdigest() == new_sha256
        assert target.read_bytes() != old
        assert temp_files(target.parent) == []
    else:  # killed before the rename: the old file, byte for byte; its temporary file remains
        assert target.read_bytes() == old
        leftovers = temp_files(target.parent)
        assert len(leftovers) == 1 and leftovers[0].startswith(f".{target.name}.")
        partial = (target.parent / leftovers[0]).read_bytes()
        if point == "write":  # the crash came with half the new bytes written
            assert len(partial) == int(new_length) // 2
        else:
            assert hashlib.sha256(partial).hexdigest() == new_sha256
    document = assert_whole(repo, case)
    assert len(verifications_in(document, case)) == (
        1 if name.startswith("record") and point == "replace" else 0)
    assert lock_is_free(target.parent)  # the lock died with the process
    assert_check_ignores_leftovers(repo, run, tmp_path / "aside")

    # The next run reads the intact file and completes the interrupted change.
    again = run(*case.args)
    assert again.code == 0, again.out + again.err
    assert temp_files(target.parent) == []  # under the lock, the leftover was removed
    document = assert_whole(repo, case)
    if name.startswith("record"):
        assert len(verifications_in(document, case)) == (2 if point == "replace" else 1)
    assert_check_ignores_leftovers(repo, run, tmp_path / "aside")
    if name == "stamp-manifest":  # b.jsonl is bound to its grown content at last
        assert run("check").summary == "qa-provenance: 2 data files checked, all passed"


def test_only_the_leftovers_of_the_file_being_written_are_removed(tmp_path: Path) -> None:
    from provenance.fs.atomic import remove_leftovers, write_atomic

    target = tmp_path / "a.jsonl.provenance.yaml"
    names = [".a.jsonl.provenance.yaml.k2x9_q0z.tmp",  # a killed write of the target
             ".a.jsonl.provenance.yaml.k2x9_q0z.extra.tmp",  # another file's
             ".b.jsonl.provenance.yaml.k2x9_q0z.tmp", ".a.jsonl.provenance.yaml.short.tmp",
             "a.jsonl.provenance.yaml.k2x9_q0z.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(b"partial")
    assert remove_leftovers(target) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])
    write_atomic(target, b"new\n")  # the writer itself never removes anything
    assert len(list(tmp_path.iterdir())) == len(names)


# ------------------------------------------------------------------------------------------
# crash midway: killed at random times in a loop of writes


@POSIX_LOCKS
@pytest.mark.parametrize("name", ["stamp-sidecar", "record-manifest"])
def test_killed_at_random_times_in_a_loop_of_writes(repo: Repo, run: Runner, tmp_path: Path,
                                                     name: str) -> None:
    """Each write is logged as BEGIN before and END after: once killed, the file holds the last
    completed write or the one in progress, and a record loop lost or duplicated no entry."""
    case = CASES[name]
    prepare(repo, run)
    target = repo.path(case.target)
    chance = random.Random(f"write-safety-{name}")
    for round_ in range(4):
        before = target.read_bytes()
        driver = start(repo, case.args, tmp_path / f"loop{round_}.log", loop="1")
        driver.wait_for("END")
        time.sleep(chance.uniform(0.0, 0.3))
        driver.kill()
        log = driver.lines()
        begun = [value.split()[0] for kind, value in log if kind == "BEGIN"]
        ended = [value for kind, value in log if kind == "END"]
        assert len(begun) - len(ended) in (0, 1) and ended == begun[: len(ended)]
        now = hashlib.sha256(target.read_bytes()).hexdigest()
        assert now in (ended[-1], begun[-1]), f"round {round_}: neither old nor new content"
        document = assert_whole(repo, case)
        if name.startswith("record"):
            renamed = int(len(begun) > len(ended) and now == begun[-1])
            assert len(verifications_in(document, case)) == (
                len(verifications_in(yaml.safe_load(before), case)) + len(ended) + renamed)
        assert lock_is_free(target.parent)
    assert_check_ignores_leftovers(repo, run, tmp_path / "aside")


# ------------------------------------------------------------------------------------------
# no command opens a data file for writing

DATA_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
CHANGING_EVENTS = ("os.rename", "os.remove", "os.truncate", "os.utime", "os.chmod")


@dataclass
class Watch:
    """What the audit hook saw under ``root`` while active."""

    root: str
    writes: list[tuple[str, str]] = field(default_factory=list)  # (event, absolute path)
    errors: list[str] = field(default_factory=list)

    def is_data(self, path: str) -> bool:
        if not path.startswith(self.root + os.sep):
            return False
        relpath = path[len(self.root) + 1:].replace(os.sep, "/")
        name = relpath.rsplit("/", 1)[-1]
        if relpath.startswith((".git/", ".qa-provenance-cache/")) or ".provenance." in name:
            return False  # git's files, the verdict cache, provenance files
        return name == "README.md" or name.endswith(DATA_SUFFIXES)


_WATCHES: list[Watch] = []  # the active watch, only while a test runs commands


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Installed once for the whole run (audit hooks cannot be removed): idle unless watching."""
    if not _WATCHES or not (event == "open" or event in CHANGING_EVENTS):
        return
    watch = _WATCHES[-1]
    try:
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and bool(flags & WRITE_FLAGS))
            paths = [path] if writing else []
        elif event == "os.rename":
            paths = [args[0], args[1]]
        else:
            paths = [args[0]]
        for raw in paths:
            if isinstance(raw, int):
                continue  # a file descriptor: its open was seen (and judged) already
            absolute = os.path.realpath(os.fsdecode(os.fspath(raw)))
            watch.writes.append((event, absolute))
    except Exception as exc:  # an exception here would fail the audited call instead
        watch.errors.append(f"{event}: {exc!r}")


sys.addaudithook(_audit)


@pytest.fixture
def watch(repo: Repo) -> Iterator[Watch]:
    active = Watch(os.path.realpath(repo.root))
    _WATCHES.append(active)
    try:
        yield active
    finally:
        _WATCHES.remove(active)


def data_repository(repo: Repo, run: Runner) -> list[str]:
    """Every kind of data file, provenance in all three places; returns the data files."""
    repo.write(".qa-provenance.yaml", dump_yaml({"include": ["data/**", "*.jsonl"]}))
    repo.write("data/train.jsonl", jsonl_bytes(rows(5)))
    header = "question,answer,context\n"
    repo.write("data/qa.csv", header + "".join(f'"{r["question"]}","{r["answer"]}",'
                                               f'"{r["context"]}"\n' for r in rows(3, "c")))
    repo.write("data/qa.tsv", header.replace(",", "\t") + "".join(
        "\t".join(r.values()) + "\n" for r in rows(3, "t")))
    copy_real(repo, "hf_layout_parquet_nonqa_jbdel/data/train-00000-of-00001.parquet",
              "data/labels.parquet")
    examples = {"examples": QA_ROWS}
    embedded = {"generator": MANIFEST_ENTRY["generator"],
                "validator": MANIFEST_ENTRY["validator"],
                "digest": {"sha256": canonical_sha256(examples)}}
    repo.write("data/embedded.json", json.dumps({"provenance": embedded, **examples}, indent=1))
    repo.write("README.md", (REAL / "hf_dataset_cards" / "squad.md").read_bytes())
    repo.write("meta/croissant.json",
               (REAL / "croissant" / "1.1_huggingface-squad_v2" / "metadata.json").read_bytes())
    repo.write(MANIFEST, dump_yaml({"datasets": [
        {**MANIFEST_ENTRY, "files": ["*.csv", "*.tsv", "*.parquet"]}]}))
    assert run("stamp", "data/train.jsonl", "--generator", "openai/gpt-4o-2024-08-06",
               "--validator", "human:Acme Annotation Team").code == 0
    for name in ("data/qa.csv", "data/qa.tsv", "data/labels.parquet"):
        assert run("stamp", name).code == 0, name
    return ["data/train.jsonl", "data/qa.csv", "data/qa.tsv", "data/labels.parquet",
            "data/embedded.json", "README.md", "meta/croissant.json"]


COMMANDS: list[tuple[str, ...]] = [
    *(("check", "--format", fmt) for fmt in ("text", "json", "github", "sarif", "junit")),
    ("check", "-v", "data"),
    ("stamp", "data/train.jsonl", "--description", "restamped"),
    ("stamp", "data/qa.csv", "data/qa.tsv", "data/labels.parquet"),
    *(("graph", "--format", fmt) for fmt in ("text", "mermaid", "dot")),
    ("spot-check", "--verifier", "local"),
    ("spot-check", "--record", "data/train.jsonl", "data/qa.csv", "data/qa.tsv"),
    ("export", "--croissant", "data"),
    ("export", "--in-toto", "data/train.jsonl", "data/qa.csv", "data/embedded.json"),
    ("import", "--card", "README.md", "--data", "data/train.jsonl"),
    ("import", "--croissant", "meta/croissant.json", "-o", "-"),
    ("rules",),
    ("profiles",),
]


def test_no_command_opens_a_data_file_for_writing(repo: Repo, run: Runner, watch: Watch,
                                                   tmp_path: Path) -> None:
    data = data_repository(repo, run)
    past = time.time() - 3600
    for rel in data:  # an old mtime: a rewrite within the same clock tick would still show
        os.utime(repo.path(rel), (past, past))
    before = {rel: (repo.path(rel).read_bytes(), repo.path(rel).stat().st_mtime_ns)
              for rel in data}
    watch.writes.clear()

    commands = [*COMMANDS, ("export", "--croissant", "data", "-o", str(tmp_path / "out.json"))]
    for command in commands:
        result = run(*command)
        assert result.code == 0, f"{command}: {result.code} {result.out}{result.err}"

    assert watch.errors == []
    assert [w for w in watch.writes if watch.is_data(w[1])] == []
    # The hook saw the writes there were (it is not blind): provenance files and the draft.
    written = {os.path.basename(path) for _, path in watch.writes}
    assert {"train.jsonl.provenance.yaml", "provenance.yaml",
            "train.jsonl.provenance.draft.yaml", "out.json"} <= written
    assert "verifications" in repo.load_yaml("data/train.jsonl.provenance.yaml")
    after = {rel: (repo.path(rel).read_bytes(), repo.path(rel).stat().st_mtime_ns)
             for rel in data}
    assert after == before


def test_the_audit_hook_sees_a_data_file_opened_for_writing(repo: Repo, watch: Watch) -> None:
    """The watch itself: each way of writing a data file is caught."""
    repo.jsonl("data/train.jsonl")
    path = repo.path("data/train.jsonl")
    watch.writes.clear()  # the file's creation above was seen too
    with open(path, "ab"):
        pass
    with open(path, "r+b"):
        pass
    os.close(os.open(path, os.O_WRONLY))
    os.utime(path)
    os.replace(repo.write("data/x.tmp", b"{}\n"), path)
    with open(path, "rb"):  # reading is fine
        pass
    seen = [event for event, absolute in watch.writes if watch.is_data(absolute)]
    assert seen == ["open", "open", "open", "os.utime", "os.rename"]
