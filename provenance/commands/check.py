"""``qa-provenance check``: the pre-commit hook and CI entry point."""

from __future__ import annotations

import argparse
import sys

from provenance.config import ConfigError
from provenance.discovery import PathError


def run(args: argparse.Namespace) -> int:
    from provenance.changed import ChangedError
    from provenance.commands.common import configure

    try:
        config = configure(args)
        from provenance.checker import Checker

        checker = Checker(config)
        paths = args.paths or None
        if args.changed_since:
            changed = checker.changed_since(args.changed_since)
            paths = [p for p in changed if not args.paths or _under(p, args.paths, checker)]
        result = checker.run(paths, shard=_shard(args.shard))
    except (ConfigError, PathError, ChangedError) as exc:
        from provenance.reporters.text import one_line

        print(f"qa-provenance: {one_line(str(exc))}", file=sys.stderr)
        return 2
    from provenance.reporters.select import emit_check

    failed = emit_check(args, config.root, result)
    return failed if failed is not None else result.exit_code()


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, _, total = value.partition("/")
    try:
        shard = (int(index), int(total))
    except ValueError:
        shard = (-1, 0)
    if not 0 <= shard[0] < shard[1]:
        raise ConfigError(f"--shard {value}: expected I/N with 0 <= I < N, e.g. 0/4")
    return shard


def _under(relpath: str, paths: list[str], checker: object) -> bool:
    """Whether a changed file lies under one of the paths given on the command line."""
    from provenance.discovery import relative_path

    root = checker.config.root  # type: ignore[attr-defined]
    for raw in paths:
        prefix = relative_path(root, raw)
        if not prefix or relpath == prefix or relpath.startswith(prefix.rstrip("/") + "/"):
            return True
    return False
