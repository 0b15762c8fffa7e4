"""``qa-provenance stats``: source diversity per file and per folder (``provenance.diversity``).

The files are read by the same schedule as ``check`` (read-ahead, a large JSONL file scanned by one
process per core, symlinks confined), with diversity gathered in that record pass. Exit 1 when a
``diversity:`` threshold of the configuration is crossed, as ``check`` would report it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from provenance.config import Config, ConfigError
from provenance.discovery import PathError

if TYPE_CHECKING:
    from provenance.diversity.summary import Summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="data files or folders (default: every dataset under the root)")
    parser.add_argument("--format", choices=("text", "json", "github"), default=None,
                        help="text table (default), JSON, or github (default when "
                             "GITHUB_ACTIONS=true): the table and charts appended to "
                             "$GITHUB_STEP_SUMMARY, the text table still printed")


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure

    try:
        config = configure(args)
        relpaths = _data_files(config, args.paths)
        from provenance.diversity.collect import collect

        found = collect(config, relpaths)
        files, folders, notes = found.files, found.folders, found.notes
    except (ConfigError, PathError) as exc:
        print(f"qa-provenance: {exc}", file=sys.stderr)
        return 2
    from provenance.diversity import report

    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    if fmt == "json":
        sys.stdout.write(report.as_json(files, folders, notes))
    else:
        sys.stdout.write(report.text(files, folders, notes))
    if fmt == "github":
        target = os.environ.get("GITHUB_STEP_SUMMARY")
        if target:
            try:
                with open(target, "a", encoding="utf-8", errors="backslashreplace") as handle:
                    handle.write(report.markdown(files, folders, notes))
            except OSError as exc:
                print(f"qa-provenance: cannot write the summary to {target}: "
                      f"{exc.strerror or exc}", file=sys.stderr)
                return 2
    return 1 if _crossed(config, files, folders) else 0


def _data_files(config: Config, paths: list[str]) -> list[str]:
    """The data files named (in a known format, whatever the include globs say) and the
    datasets under the folders named; every dataset under the root when none is."""
    from provenance.discovery import relative_path, walk
    from provenance.reading.datafile import format_of

    if not paths:
        return [p for p in walk(config.root) if config.is_dataset(p)]
    out: list[str] = []
    for raw in paths:
        relpath = relative_path(config.root, raw)
        target = config.root / relpath
        if target.is_dir():
            out += [p for p in walk(config.root, target) if config.is_dataset(p)]
        elif not target.exists():
            raise PathError(f"{raw}: no such file or folder")
        elif format_of(relpath) is None:
            raise PathError(f"{raw}: not a data file (JSONL, JSON, CSV, TSV, Parquet or Arrow; "
                            "JSONL, JSON, CSV and TSV gzip or zstd compressed too)")
        else:
            out.append(relpath)
    return list(dict.fromkeys(out))


def _crossed(config: Config, files: Sequence[Summary], folders: Sequence[Summary]) -> bool:
    """Whether a configured threshold is crossed where the rule is not turned off."""
    from provenance.checks.diversity import diversity_problems
    from provenance.checks.shares import in_folder
    from provenance.rules import Severity

    for summary in files:
        for problem in diversity_problems(summary, config.diversity_limits(summary.path)):
            if config.severity(problem.rule, summary.path) is Severity.ERROR:
                return True
    for summary in folders:
        inside = in_folder("" if summary.path == "." else summary.path)
        limits = config.diversity_limits(inside)
        for problem in diversity_problems(summary, limits, folder=summary.path):
            if config.severity(problem.rule, inside) is Severity.ERROR:
                return True
    return False
