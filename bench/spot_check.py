"""Spot-check throughput against a loopback verifier that answers after 50 ms.

Run by hand: `python bench/spot_check.py [--records 1000] [--concurrency 32] [--delay 0.05]`.
Starts the reference server (`qa-provenance serve-verifier --delay`) in a child process, runs
`qa-provenance spot-check --sample N` with one record per request, and prints the wall time over
the ideal (N x delay / concurrency). Target (issue 4): within 1.3x of ideal at concurrency 32.
Also runs the default batch size (8 records per request) against the same one-record ideal.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_data(root: Path, records: int) -> None:
    rng = random.Random(11)
    (root / "data").mkdir()
    with open(root / "data" / "qa.jsonl", "w", encoding="utf-8") as handle:
        for index in range(records):
            fact = f"item {index} weighs {rng.randint(1, 900)} grams"
            handle.write(json.dumps({
                "question": f"How much does item {index} weigh?",
                "answer": fact.split(" weighs ")[1],
                "context": [f"In the catalogue, {fact} and ships in a box."],
            }) + "\n")


async def _bare_httpx(url: str, records: int, concurrency: int) -> float:
    """The peer: a bare httpx.AsyncClient posting the same one-record batches, nothing else."""
    import asyncio

    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        async def one(index: int) -> None:
            item = {"id": str(index), "question": f"How much does item {index} weigh?",
                    "answer": "5 grams", "context": [f"item {index} weighs 5 grams"]}
            async with gate:
                reply = await client.post(f"{url}/verify",
                                          json={"protocol": "qa-verify/1", "items": [item]})
                reply.json()

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(records)))
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tool = [sys.executable, "-m", "provenance"]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="qa-bench-spot-") as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        write_data(root, args.records * 2)

        def configure(batch_size: int) -> None:
            (root / ".qa-provenance.yaml").write_text(
                "verifier:\n  kind: http\n"
                f"  url: http://127.0.0.1:{port}\n  concurrency: {args.concurrency}\n"
                f"  batch_size: {batch_size}\n  cache: false\n"
            )

        def spot_check() -> float:
            start = time.perf_counter()
            result = subprocess.run([*tool, "spot-check", "--sample", str(args.records)],
                                    cwd=root, capture_output=True, text=True)
            if result.returncode not in (0, 1):
                raise SystemExit(result.stdout + result.stderr)
            return time.perf_counter() - start

        server = subprocess.Popen([*tool, "serve-verifier", "--port", str(port), "--delay",
                                   str(args.delay)], stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            server.stdout.readline()  # "listening on ..."
            configure(1)
            times = [spot_check() for _ in range(args.runs)]
            configure(8)  # the default for qa-verify/1 servers
            batched = statistics.median(spot_check() for _ in range(args.runs))
            import asyncio

            peer = statistics.median(
                asyncio.run(_bare_httpx(f"http://127.0.0.1:{port}", args.records,
                                        args.concurrency))
                for _ in range(args.runs))
        finally:
            server.terminate()
            server.wait(timeout=10)
    ideal = args.records * args.delay / args.concurrency
    wall = statistics.median(times)
    verdict = "meets" if wall / ideal <= 1.3 else "misses"
    print(f"spot-check: {args.records} records, {args.delay * 1000:.0f} ms per reply, "
          f"concurrency {args.concurrency}")
    print(f"  qa-provenance spot-check (whole command, median of {args.runs}): {wall:.2f} s")
    print(f"  ideal {ideal:.2f} s -> ratio {wall / ideal:.2f} ({verdict} the 1.3x target)")
    print(f"  with batch_size 8 (the default): {batched:.2f} s -> ratio {batched / ideal:.2f}")
    print(f"  peer, a bare httpx.AsyncClient loop over the same requests: {peer:.2f} s "
          f"(ratio to ideal {peer / ideal:.2f}); spot-check / peer = {wall / peer:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
