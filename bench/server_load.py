"""The reference server under hostile load: how fast does it answer a normal request?

Run by hand: `python bench/server_load.py [--slow 1000] [--hostile-mb 32] [--requests 20]`.
Starts `qa-provenance serve-verifier` in a child process (or uses `--url` and `--pid` of one you
started, e.g. an older version, to compare), measures the latency of normal one-item requests,
then holds `--slow` half-sent requests (slowloris), sends a `--hostile-mb` request body (a head
that announces it, then the bytes as fast as the server takes them) and a request of three items
whose answers hold 790 numbers against 400,000 passages (issue 14's 6 MB request) and a 16 MiB
body of tiny JSON values (the decoder's worst case), and measures the normal requests again.
Prints latencies, what happened to the hostile requests, and the server's threads and memory.
Target (issue 14): a normal request is answered within a second under that load.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ITEM = {"id": "a1", "question": "What is the capital of Australia?", "answer": "Canberra",
        "context": ["Canberra is the capital city of Australia."]}

# Half-sent requests: a head that never ends, or a body that never does.
HALVES = [b"GET /info HTTP/1.1\r\nHo", b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Le",
          b"POST /verify HTTP/1.1\r\nContent-Length: 5000\r\n\r\n{\"items\": ["]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed_request(host: str, port: int, body: bytes, timeout: float) -> tuple[float, str]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", "/verify", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        outcome = f"HTTP {response.status}"
        if response.status == 200:
            verdicts = [r.get("verdict", "error") for r in json.loads(payload)["results"]]
            outcome += " " + ",".join(sorted(set(verdicts)))
        else:
            outcome += f" {payload[:80].decode('utf-8', 'replace')}"
    except OSError as exc:
        outcome = type(exc).__name__
    finally:
        conn.close()
    return time.perf_counter() - start, outcome


def latencies(host: str, port: int, count: int) -> tuple[list[float], list[str]]:
    body = json.dumps({"items": [ITEM]}).encode()
    times, outcomes = [], []
    for _ in range(count):
        took, outcome = timed_request(host, port, body, timeout=30)
        times.append(took)
        outcomes.append(outcome)
        time.sleep(0.05)
    return times, outcomes


def describe(times: list[float], outcomes: list[str]) -> str:
    ok = sum(1 for o in outcomes if o.startswith("HTTP 200"))
    return (f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms, "
            f"{ok}/{len(outcomes)} answered 200")


def server_stats(pid: int | None) -> str:
    if pid is None or not Path(f"/proc/{pid}/status").exists():
        return "n/a"
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return (f"threads {fields.get('Threads')}, RSS {fields.get('VmRSS')}, "
            f"peak RSS {fields.get('VmHWM')}")


def raise_descriptor_limit(needed: int) -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < needed:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", type=int, default=1000, help="half-sent requests to hold")
    parser.add_argument("--hostile-mb", type=int, default=32, help="size of the hostile body")
    parser.add_argument("--requests", type=int, default=20, help="normal requests per phase")
    parser.add_argument("--url", help="a server already running (default: start one)")
    parser.add_argument("--pid", type=int, help="its process id, for thread and memory counts")
    args = parser.parse_args()
    raise_descriptor_limit(args.slow + 256)

    server = None
    pid = args.pid
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
    else:
        host, port = "127.0.0.1", free_port()
        tool = [sys.executable, "-m", "provenance"]
        server = subprocess.Popen([*tool, "serve-verifier", "--port", str(port)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert server.stdout is not None
        server.stdout.readline()  # "listening on ..."
        pid = server.pid
    slow: list[socket.socket] = []
    try:
        quiet = latencies(host, port, args.requests)
        print(f"server: {args.url or 'qa-provenance serve-verifier (this checkout)'}")
        print(f"  idle: {describe(*quiet)}; {server_stats(pid)}")

        start = time.perf_counter()
        refused = 0
        for n in range(args.slow):
            try:
                sock = socket.create_connection((host, port), timeout=10)
            except OSError:
                refused += 1
                continue
            slow.append(sock)
            with contextlib.suppress(OSError):
                sock.sendall(HALVES[n % len(HALVES)])
        print(f"  opened {len(slow)} slow connections in {time.perf_counter() - start:.2f} s "
              f"({refused} refused)")

        hostile: dict[str, Any] = {}

        def flood() -> None:
            size = args.hostile_mb << 20
            began = time.perf_counter()
            try:
                with socket.create_connection((host, port), timeout=60) as sock:
                    sock.sendall(b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                 + str(size).encode() + b"\r\n\r\n")
                    try:
                        sock.sendall(b"[" * size)
                        sent = "all sent"
                    except OSError as exc:
                        sent = f"send ended: {type(exc).__name__}"
                    reply = b""
                    with contextlib.suppress(OSError):
                        reply = sock.recv(200)
                status = reply.split(b"\r\n", 1)[0].decode("latin-1") or "no reply"
                hostile["flood"] = f"{status} ({sent})"
            except OSError as exc:
                hostile["flood"] = type(exc).__name__
            hostile["flood_s"] = time.perf_counter() - began

        def heavy() -> None:
            # 790 numbers in the answer against 400,000 short passages, over three items.
            passages = [f"n {n * 7919 % 1_000_003}" for n in range(133_334)]
            answer = " ".join(str(n * 104_729 % 999_983) for n in range(790))
            items = [{**ITEM, "id": f"h{n}", "answer": answer, "context": passages}
                     for n in range(3)]
            body = json.dumps({"items": items}).encode()
            took, outcome = timed_request(host, port, body, timeout=300)
            hostile["heavy"] = f"{outcome} ({len(body) / 1e6:.1f} MB body)"
            hostile["heavy_s"] = took

        def dense() -> None:
            # Under the body limit, but every byte pair a JSON value: the decoder's worst case.
            body = b'{"items": [' + b"1," * ((16 << 20) // 2 - 16) + b"1]}"
            took, outcome = timed_request(host, port, body, timeout=300)
            hostile["dense"] = f"{outcome} ({len(body) / 1e6:.1f} MB body)"
            hostile["dense_s"] = took

        threads = [threading.Thread(target=flood, daemon=True),
                   threading.Thread(target=heavy, daemon=True),
                   threading.Thread(target=dense, daemon=True)]
        for thread in threads:
            thread.start()
        time.sleep(0.2)
        loaded = latencies(host, port, args.requests)
        print(f"  under load: {describe(*loaded)}; {server_stats(pid)}")
        print(f"    outcomes: {sorted(set(loaded[1]))}")
        for thread in threads:
            thread.join(300)
        print(f"  {args.hostile_mb} MB request: {hostile.get('flood')} after "
              f"{hostile.get('flood_s', float('nan')):.2f} s")
        print(f"  3 items, 400,000 passages: {hostile.get('heavy')} after "
              f"{hostile.get('heavy_s', float('nan')):.2f} s")
        print(f"  16 MiB of tiny JSON values: {hostile.get('dense')} after "
              f"{hostile.get('dense_s', float('nan')):.2f} s")
        worst = max(loaded[0])
        verdict = "meets" if worst <= 1.0 and all(o.startswith("HTTP 200")
                                                  for o in loaded[1]) else "misses"
        print(f"  slowest normal request under load: {worst * 1000:.0f} ms ({verdict} the "
              "1 s target)")
    finally:
        for sock in slow:
            sock.close()
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=10)
            if server.poll() is None:
                server.kill()
            assert server.stderr is not None
            log = server.stderr.read().splitlines()
            print(f"  server log: {len(log)} lines, {sum('Traceback' in x for x in log)} "
                  "tracebacks")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
