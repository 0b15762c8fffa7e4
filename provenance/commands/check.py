"""``qa-provenance check``: the pre-commit hook and CI entry point."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.adoption.notes import selection_notes
from provenance.config import ConfigError
from provenance.discovery import PathError
from provenance.reporters.live import live_view

if TYPE_CHECKING:
    from provenance.config import Config
    from provenance.findings import RunResult


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure

    try:
        config = configure(args)
        shard = _shard(args.shard)
        replay = None if args.changed_since else _replay(args, config)
        result = replay.lookup() if replay is not None else None
        if result is None:
            from provenance.checker import Checker
            from provenance.session import Session

            session = Session(config, files=replay.files if replay is not None else None)
            paths = args.paths or None
            if args.changed_since:
                from provenance.lineage.inputs import changed_since

                changed = changed_since(session, args.changed_since)
                paths = [p for p in changed if not args.paths or _under(p, args.paths, config.root)]
            live = live_view(args, os.environ)
            try:
                result = Checker(session).run(paths, shard=shard, watch=live)
            finally:
                if live is not None:
                    live.close()
            result.notices.extend(selection_notes(session, result, args.paths))
            if replay is not None:
                replay.store(result)
            result.streamed = live is not None and live.stream
    except (ConfigError, PathError) as exc:  # a ChangedError is a ConfigError
        from provenance.reporters.text import one_line

        print(f"qa-provenance: {one_line(str(exc))}", file=sys.stderr)
        return 2
    from provenance.reporters.select import emit_check

    failed = emit_check(args, config.root, result)
    return failed if failed is not None else result.exit_code()


class _Replay:
    """This run's fingerprint and its place in the run cache (see ``run_cache``)."""

    def __init__(self, args: argparse.Namespace, config: Config, location: Path) -> None:
        from provenance.discovery import walk
        from provenance.speed import run_cache

        self.files = list(walk(config.root))
        extra = [Path(p).absolute() for p in args.paths or ()]
        if config.source:
            extra.append(config.root / config.source)
        self.key = json.dumps([str(config.root), config.source, args.paths, args.shard])
        self.print = run_cache.fingerprint(config.root, self.files, extra, [self.key])
        self.cache = run_cache.RunCache(location)

    def lookup(self) -> RunResult | None:
        return self.cache.lookup(self.key, self.print)

    def store(self, result: RunResult) -> None:
        self.cache.store(self.key, self.print, result)


def _replay(args: argparse.Namespace, config: Config) -> _Replay | None:
    """The run cache shares the digest cache's setting and folder. It serves whole-repository
    runs (CI, a user re-running check): proving nothing changed costs a stat of every file,
    which a hook run over the files of one commit, that changed by definition, never repays."""
    setting = config.digest_cache
    if setting is False or args.paths:
        return None
    from provenance.speed.digest_cache import location

    digests = location(config.root, setting)
    assert digests is not None
    return _Replay(args, config, digests.with_name("runs.json"))


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


def _under(relpath: str, paths: list[str], root: Path) -> bool:
    """Whether a changed file lies under one of the paths given on the command line."""
    from provenance.discovery import relative_path

    for raw in paths:
        prefix = relative_path(root, raw)
        if not prefix or relpath == prefix or relpath.startswith(prefix.rstrip("/") + "/"):
            return True
    return False
