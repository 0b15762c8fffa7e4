"""Fuzz target for the record readers and the provenance loader (issue 7).

One input is a selector byte followed by the bytes of one file. The selector's low three bits say
what the bytes become; its high bit adds a full ``qa-provenance check`` (and a ``stamp``) of the
repository holding them:

    0 data/set.jsonl       datafile.inspect, readers.read_records (every record)
    1 data/set.json        the same (a JSON document, maybe with embedded provenance)
    2 data/set.csv         the same
    3 data/set.tsv         the same
    4 a .provenance.yaml   documents.load_file, then the checker on a valid data file
    5 a .provenance.json   the same
    6 data/provenance.yaml a directory manifest, through the checker
    7 .qa-provenance.yaml  the configuration, through the checker

With the high bit, data files also go through ``spot-check`` (the embedded local verifier: no
network) and provenance files through ``graph``.

Only the tool's own error types may escape a library call (``ReadError``, ``LoadError``); the
command line may raise nothing at all (it runs with QA_PROVENANCE_DEBUG=1, so an internal error is
re-raised instead of printed) and writes UTF-8 to byte streams, as to a pipe. Anything else is a
crash.

    python fuzz/fuzz_readers.py --seconds 600            # atheris (libFuzzer) when installed
    python fuzz/fuzz_readers.py --seconds 60 --hypothesis  # the hypothesis byte fuzzer

``make fuzz`` runs it for FUZZ_SECONDS (default 600). Crashing inputs are written to
``fuzz/crashes/`` (atheris) or printed (hypothesis); replay one with
``python fuzz/fuzz_readers.py --replay FILE``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
TARGETS = (
    ("data", "data/set.jsonl"),
    ("data", "data/set.json"),
    ("data", "data/set.csv"),
    ("data", "data/set.tsv"),
    ("provenance", "data/qa.jsonl.provenance.yaml"),
    ("provenance", "data/qa.jsonl.provenance.json"),
    ("manifest", "data/provenance.yaml"),
    ("config", ".qa-provenance.yaml"),
)
FULL = 0x80
VALID_JSONL = (b'{"question": "What is the capital of Australia?", "answer": "Canberra", '
               b'"context": "Canberra is the capital city of Australia."}\n')
VALID_SIDECAR = (b"generator: {type: model, id: openai/gpt-4o}\n"
                 b"validator: {type: human, id: Acme Annotation Team}\n"
                 b"digest: {sha256: " + b"0" * 64 + b"}\n")
FORMATS = ("text", "json", "sarif", "junit", "github")


def _import_tool() -> None:
    """Import every module the target reaches (atheris instruments what is imported here)."""
    import provenance.checker
    import provenance.cli
    import provenance.commands.check
    import provenance.commands.graph
    import provenance.commands.spot_check
    import provenance.commands.stamp
    import provenance.reading.datafile
    import provenance.reading.documents
    import provenance.lineage.build
    import provenance.checks.per_record
    import provenance.reading.profiles
    import provenance.reading.readers
    import provenance.reporters.github
    import provenance.reporters.json_report
    import provenance.reporters.junit
    import provenance.reporters.sarif
    import provenance.reporters.text
    import provenance.spot.run
    import provenance.trust.levels
    import provenance.spot.local_verifier  # noqa: F401


class Workspace:
    """One scratch repository, reset before every input."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="qa-provenance-fuzz-")).resolve()
        (self.root / ".git").mkdir()

    def reset(self) -> None:
        for child in self.root.iterdir():
            if child.name == ".git":
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        (self.root / "data").mkdir()

    def write(self, relpath: str, content: bytes) -> Path:
        path = self.root / relpath
        path.write_bytes(content)
        return path

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


_WORKSPACE: Workspace | None = None


def workspace() -> Workspace:
    global _WORKSPACE
    if _WORKSPACE is None:
        _WORKSPACE = Workspace()
        atexit.register(_WORKSPACE.close)  # libFuzzer ends the process without returning
    return _WORKSPACE


