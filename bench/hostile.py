"""Peak memory and time of the hostile inputs of issue 14, at full size.

Run by hand: ``python bench/hostile.py [--only NAME,...] [--python PATH] [--timeout S]``. Each case
is built in a temporary repository, then ``python -m provenance ARGS`` runs in it (``--python``: an
interpreter with another checkout installed, to compare), through a fresh intermediate process so
that the peak resident memory reported (``ru_maxrss`` of the reaped children) covers the command and
the worker processes it starts, and nothing else. Prints one row per case: peak RSS, wall time,
wall and CPU time (on a shared machine the CPU time is the steadier number), exit code and
the finding that matters. Target: every case under 300 MB and 10 s.

The smaller versions of these cases run in the test suite (tests/corpus/cases.yaml); this script is
for the numbers, and writes up to 1.1 GB of temporary files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

MIB = 1 << 20
SUBJECT_SHA = hashlib.sha256(b"x").hexdigest()
AGENTS = ("generator: {type: model, id: openai/gpt-4o-2024-08-06, role: both}\n"
          "validator: {type: human, id: Acme Annotation Team, method: human-review}\n")


def _json_empty_objects(root: Path) -> None:
    count = 100 * MIB // 3
    _write(root / "data/qa.json", b"[" + b"{}," * (count - 1) + b"{}]")


def _json_qa_array(root: Path) -> None:
    """500 MB of distilabel-style records (per-record model names, so every record is read)."""
    rng = random.Random(7)
    words = [f"word{n}" for n in range(2000)]
    path = root / "data/qa.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[")
        written, first = 0, True
        while written < 500 * MIB:
            record = {"instruction": " ".join(rng.choices(words, k=40)),
                      "generation": " ".join(rng.choices(words, k=80)),
                      "model_name": "meta-llama/Llama-3.1-70B-Instruct"}
            text = ("" if first else ",\n") + json.dumps(record)
            handle.write(text)
            written += len(text)
            first = False
        handle.write("]")


def _jsonl_single_line(root: Path) -> None:
    _write(root / "data/qa.jsonl", b'{"instruction": "' + b"a" * (100 * MIB) + b'"}\n')


def _csv_gib_field(root: Path) -> None:
    path = root / "data/qa.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(b"instruction,generation\nq,")
        block = b"a" * (16 * MIB)
        for _ in range(64):
            handle.write(block)
        handle.write(b"\n")


def _parquet_cell(root: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(7)
    block = "".join(rng.choice("abcdefghij") for _ in range(64 * 1024))
    cell = block * (600 * MIB // len(block))
    (root / "data").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"instruction": [cell], "generation": ["a"],
                             "model_name": ["openai/gpt-4o"]}),
                   root / "data/qa.parquet", compression="zstd")


def _zstd_blank_bomb(gib: float) -> Callable[[Path], None]:
    """A distilabel record, then ``gib`` GiB of blank lines, zstd-compressed to a few dozen kB
    (every record names its model, so the record pass reads it all too)."""

    def make(root: Path) -> None:
        from provenance.reading.compressed import _zstd

        compressor = _zstd().ZstdCompressor()
        path = root / "data/qa.jsonl.zst"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(compressor.compress(b'{"instruction": "Name a prime.", "generation": '
                                             b'"7", "model_name": "openai/gpt-4o"}\n'))
            block = b"\n" * (64 * MIB)
            for _ in range(int(gib * 16)):
                handle.write(compressor.compress(block))
            handle.write(compressor.flush())

    return make


def _sidecar_16mb(root: Path) -> None:
    _write(root / "data/qa.jsonl", b'{"instruction": "Name a prime.", "generation": "7"}\n')
    _write(root / "data/qa.jsonl.provenance.yaml",
           (AGENTS + "notes:\n").encode() + b"- x\n" * 4_000_000)


def _manifest(subjects: int) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        data = b'{"instruction": "Name a prime.", "generation": "7"}\n'
        _write(root / "data/qa.jsonl", data)
        lines = ["datasets:", "- files: '*.jsonl'",
                 *("  " + line for line in AGENTS.splitlines()), "  subjects:",
                 "    qa.jsonl:", f"      digest: {{sha256: {hashlib.sha256(data).hexdigest()}}}",
                 "      records: 1"]
        for n in range(subjects - 1):
            lines += [f"    shard-{n:06d}.jsonl:", "      digest:",
                      f"        sha256: {SUBJECT_SHA}", "      records: 1"]
        _write(root / "data/provenance.yaml", ("\n".join(lines) + "\n").encode())
    return make


def _dense_manifest(root: Path) -> None:
    """Nodes, not bytes, cost memory: 700,000 of them in 4 MiB."""
    _write(root / "data/qa.jsonl", b'{"instruction": "q", "generation": "a"}\n')
    head = ("datasets:\n- files: '*.jsonl'\n"
            + "".join("  " + line + "\n" for line in AGENTS.splitlines()) + "  notes:\n")
    _write(root / "data/provenance.yaml", head.encode() + b"  - x\n" * (4 * MIB // 6))


def _glob(root: Path) -> None:
    _write(root / "data" / ("a" * 40 + ".jsonl"), b'{"instruction": "q", "generation": "a"}\n')
    _write(root / "data/provenance.yaml", (
        "datasets:\n- files: '*a*a*a*a*a*a*a*a*a*a*a*b'\n"
        + "".join("  " + line + "\n" for line in AGENTS.splitlines())).encode())


def _nul_subject(root: Path) -> None:
    _write(root / "data/qa.jsonl", b'{"instruction": "q", "generation": "a"}\n')
    _write(root / "data/other.jsonl", b'{"instruction": "q", "generation": "a"}\n')
    _write(root / "data/provenance.yaml", (
        "datasets:\n- files: qa.jsonl\n" + "".join("  " + line + "\n"
                                                   for line in AGENTS.splitlines())
        + f'  subjects:\n    "qa\\0.jsonl":\n      digest: {{sha256: {SUBJECT_SHA}}}\n').encode())


CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "json-array-100MB-empty-objects": ("100 MB JSON array of {}", _json_empty_objects),
    "json-array-500MB-qa": ("500 MB JSON array of QA records", _json_qa_array),
    "jsonl-100MB-one-line": ("100 MB single-line JSONL", _jsonl_single_line),
    "csv-1GiB-field": ("CSV with a 1 GiB field", _csv_gib_field),
    "parquet-600MB-cell": ("small Parquet file, one 600 MB cell", _parquet_cell),
    "zstd-bomb-past-the-limit": ("4 GiB of blank lines in 130 kB of zstd", _zstd_blank_bomb(4)),
    "zstd-bomb-under-the-limit": ("1 GiB less 64 MiB of blank lines as zstd",
                                  _zstd_blank_bomb(15 / 16)),
    "sidecar-16MB": ("16 MB YAML sidecar", _sidecar_16mb),
    "manifest-15000-subjects": ("manifest, 15,000 subjects", _manifest(15_000)),
    "manifest-25000-subjects": ("manifest, 25,000 subjects (the limit)", _manifest(25_000)),
    "manifest-4MiB-dense": ("manifest, 4 MiB list of one-letter items", _dense_manifest),
    "glob-backtracking": ("*a*a*a*a*a*a*a*a*a*a*a*b vs 40 chars", _glob),
    "manifest-nul-subject": ("NUL in a subjects key", _nul_subject),
}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def measure(python: str, root: Path, args: list[str], timeout: float) -> dict[str, object]:
    """Run the command through an intermediate process that reports its children's peak RSS."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    p = subprocess.run(sys.argv[2:], capture_output=True, timeout=float(sys.argv[1]))\n"
        "    code, out = p.returncode, (p.stdout + p.stderr).decode('utf-8', 'replace')\n"
        "except subprocess.TimeoutExpired:\n"
        "    code, out = 'timeout', ''\n"
        "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'code': code, 'seconds': time.monotonic() - start,\n"
        "                  'cpu': use.ru_utime + use.ru_stime,\n"
        "                  'rss_mb': use.ru_maxrss / 1024, 'output': out}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(timeout), python, "-m", "provenance",
                           *args], cwd=root, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def compare_decoders() -> None:
    """provenance's JSON array decoder against ijson's C backend (when installed), on the two
    JSON cases: CPU seconds and peak traced memory to read every item."""
    import resource as _resource

    from provenance.reading import json_stream

    try:
        import ijson
    except ImportError:
        ijson = None
    print(f"{'decoder':24} {'case':32} {'CPU':>8} {'items':>10}  backend")
    for name in ("json-array-100MB-empty-objects", "json-array-500MB-qa"):
        with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
            root = Path(folder)
            CASES[name][1](root)
            path = root / "data/qa.json"
            readers: list[tuple[str, Callable[[object], object], str]] = [
                ("json_stream (batches)", lambda h: (
                    len(b) for b in json_stream.array_batches(h, 16 * MIB)), "stdlib scanner")]
            if ijson is not None:
                readers.append(("ijson.items", lambda h: (
                    1 for _ in ijson.items(h, "item", use_float=True, buf_size=MIB)),
                    ijson.backend))
            for label, read, backend in readers:
                before = _resource.getrusage(_resource.RUSAGE_SELF)
                with open(path, "rb") as handle:
                    count = sum(read(handle))  # type: ignore[call-overload]
                after = _resource.getrusage(_resource.RUSAGE_SELF)
                cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                print(f"{label:24} {name:32} {cpu:>6.1f} s {count:>10}  {backend}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter whose qa-provenance runs (default: this one)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--decoders", action="store_true",
                        help="instead: time the JSON array decoder against ijson (yajl2_c)")
    args = parser.parse_args()
    if args.decoders:
        compare_decoders()
        return
    names = args.only.split(",") if args.only else list(CASES)
    print(f"{'case':32} {'peak RSS':>10} {'wall':>8} {'CPU':>8} {'exit':>7}  finding")
    for name in names:
        _about, make = CASES[name]
        with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
            root = Path(folder)
            (root / ".git").mkdir()
            make(root)
            row = measure(args.python, root, ["check", "--no-cache"], args.timeout)
        lines = [line for line in str(row["output"]).splitlines() if line.strip()]
        shown = next((line for line in lines if "QP0" in line and "QP001" not in line),
                     lines[0] if lines else "")
        print(f"{name:32} {float(row['rss_mb']):>7.0f} MB {float(row['seconds']):>6.1f} s "
              f"{float(row['cpu']):>6.1f} s {row['code']!s:>7}  {shown[:100]}", flush=True)


if __name__ == "__main__":
    main()
