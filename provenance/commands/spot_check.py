"""``qa-provenance spot-check``: sampled verification by an independent verifier.

Exit codes: 0 PASS (or SKIPPED, with a notice), 1 FAIL, 2 configuration or independence error,
3 INCONCLUSIVE (0 with a warning when `verifier.on_inconclusive: warn`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from provenance.config import Config, ConfigError
from provenance.discovery import PathError
from provenance.record import Agent
from provenance.reporters.escape import terminal

if TYPE_CHECKING:
    from provenance.session import Session

EXIT_INCONCLUSIVE = 3


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure, file_arguments
    from provenance.spot.run import SpotCheckError, SpotSettings

    try:
        config = configure(args)
        file_arguments(args.paths)
        settings = SpotSettings.from_config(config)
        _apply_arguments(settings, args)
        from provenance.session import Session

        session = Session(config)
        shard = _shard_mode(args)
        relpaths = [] if args.merge else session.select(args.paths or None).data
        if shard is not None:
            return _write_shard(config, settings, relpaths, shard, args)
        report = _run(config, settings, relpaths, session, args.merge)
    except (ConfigError, PathError, SpotCheckError, ValueError) as exc:
        print(f"qa-provenance spot-check: {terminal(str(exc))}", file=sys.stderr)
        return 2
    from provenance.checker import Checker
    from provenance.reporters.base import SpotResult
    from provenance.reporters.select import emit_spot
    from provenance.stamping.build import now_rfc3339

    now = now_rfc3339()  # the same time in the record and in the statement
    recorded = _record(config, report, settings, now) if args.record else {}
    if getattr(args, "attest_statement", None):
        problem = _write_statement(report, settings, args.attest_statement, now)
        if problem is not None:
            print(f"qa-provenance spot-check: {problem}", file=sys.stderr)
            return 2
    failed = emit_spot(args, config.root, SpotResult(report, recorded, Checker(session).check_file))
    if failed is not None:
        return failed
    outcome = report.outcome
    if outcome == "FAIL":
        return 1
    if outcome == "INCONCLUSIVE":
        if settings.on_inconclusive == "warn":
            print("qa-provenance spot-check: warning: INCONCLUSIVE is not a pass; exit 0 because "
                  "verifier.on_inconclusive is warn", file=sys.stderr)
            return 0
        return EXIT_INCONCLUSIVE
    return 0


def _apply_arguments(settings: Any, args: argparse.Namespace) -> None:
    if args.verifier:
        settings.kind = args.verifier
    if args.verifier_url:
        settings.url = args.verifier_url
        if not args.verifier:
            settings.kind = "http" if settings.kind == "local" else settings.kind
    if args.verifier_model:
        settings.model = args.verifier_model
    if args.sample is not None:
        if args.sample < 1:
            raise ValueError("--sample must be at least 1")
        settings.sample = args.sample
    if args.seed is not None:  # a seed named on the command line is public, and used as such
        settings.seed = args.seed
        settings.key = None
        settings.seed_chosen_by = "command line"
    if getattr(args, "token_env", None):
        settings.token_env = args.token_env
    if getattr(args, "no_cache", False):
        settings.cache = None
        settings.digests = None


def _shard_mode(args: argparse.Namespace) -> tuple[int, int] | None:
    """``--shard I/N`` (with ``--partial-out``), or None; refuses what does not go together."""
    from provenance.commands.check import _shard

    if args.merge and (args.shard or args.partial_out or args.paths):
        raise ConfigError("--merge takes partial samples only: no --shard, --partial-out or "
                          "paths (the files are the partials')")
    if args.shard is None:
        if args.partial_out or args.recorded_digest:
            raise ConfigError("--partial-out and --recorded-digest need --shard I/N")
        return None
    if not args.partial_out:
        raise ConfigError(f"--shard {args.shard} needs --partial-out FILE (the shard's partial "
                          "sample, for spot-check --merge)")
    if args.record or getattr(args, "attest_statement", None):
        raise ConfigError("--record and --attest-statement go with --merge, not --shard: a "
                          "shard has no verdict")
    return _shard(args.shard)


def _write_shard(config: Config, settings: Any, relpaths: Sequence[str],
                 shard: tuple[int, int], args: argparse.Namespace) -> int:
    from pathlib import Path

    from provenance.spot.run import byte_progress
    from provenance.spot.shards import is_split, sample_shard, write_partial

    index, total = shard
    from provenance.discovery import shard_of

    mine = [p for p in relpaths if is_split(config, p) or shard_of(p, total) == index]
    bar = byte_progress(config, mine)
    try:
        partial = sample_shard(config, settings, relpaths, index, total, bar,
                               recorded_digest=args.recorded_digest)
    finally:
        if bar is not None:
            bar.close()
    out = args.partial_out
    write_partial(Path(out), partial)
    rows = sum(len(entry.get("rows", ())) for entry in partial["files"])
    print(f"qa-provenance spot-check: shard {index}/{total}: {len(partial['files'])} file(s), "
          f"{rows} rows kept; partial sample written to {out} (merge with spot-check --merge)")
    return 0


def _run(config: Config, settings: Any, relpaths: Sequence[str], session: Session,
         merge: Sequence[str] | None = None) -> Any:
    from provenance.spot.run import byte_progress, prepare, print_progress_target, verify

    def independence(identities: list[str], generators: Sequence[Agent], relpath: str
                     ) -> str | None:
        judge = session.judge_for(relpath)
        for ident in identities:
            verifier = Agent("model", ident)
            for generator in generators:
                verdict = judge.judge(verifier, generator)
                if verdict.loop:
                    return (f"{relpath}: the verifier '{ident}' is the same source as its "
                            f"generator {generator.describe()} ({verdict.why}): a spot check "
                            "must come from an independent verifier")
        return None

    # Sampling runs before the event loop: Ctrl-C interrupts it at once (exit 130).
    if merge:
        from pathlib import Path

        from provenance.spot.shards import merge_partials

        report, prepared = merge_partials(config, settings, [Path(p) for p in merge])
    else:
        bar = byte_progress(config, relpaths)
        try:
            report, prepared = prepare(config, settings, relpaths, bar)
        finally:
            if bar is not None:
                bar.close()
    progress = print_progress_target()
    try:
        return asyncio.run(verify(settings, report, prepared, independence, progress))
    finally:
        if progress is not None:
            progress.close()


def _record(config: Config, report: Any, settings: Any, now: str) -> dict[str, str]:
    from provenance.reading import datafile
    from provenance.reading.locate import Locator
    from provenance.spot.recording import record, verification_entry

    locator = Locator(config.root)
    done = {}
    for file_report in report.files:
        facts = datafile.inspect(config.root / file_report.path, config.root)
        if facts.problem is not None:  # a merge job without the data file, for instance
            done[file_report.path] = f"not recorded: {facts.problem}"
            continue
        if facts.content_sha256 != file_report.digest:
            done[file_report.path] = "not recorded: the file changed during the run"
            continue
        entry = verification_entry(file_report, report.kind, report.verifier_id,
                                   settings.seed_record(), now)
        done[file_report.path] = record(locator, file_report.path, facts.embedded, entry)
    return done


def _write_statement(report: Any, settings: Any, target: str, now: str) -> str | None:
    """The run's verifications as an in-toto statement (``interop.intoto``), written atomically;
    the reason when it cannot be."""
    from pathlib import Path

    from provenance.fs.atomic import write_atomic
    from provenance.interop.intoto import serialise, spot_check_statement
    from provenance.spot.recording import verification_entry

    entries = [(file_report.path, verification_entry(file_report, report.kind,
                                                     report.verifier_id, settings.seed_record(),
                                                     now))
               for file_report in report.files if file_report.digest]
    if not entries:
        return f"--attest-statement: no file was spot-checked, {target} not written"
    try:
        write_atomic(Path(target), serialise([spot_check_statement(entries)]).encode("utf-8"))
    except OSError as exc:
        return f"--attest-statement: cannot write {target}: {exc.strerror or exc}"
    return None
