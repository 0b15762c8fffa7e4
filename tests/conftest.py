"""Shared helpers: a throwaway data repository in ``tmp_path`` and a CLI runner.

Tests build real files and call ``provenance.cli.main`` in-process; nothing is mocked.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, ClassVar

import pytest
import yaml

from provenance.cli import main

# Small, real-looking extractive QA records.
QA_ROWS: list[dict[str, str]] = [
    {
        "question": "At what temperature does water boil at sea level?",
        "answer": "100 degrees Celsius",
        "context": "At standard atmospheric pressure, pure water boils at 100 degrees Celsius.",
    },
    {
        "question": "Who wrote Pride and Prejudice?",
        "answer": "Jane Austen",
        "context": "Pride and Prejudice is an 1813 novel of manners by Jane Austen.",
    },
    {
        "question": "What is the capital of Australia?",
        "answer": "Canberra",
        "context": "Canberra is the capital city of Australia.",
    },
]

GENERATOR = {"type": "model", "id": "openai/gpt-4o-2024-08-06", "role": "both"}
VALIDATOR = {"type": "human", "id": "Acme Annotation Team", "method": "human-review"}


def jsonl_bytes(rows: Sequence[Mapping[str, Any]] = QA_ROWS) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def reference_rank(secret: bytes, digest: str, position: int) -> bytes:
    """A row's sampling rank, computed here from the documented scheme (not the tool's code):
    BLAKE2b-128 keyed by HMAC-SHA256(secret, "qa-provenance-sample/2" NUL digest), of the row's
    position (JSONL: byte offset; other formats: record index) as 8 big-endian bytes."""
    import hmac

    file_key = hmac.new(secret, b"qa-provenance-sample/2\0" + digest.encode(),
                        hashlib.sha256).digest()
    return hashlib.blake2b(position.to_bytes(8, "big"), key=file_key, digest_size=16).digest()


def jsonl_offsets(data: bytes) -> list[int]:
    """The byte offset of each non-blank line of a JSONL file."""
    offsets, at = [], 0
    for line in data.splitlines(keepends=True):
        if line.strip(b" \t\r\n"):
            offsets.append(at)
        at += len(line)
    return offsets


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        """Finding lines on stdout (everything but the summary)."""
        return [line for line in self.out.splitlines() if not line.startswith("qa-provenance:")]

    @property
    def summary(self) -> str:
        last = [line for line in self.out.splitlines() if line.startswith("qa-provenance:")]
        return last[-1] if last else ""

    def has(self, prefix: str) -> bool:
        """A finding line (stdout or stderr) starts with ``prefix``, e.g. ``a.jsonl:3: QP002``."""
        return any(line.startswith(prefix) for line in (self.out + self.err).splitlines())

    def codes(self) -> set[str]:
        out = set()
        for line in (self.out + self.err).splitlines():
            _, sep, rest = line.partition(": QP")
            if sep:
                out.add("QP" + rest[:3])
        return out


class Repo:
    """A data repository rooted at ``root`` (which also holds an empty ``.git`` folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, rel: str) -> Path:
        return self.root / rel

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def jsonl(self, rel: str, rows: Sequence[Mapping[str, Any]] = QA_ROWS) -> Path:
        return self.write(rel, jsonl_bytes(rows))

    def sha256(self, rel: str) -> str:
        return sha256_bytes((self.root / rel).read_bytes())

    def record(self, rel: str | None = None, **fields: Any) -> dict[str, Any]:
        """A valid record (bound to ``rel``'s bytes when given); ``fields`` override or add keys;
        a field set to None is removed."""
        record: dict[str, Any] = {"generator": dict(GENERATOR), "validator": dict(VALIDATOR)}
        if rel is not None:
            record["digest"] = {"sha256": self.sha256(rel)}
        for key, value in fields.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        return record

    def sidecar(self, rel: str, record: Mapping[str, Any] | None = None, *, fmt: str = "yaml",
                **fields: Any) -> Path:
        """Write ``rel``'s sidecar; by default a valid record bound to the file's bytes."""
        data = dict(record) if record is not None else self.record(rel, **fields)
        if fmt == "json":
            return self.write(f"{rel}.provenance.json", json.dumps(data, indent=2) + "\n")
        return self.write(f"{rel}.provenance.yaml", dump_yaml(data))

    def load_yaml(self, rel: str) -> Any:
        return yaml.safe_load(self.read(rel))


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Repo]:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    monkeypatch.delenv("QA_PROVENANCE_DEBUG", raising=False)
    yield Repo(root.resolve())


