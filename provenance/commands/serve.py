"""``qa-provenance serve-verifier``: the reference qa-verify/1 server, until interrupted."""

from __future__ import annotations

import argparse
import sys

from provenance.spot.server import Limits, VerifierServer


def run(args: argparse.Namespace) -> int:
    import dataclasses


    limits = Limits()
    for flag, value in (("workers", args.workers), ("max-body", args.max_body),
                        ("request-budget", args.request_budget)):
        if value is not None and value <= 0:
            print(f"qa-provenance serve-verifier: --{flag} must be more than 0", file=sys.stderr)
            return 2
    if args.workers is not None:
        limits = dataclasses.replace(limits, workers=args.workers)
    if args.max_body is not None:
        limits = dataclasses.replace(limits, max_body=args.max_body)
    if args.request_budget is not None:
        limits = dataclasses.replace(limits, request_budget=args.request_budget)
    try:
        server = VerifierServer(args.host, args.port, delay=args.delay,
                                verifier_id=args.verifier_id,
                                limits=limits)
    except OSError as exc:
        print(f"qa-provenance serve-verifier: cannot listen on {args.host}:{args.port}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"qa-provenance verifier ({server.verifier_id}) listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