def one_input(data: bytes) -> None:
    """Run one input; raises on a crash, returns quietly otherwise."""
    if not data:
        return
    selector, body = data[0], data[1:]
    kind, relpath = TARGETS[selector & 0x07]
    space = workspace()
    space.reset()
    if kind == "data":
        path = space.write(relpath, body)
        _read_data(space.root, path)
    elif kind in ("provenance", "manifest"):
        space.write("data/qa.jsonl", VALID_JSONL)
        path = space.write(relpath, body)
        _load(path)
    else:
        space.write("data/qa.jsonl", VALID_JSONL)
        space.write("data/qa.jsonl.provenance.yaml", VALID_SIDECAR)
        space.write(relpath, body)
    if selector & FULL or kind in ("manifest", "config"):
        root = str(space.root)
        _command_line(["check", "--root", root, "-v",
                       "--format", FORMATS[(selector >> 3) % len(FORMATS)]])
        if kind == "data":  # the embedded local verifier: records sampled, read and judged
            _command_line(["spot-check", "--root", root], codes=(0, 1, 2, 3))
        else:
            _command_line(["graph", "--root", root])
        if kind in ("data", "provenance"):
            target = relpath if kind == "data" else "data/qa.jsonl"
            _command_line(["stamp", str(space.root / target), "--root", root,
                           "--generator", "openai/gpt-4o",
                           "--validator", "human:Acme Annotation Team"])


def _read_data(root: Path, path: Path) -> None:
    from provenance.reading import datafile
    from provenance.reading import readers

    facts = datafile.inspect(path, root)
    fmt = datafile.format_of(path.name)
    assert fmt is not None
    if facts.problem is not None:
        return
    try:
        for _ in readers.read_records(path, fmt, document=facts.document):
            pass
    except readers.ReadError:
        pass


def _load(path: Path) -> None:
    from provenance.reading.documents import LoadError, load_file

    with contextlib.suppress(LoadError):
        load_file(path)


def _command_line(argv: list[str], codes: tuple[int, ...] = (0, 1, 2)) -> None:
    """The real program, writing UTF-8 to byte streams as to a pipe. The arguments are always
    valid, so not even argparse's SystemExit is expected."""
    from provenance.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    previous = os.environ.get("QA_PROVENANCE_DEBUG")
    os.environ["QA_PROVENANCE_DEBUG"] = "1"  # an internal error is raised, not printed
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
            out.flush()
            err.flush()
    finally:
        if previous is None:
            del os.environ["QA_PROVENANCE_DEBUG"]
        else:
            os.environ["QA_PROVENANCE_DEBUG"] = previous
    assert code in codes, f"exit code {code}"


# ------------------------------------------------------------------------------------------
# seeds: the hostile corpus, the examples, and a few valid files


def seed_inputs() -> list[bytes]:
    seeds: list[bytes] = []
    by_suffix = {".jsonl": 0, ".ndjson": 0, ".json": 1, ".csv": 2, ".tsv": 3}
    roots = [PROJECT / "tests" / "corpus", PROJECT / "examples"]
    for folder in roots:
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.is_symlink() or path.stat().st_size > 65536:
                continue
            name = path.name
            if name.endswith(".provenance.yaml") or name == "cases.yaml":
                selector = 4
            elif name.endswith(".provenance.json"):
                selector = 5
            elif name == "provenance.yaml":
                selector = 6
            elif name == ".qa-provenance.yaml":
                selector = 7
            elif path.suffix in by_suffix:
                selector = by_suffix[path.suffix]
            else:
                continue
            content = path.read_bytes()
            seeds.append(bytes([selector]) + content)
            seeds.append(bytes([selector | FULL]) + content)
    seeds.append(bytes([4 | FULL]) + VALID_SIDECAR)
    seeds.append(bytes([0 | FULL]) + VALID_JSONL)
    seeds.append(bytes([0 | FULL]) + b'{"instruction": "Name a prime.", "generation": "7", '
                                     b'"model_name": "openai/gpt-4o"}\n')
    return seeds


TOKENS = (b"[", b"]", b"{", b"}", b'"', b",", b":", b"\n", b"\r\n", b"\\u", b"\\ud800", b"&a ",
          b"*a", b"!!python/object:os.system", b"<<: ", b"- ", b"? ", b"\x00", b"\xff",
          b"\xef\xbb\xbf",
          b"NaN", b"1e999", b"9" * 5000, b"-0", b"provenance", b"generator", b"validator",
          b"digest", b"sha256", b"records", b"derived_from", b"../../", b"/etc/passwd", b"model",
          b"human", b"model_name", b"query_by", b"examples", b"paragraphs", b"qas", b"\t")


