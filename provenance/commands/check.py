"""``qa-provenance check``: the pre-commit hook and CI entry point."""

from __future__ import annotations

import argparse
import sys

from provenance.config import ConfigError
from provenance.discovery import PathError


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure

    try:
        config = configure(args)
        from provenance.checker import Checker

        result = Checker(config).run(args.paths or None)
    except (ConfigError, PathError) as exc:
        print(f"qa-provenance: {exc}", file=sys.stderr)
        return 2
    from provenance.reporters.select import emit_check

    failed = emit_check(args, config.root, result)
    return failed if failed is not None else result.exit_code()
