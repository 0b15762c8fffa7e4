"""Peak memory of `qa-provenance check` on large JSONL files with per-record provenance.

Run by hand: `python bench/records_memory.py [--sizes 0.25,0.5,1]` (sizes in GiB). Generates
seeded LlamaIndex-style records (query_by / reference_answer_by per record) in a temporary folder,
stamps them, and runs the check in a child process, reporting its peak resident memory (ru_maxrss)
and wall time. Target (issue 3): peak memory under 150 MB whatever the file size.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

GIB = 1 << 30
MODELS = ["gpt-4o-mini", "claude-3-5-haiku-20241022", "meta-llama/Llama-3.1-70B-Instruct"]


def generate(path: Path, size: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    words = [f"w{n}" for n in range(5000)]
    records = 0
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < size:
            asker, answerer = rng.sample(MODELS, 2)
            record = {
                "query": " ".join(rng.choices(words, k=18)) + "?",
                "query_by": {"model_name": asker, "type": "ai"},
                "reference_contexts": [" ".join(rng.choices(words, k=120))],
                "reference_answer": " ".join(rng.choices(words, k=30)),
                "reference_answer_by": {"model_name": answerer, "type": "ai"},
            }
            line = json.dumps(record) + "\n"
            handle.write(line)
            written += len(line)
            records += 1
    return records


def measure(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB of the child, exit code."""
    script = (
        "import resource, subprocess, sys, time;"
        "t=time.perf_counter(); r=subprocess.run(sys.argv[1:]).returncode;"
        "w=time.perf_counter()-t;"
        "m=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "print(w, m, r)"
    )
    out = subprocess.run([sys.executable, "-c", script, *command], cwd=cwd, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[-3]), int(out[-2]) / 1024, int(out[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.25,0.5,1", help="GiB, comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    args = parser.parse_args()
    tool = [sys.executable, "-m", "provenance"]
    print(f"{'size':>8} {'records':>10} {'wall s':>8} {'MB/s':>7} {'peak RSS MB':>12}  result")
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        for size in (float(s) for s in args.sizes.split(",")):
            data = root / "data" / f"rag_{size}gib.jsonl"
            data.parent.mkdir(exist_ok=True)
            count = generate(data, int(size * GIB))
            subprocess.run([*tool, "stamp", str(data.relative_to(root)), "--validator",
                            "human:Bench Reviewers"], cwd=root, check=True, capture_output=True)
            wall, peak, code = measure([*tool, "check", str(data.relative_to(root))], root)
            mb = data.stat().st_size / 1e6
            verdict = "ok" if peak < 150 else "OVER 150 MB"
            print(f"{size:>6.2f}Gi {count:>10} {wall:>8.1f} {mb / wall:>7.0f} {peak:>12.1f}  "
                  f"exit {code}, {verdict}")
            if not args.keep:
                data.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
