"""Speed at repository scale: 10,000 datasets, each a small JSONL file with a sidecar.

Run by hand: ``python bench/repo_scale.py [--datasets 10000] [--runs 5]``. Builds the repository
in a temporary folder (a git repository, everything committed), then measures, as medians of
``--runs`` after a warm-up:

- a hook run that changes one dataset: ``qa-provenance check <file> <its sidecar>`` after the
  file and its sidecar changed (target, issue 15: at most 0.5 s);
- a warm full check (nothing changed since the last run) against ``git status`` on the same
  repository (target: at most 10x ``git status``).

Each case is measured as CPU seconds (user + system of the command and its children), which a
busy machine does not skew, and as wall seconds; the targets are judged on CPU time. The commands
run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` is dropped from their environment), as
an installed tool runs: the warm-up writes the bytecode.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).with_name("qa-provenance")
GENERATORS = ["openai/gpt-4o-2024-08-06", "anthropic/claude-3-5-sonnet-20241022",
              "meta-llama/Llama-3.1-70B-Instruct", "Qwen/Qwen2.5-72B-Instruct"]


def build(root: Path, count: int) -> list[str]:
    import hashlib

    paths = []
    for index in range(count):
        rel = f"data/part{index // 100:03}/set{index:05}.jsonl"
        data = (json.dumps({"question": f"What is item {index}?", "answer": str(index)})
                + "\n").encode()
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        generator = GENERATORS[index % len(GENERATORS)]
        trains = f"trains: [acme/model-{index % 50}]\n" if index % 3 == 0 else ""
        (root / f"{rel}.provenance.yaml").write_text(
            f"generator: {{type: model, id: {generator}}}\n"
            "validator: {type: human, id: Acme Annotation Team}\n"
            f"digest: {{sha256: {hashlib.sha256(data).hexdigest()}}}\nrecords: 1\n{trains}")
        paths.append(rel)
    for command in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.email=b@e", "-c", "user.name=bench", "commit", "-qm",
                     "datasets"]):
        subprocess.run(command, cwd=root, check=True)
    return paths


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the command: CPU time (user + system) is robust on a
    shared machine, and what a developer waits for on an idle one."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return (statistics.median(cpu for cpu, _ in samples),
            statistics.median(wall for _, wall in samples))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    qa = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "provenance"]
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        paths = build(root, args.datasets)
        target = paths[len(paths) // 2]
        timed([*qa, "check"], root)  # warm-up: caches filled, bytecode written
        hook = []
        for run in range(args.runs):
            data = (json.dumps({"question": f"Changed {run}?", "answer": "yes"}) + "\n")
            (root / target).write_text(data)
            subprocess.run([*qa, "stamp", target], cwd=root, capture_output=True, check=False,
                           env=ENV)
            hook.append(timed([*qa, "check", target, f"{target}.provenance.yaml"], root))
        timed([*qa, "check"], root)
        time.sleep(2.5)  # past the run cache's racy window
        full = [timed([*qa, "check"], root) for _ in range(args.runs)]
        status = [timed(["git", "status", "--porcelain"], root) for _ in range(args.runs)]
    (hook_cpu, hook_wall), (full_cpu, full_wall), (git_cpu, git_wall) = \
        medians(hook), medians(full), medians(status)
    print(f"\n{args.datasets} datasets, medians of {args.runs} runs; targets on CPU time\n\n"
          "| case | CPU | wall | peer (CPU) | ratio | target | met |\n"
          "|---|---|---|---|---|---|---|")
    print(f"| hook run, one dataset changed | {hook_cpu:.3f} s | {hook_wall:.3f} s | | "
          f"{hook_cpu / 0.5:.2f} of the target | <= 0.5 s | {_met(hook_cpu <= 0.5)} |")
    print(f"| warm full check | {full_cpu:.3f} s | {full_wall:.3f} s | git status "
          f"{git_cpu:.3f} s | {full_cpu / git_cpu:.1f}x | <= 10x | "
          f"{_met(full_cpu <= 10 * git_cpu)} |")
    print(f"| `git status --porcelain` | {git_cpu:.3f} s | {git_wall:.3f} s | | | | |")
    return 0


def _met(ok: bool) -> str:
    return "yes" if ok else "no"


if __name__ == "__main__":
    raise SystemExit(main())
