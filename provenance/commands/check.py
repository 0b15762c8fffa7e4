"""``qa-provenance check``: the pre-commit hook and CI entry point."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.adoption.notes import selection_notes
from provenance.config import ConfigError
from provenance.discovery import PathError
from provenance.reporters.live import live_view

if TYPE_CHECKING:
    from provenance.checks.coverage import Loss
    from provenance.config import Config
    from provenance.findings import RunResult
    from provenance.gitindex import Removal


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure

    try:
        config = configure(args)
        given = _given_paths(args)
        shard = _shard(args.shard)
        removed = _Removed.find(args, config)
        replay = None if args.changed_since or removed else _replay(args, config, given)
        result = replay.lookup() if replay is not None else None
        if result is None:
            from provenance.checker import Checker
            from provenance.session import Session

            session = Session(config, files=replay.files if replay is not None else None)
            paths = given if given or args.staged else None
            if args.changed_since:
                from provenance.lineage.inputs import changed_since

                changed = changed_since(session, args.changed_since)
                paths = [p for p in changed if not given or _under(p, given, config.root)]
            if removed:
                paths = sorted({*(paths or ()), *removed.datasets()})
            # Removals rewrite findings after the run: nothing is streamed before that.
            live = None if removed else live_view(args, os.environ)
            try:
                result = Checker(session).run(paths, shard=shard, watch=live)
            finally:
                if live is not None:
                    live.close()
            if not args.staged:  # a hook's file list is the hook's choice, not the user's
                result.notices.extend(selection_notes(session, result, args.paths))
            if replay is not None:
                replay.store(result)
            result.streamed = live is not None and live.stream
        if removed:
            removed.explain(result, shard)
    except (ConfigError, PathError) as exc:  # a ChangedError is a ConfigError
        from provenance.reporters.text import one_line

        print(f"qa-provenance: {one_line(str(exc))}", file=sys.stderr)
        return 2
    from provenance.reporters.select import emit_check

    failed = emit_check(args, config.root, result)
    return failed if failed is not None else result.exit_code()


def _given_paths(args: argparse.Namespace) -> list[str]:
    """The command line's paths, then those of ``--files-from0``. A name after ``--`` that
    starts with a dash and names no file is an option put in the wrong place (a pre-commit
    ``args:`` lands after the hook's ``--``): refused, rather than checked as a deleted file."""
    from provenance.commands.common import file_arguments

    paths = file_arguments(args.paths)
    if not args.staged and not os.environ.get("PRE_COMMIT"):
        _exist(paths)
    if args.files_from0:
        try:
            if args.files_from0 == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(args.files_from0, "rb") as handle:
                    data = handle.read()
        except OSError as exc:
            raise PathError(f"{args.files_from0}: {exc.strerror or exc}") from None
        paths += [os.fsdecode(name) for name in data.split(b"\0") if name]
    return paths


def _exist(paths: list[str]) -> None:
    """A path typed by a person that names nothing (nor a sidecar left by a deleted file) is a
    typo: "0 data files checked, all passed" would hide it. A hook's list may name deleted files."""
    from provenance.reading.locate import SIDECAR_SUFFIXES

    for raw in paths:
        if not os.path.lexists(raw) and not any(os.path.lexists(raw + suffix)
                                                for suffix in SIDECAR_SUFFIXES):
            raise PathError(f"{raw}: no such file or folder")


class _Removed:
    """The datasets whose provenance the change deletes or renames (``checks.coverage``)."""

    def __init__(self, config: Config, losses: list[Loss], when: str, staged: bool) -> None:
        self.config, self.losses, self.when, self.staged = config, losses, when, staged

    def __bool__(self) -> bool:
        return bool(self.losses)

    @classmethod
    def find(cls, args: argparse.Namespace, config: Config) -> _Removed | None:
        """None unless ``--staged`` or ``--changed-since`` finds provenance files removed: the
        common commit runs one ``git diff`` and imports nothing more."""
        from provenance import gitindex

        if args.staged:
            removals, when = gitindex.staged_removals(config.root), "in this commit"
        elif args.changed_since:
            removals = gitindex.removals_since(config.root, args.changed_since)
            when = f"since {args.changed_since}"
        else:
            return None
        from provenance.discovery import is_provenance_file
        from provenance.trust.levels import is_attestation_file

        if not any(is_provenance_file(r.path) or is_attestation_file(r.path)
                   or _listed_attestation(config, r.path) for r in removals):
            return None
        from provenance.checks import coverage

        root = config.root
        index = gitindex.tracked(root) if args.staged else None

        def in_change(relpath: str) -> bool:
            present = os.path.lexists(root / relpath)
            return present and (index is None or relpath in index)

        def files_under(folder: str) -> list[str]:
            if index is not None:
                return sorted(p for p in index if not folder or p.startswith(folder + "/"))
            from provenance.discovery import walk

            return list(walk(root, root / folder if folder else None))

        def needs_attestation(relpath: str) -> bool:
            minimum = config.trust_minimum(relpath)
            return minimum is not None and minimum.minimum == "attested"

        def manifest_globs(removal: gitindex.Removal) -> Callable[[str], bool] | None:
            return _old_manifest_globs(root, removal)

        losses = coverage.losses(
            removals, is_dataset=config.is_dataset, needs_attestation=needs_attestation,
            listed_attestation=lambda p: _listed_attestation(config, p), in_change=in_change,
            files_under=files_under, manifest_globs=manifest_globs)
        return cls(config, losses, when, args.staged) if losses else None

    def datasets(self) -> list[str]:
        return [loss.dataset for loss in self.losses]

    def explain(self, result: RunResult, shard: tuple[int, int] | None) -> None:
        from provenance.checks import coverage
        from provenance.discovery import shard_of

        root = self.config.root
        losses = self.losses if shard is None else [
            loss for loss in self.losses if shard_of(loss.dataset, shard[1]) == shard[0]]
        coverage.apply(result, losses, when=self.when, severity=self.config.severity,
                       left_in_work_tree=lambda p: self.staged and os.path.lexists(root / p))


def _listed_attestation(config: Config, relpath: str) -> bool:
    files = config.attestations.get("files") if config.attestations else None
    if not files:
        return False
    from provenance.fs.globs import GlobSet

    return GlobSet((files,) if isinstance(files, str) else tuple(files)).matches(relpath)


def _old_manifest_globs(root: Path, removal: Removal) -> Callable[[str], bool] | None:
    """The ``files`` globs of a removed manifest as it was (None when it cannot be read: then
    the files the configuration calls datasets are checked again, which is the usual case)."""
    from provenance import gitindex
    from provenance.fs.globs import GlobError, GlobSet
    from provenance.reading.documents import LoadError, load_yaml

    try:  # the loader every provenance file goes through (alias bombs refused)
        entries = load_yaml(gitindex.blob(root, removal.blob).decode("utf-8")).data["datasets"]
        patterns = [p for entry in entries for p in (
            [entry["files"]] if isinstance(entry["files"], str) else entry["files"])]
        return GlobSet(tuple(str(p) for p in patterns)).matches
    except (ConfigError, LoadError, UnicodeDecodeError, GlobError, KeyError, TypeError):
        return None


class _Replay:
    """This run's fingerprint and its place in the run cache (see ``run_cache``)."""

    def __init__(self, args: argparse.Namespace, config: Config, location: Path,
                 paths: list[str]) -> None:
        from provenance.discovery import walk
        from provenance.speed import run_cache

        self.files = list(walk(config.root))
        extra = [Path(p).absolute() for p in paths]
        if config.source:
            extra.append(config.root / config.source)
        self.key = json.dumps([str(config.root), config.source, paths, args.shard])
        self.print = run_cache.fingerprint(config.root, self.files, extra, [self.key])
        self.cache = run_cache.RunCache(location)

    def lookup(self) -> RunResult | None:
        return self.cache.lookup(self.key, self.print)

    def store(self, result: RunResult) -> None:
        from provenance.reading.datafile import NOT_CHECKED

        if any(NOT_CHECKED in notice for notice in result.notices):
            return  # read without an optional reader: installing it must show at once
        self.cache.store(self.key, self.print, result)


def _replay(args: argparse.Namespace, config: Config, paths: list[str]) -> _Replay | None:
    """The run cache shares the digest cache's setting and folder. It serves whole-repository
    runs (CI, a user re-running check): proving nothing changed costs a stat of every file,
    which a hook run over the files of one commit, that changed by definition, never repays."""
    setting = config.digest_cache
    if setting is False or paths or args.staged:
        return None
    from provenance.speed.digest_cache import location

    digests = location(config.root, setting)
    assert digests is not None
    return _Replay(args, config, digests.with_name("runs.json"), paths)


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