def mutate(seed: bytes, rnd: random.Random) -> bytes:
    """A few random edits of a seed (keeps the selector byte most of the time)."""
    data = bytearray(seed)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(7)
        at = rnd.randrange(1, len(data) + 1) if len(data) > 1 else len(data)
        if op == 0 and len(data) > 1:  # flip a byte
            data[rnd.randrange(1, len(data))] = rnd.randrange(256)
        elif op == 1:  # insert a token
            data[at:at] = rnd.choice(TOKENS)
        elif op == 2 and len(data) > 2:  # delete a range
            end = min(len(data), at + rnd.randint(1, 64))
            del data[at:end]
        elif op == 3 and len(data) > 2:  # duplicate a range
            end = min(len(data), at + rnd.randint(1, 256))
            data[at:at] = data[at:end] * rnd.randint(1, 4)
        elif op == 4:  # truncate
            del data[at:]
        elif op == 5:  # nest
            depth = rnd.choice((10, 1000, 5000))
            data[at:at] = rnd.choice((b"[", b"{\"a\":", b"- ", b"a:\n ")) * depth
        elif data:  # another selector
            data[0] = rnd.randrange(256)
    return bytes(data)


# ------------------------------------------------------------------------------------------
# the hypothesis byte fuzzer (when atheris is not installed, and for the smoke test)


def hypothesis_fuzz(seconds: float, *, seeds: list[bytes] | None = None,
                    report: Callable[[str], None] = print) -> int:
    """Feed generated and mutated inputs to ``one_input`` for ``seconds``; returns executions.
    A crash propagates (hypothesis shrinks it first) after being reported."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    pool = seeds if seeds is not None else seed_inputs()
    inputs = st.one_of(
        st.binary(max_size=2048),
        st.tuples(st.sampled_from(pool), st.randoms(use_true_random=True)).map(
            lambda pair: mutate(*pair)),
        st.sampled_from(pool),
    )
    executions = 0
    deadline = time.monotonic() + seconds

    @settings(max_examples=200, deadline=None, database=None, derandomize=False,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(inputs)
    def batch(data: bytes) -> None:
        nonlocal executions
        executions += 1
        try:
            one_input(data)
        except BaseException:
            report(f"crash on input {data[:200]!r}{'...' if len(data) > 200 else ''}")
            raise

    while time.monotonic() < deadline:
        batch()
    return executions


# ------------------------------------------------------------------------------------------
# entry point


def _atheris_fuzz(seconds: int, corpus: Path, crashes: Path, extra: list[str]) -> None:
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    with atheris.instrument_imports(include=["provenance"]):
        _import_tool()
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        for index, seed in enumerate(seed_inputs()):
            (corpus / f"seed-{index:04d}").write_bytes(seed)
    argv = [sys.argv[0], str(corpus), f"-max_total_time={seconds}", "-timeout=20",
            "-rss_limit_mb=2048", "-max_len=16384", f"-artifact_prefix={crashes}/",
            "-print_final_stats=1", *extra]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def _atheris_available() -> bool:
    try:
        import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def _replay(paths: list[str]) -> int:
    for raw in paths:
        print(f"replaying {raw}")
        one_input(Path(raw).read_bytes())
    print("no crash")
    return 0


@contextlib.contextmanager
def _cleanup() -> Iterator[None]:
    try:
        yield
    finally:
        if _WORKSPACE is not None:
            _WORKSPACE.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=int, default=600, help="time budget (default 600)")
    parser.add_argument("--hypothesis", action="store_true",
                        help="use the hypothesis byte fuzzer even when atheris is installed")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="atheris working corpus (default: a folder under the temp dir)")
    parser.add_argument("--crashes", type=Path, default=HERE / "crashes",
                        help="where atheris writes crashing inputs (default fuzz/crashes)")
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="run saved inputs once")
    args, extra = parser.parse_known_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    with _cleanup():
        if args.replay:
            return _replay(args.replay)
        if args.hypothesis or not _atheris_available():
            if not args.hypothesis:
                print("atheris is not installed: using the hypothesis byte fuzzer")
            started = time.monotonic()
            executions = hypothesis_fuzz(args.seconds)
            elapsed = time.monotonic() - started
            print(f"hypothesis byte fuzzer: {executions} executions in {elapsed:.0f} s, no crash")
            return 0
        corpus = args.corpus or Path(tempfile.gettempdir()) / "qa-provenance-fuzz-corpus"
        _atheris_fuzz(args.seconds, corpus, args.crashes, extra)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT))
    raise SystemExit(main())