Runner = Callable[..., Result]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: a short run of the fuzz target (tests/test_fuzz_smoke.py; make fuzz "
        "runs it for longer)")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run the CLI in-process; every run must end without a traceback or an internal error."""

    def _run(*args: str) -> Result:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: usage errors, --help, --version
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        assert "internal error" not in captured.err, captured.err
        return Result(code, captured.out, captured.err)

    return _run


# Sockets are forbidden in every test not marked `network` (pyproject.toml): `check` never touches
# the network, and the suite proves it. In this process an audit hook refuses socket creation
# (AF_UNIX excepted: asyncio's self-pipe), connect, bind, sendto/sendmsg and name look-ups while
# the flag is on; audit hooks cannot be removed, so the one hook installed here consults the flag.
# Python programs the test starts install the same hook from tests/nosocket/sitecustomize.py (on
# PYTHONPATH, switched on by QA_PROVENANCE_TEST_FORBID_SOCKETS=1), which holds the rules.
NOSOCKET = Path(__file__).parent / "nosocket"


def _load_socket_guard() -> ModuleType:
    spec = importlib.util.spec_from_file_location("qa_provenance_socket_guard",
                                                  NOSOCKET / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


socket_guard = _load_socket_guard()


class SocketForbidden(RuntimeError):
    """A test not marked `network` reached for the network (not an OSError: the code under test
    must not mistake it for an unreachable server)."""


class SocketState:
    forbidden: ClassVar[bool] = False
    refused: ClassVar[list[str]] = []  # this test's refusals, even those the code swallowed


def _socket_audit(event: str, args: tuple[Any, ...]) -> None:
    if not SocketState.forbidden:
        return
    what = socket_guard.refusal(event, args)
    if what is not None:
        SocketState.refused.append(what)
        raise SocketForbidden(socket_guard.message(what))


sys.addaudithook(_socket_audit)


@pytest.fixture(autouse=True)
def forbid_sockets(request: pytest.FixtureRequest,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No socket for a test not marked `network`, in this process or in a Python it starts; a
    refusal fails the test even when the code under test caught the exception."""
    if request.node.get_closest_marker("network") is not None:
        monkeypatch.delenv(socket_guard.ENV, raising=False)
        yield
        return
    monkeypatch.setenv(socket_guard.ENV, "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(NOSOCKET), os.environ.get("PYTHONPATH")])))
    SocketState.refused = []
    SocketState.forbidden = True
    try:
        yield
    finally:
        SocketState.forbidden = False
    refused, SocketState.refused = SocketState.refused, []
    if refused:
        pytest.fail("socket use refused during the test (mark it `network` only if it needs a "
                    "loopback server): " + "; ".join(refused), pytrace=False)


@pytest.fixture(autouse=True)
def plain_terminal_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the environment of a plain shell, even when the suite runs in CI: inside
    GitHub Actions the report format would switch to ``github`` and job summaries would be
    appended to the real run's summary; colour variables would change the text report."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "NO_COLOR",
                 "FORCE_COLOR", "QA_PROVENANCE_SAMPLE_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def user_cache_folder(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """Caches of roots without a git directory go to the user's cache folder: in tests, one of
    the session's own, never the real ~/.cache."""
    folder = tmp_path_factory.getbasetemp() / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


# Real samples (tests/fixtures/real, described in its SOURCES.md): tests copy them, never edit them.
REAL = Path(__file__).parent / "fixtures" / "real"


def copy_real(repo: Repo, name: str, rel: str | None = None) -> str:
    """Copy the real sample ``name`` into the repository (at ``rel``, default ``data/<name>``);
    returns the path relative to the root."""
    target = rel if rel is not None else f"data/{name}"
    repo.write(target, (REAL / name).read_bytes())
    return target


# Verifier servers for spot checks: real servers on 127.0.0.1, shut down after each test.


@pytest.fixture
def stub() -> Iterator[Any]:
    """The scriptable OpenAI-compatible / qa-verify/1 stub (tests/servers.py), started."""
    from servers import StubServer

    server = StubServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def reference_server() -> Iterator[Any]:
    """The reference qa-verify/1 server (the local verifier behind HTTP), started."""
    from provenance.spot.server import VerifierServer

    server = VerifierServer("127.0.0.1", 0)
    server.start_background(poll_interval=0.01)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def graph_of(*edges: tuple[str, str, str], held_out: tuple[str, ...] = ()) -> Any:
    """A lineage graph written by hand: nodes "m:A" (a model) or "d:d1" (a dataset), labelled
    by the part after ':'; edges (src, kind, dst); ``held_out``: evaluation sets marked so."""
    from provenance.lineage.graph import LineageGraph

    graph = LineageGraph()
    for src, kind, dst in edges:
        for node in (src, dst):
            graph.add_node(node, node[2:])
        graph.add_edge(src, dst, kind)
    graph.held_out.update(held_out)
    return graph
