"""``qa-provenance serve-verifier``: the reference qa-verify/1 server, until interrupted."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    from provenance.spot.server import VerifierServer

    try:
        server = VerifierServer(args.host, args.port, delay=args.delay,
                                verifier_id=args.verifier_id)
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
