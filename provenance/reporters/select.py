"""Choosing the output format, and writing the report, the extra SARIF file and the job summary.

``FORMATS`` is the one table of formats: a name and the class that renders it, imported only
when chosen (so building the command line stays light). Adding a format is a new module with a
``Reporter`` subclass and one line here; the commands and the command line take it from here.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from provenance.reporters.escape import terminal

if TYPE_CHECKING:
    from provenance.findings import RunResult
    from provenance.reporters.base import Context, Reporter, SpotResult

FORMATS: dict[str, str] = {
    "text": "provenance.reporters.text:TextReporter",
    "json": "provenance.reporters.json_report:JsonReporter",
    "github": "provenance.reporters.github:GitHubReporter",
    "sarif": "provenance.reporters.sarif:SarifReporter",
    "junit": "provenance.reporters.junit:JUnitReporter",
}
DEFAULT = "text"
EXIT_USAGE = 2


class OutputError(Exception):
    """A report file could not be written (exit code 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--format``, ``--output``, ``--sarif-file`` and ``--summary-file``."""
    parser.add_argument(
        "--format", choices=tuple(FORMATS), default=None,
        help="report format: text (default), json, github (default when GITHUB_ACTIONS=true), "
             "sarif or junit")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--sarif-file", metavar="FILE",
                        help="also write a SARIF 2.1.0 report to FILE, whatever the format")
    parser.add_argument("--json-file", metavar="FILE",
                        help="also write the JSON report to FILE, whatever the format (one run "
                             "gives CI both its log and a machine-readable report)")
    parser.add_argument("--summary-file", metavar="FILE",
                        help="append a Markdown summary to FILE (with --format github the "
                             "default is $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text report: auto (default: on a terminal, unless "
                             "NO_COLOR is set), always or never")


def choose(requested: str | None, env: Mapping[str, str]) -> str:
    """The format asked for; else ``github`` inside GitHub Actions; else ``text``."""
    if requested:
        return requested
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    return DEFAULT


def reporter_class(name: str) -> type[Reporter]:
    module, _, attribute = FORMATS[name].partition(":")
    cls: type[Reporter] = getattr(importlib.import_module(module), attribute)
    return cls


def make_context(root: Path, *, err: TextIO, stream: TextIO | None, env: Mapping[str, str],
                 verbose: bool = False, quiet: bool = False, color: str = "auto") -> Context:
    """``stream`` is where the report goes when it is a stream (colour is decided on it)."""
    from provenance import __version__
    from provenance.reporters.base import Context, color_enabled, display_base

    root = root.resolve()
    painted = stream is not None and color_enabled(stream, env, color)
    return Context(tool_version=__version__, root=root, err=err, color=painted, verbose=verbose,
                   quiet=quiet, base=display_base(root, env))


def _write_file(path: str, text: str) -> None:
    from provenance.fs.atomic import write_atomic

    target = Path(path)
    try:
        # A file name that is not UTF-8 reaches the report as surrogates: written escaped.
        write_atomic(target, text.encode("utf-8", "backslashreplace"))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _append_file(path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"cannot write the summary to {path}: {exc.strerror or exc}") from None


def _emit(args: argparse.Namespace, root: Path, render: Callable[[Reporter, TextIO], None],
          summary: Callable[[Context], str], out: TextIO, err: TextIO,
          env: Mapping[str, str]) -> None:
    name = choose(getattr(args, "format", None), env)
    output = getattr(args, "output", None)
    verbose = bool(getattr(args, "verbose", False))
    quiet = bool(getattr(args, "quiet", False))
    context = make_context(root, err=err, stream=None if output else out, env=env,
                           verbose=verbose, quiet=quiet, color=getattr(args, "color", "auto"))
    reporter = reporter_class(name)(context)
    if output:
        buffer = io.StringIO()
        render(reporter, buffer)
        _write_file(output, buffer.getvalue())
    else:
        render(reporter, out)
    for extra, extra_format in (("sarif_file", "sarif"), ("json_file", "json")):
        target = getattr(args, extra, None)
        if target:
            quiet_context = make_context(root, err=io.StringIO(), stream=None, env=env,
                                         verbose=verbose, quiet=quiet)
            buffer = io.StringIO()
            render(reporter_class(extra_format)(quiet_context), buffer)
            _write_file(target, buffer.getvalue())
    summary_file = getattr(args, "summary_file", None) or (
        env.get("GITHUB_STEP_SUMMARY") if name == "github" else None)
    if summary_file:
        _append_file(summary_file, summary(context))


def emit_check(args: argparse.Namespace, root: Path, result: RunResult, *,
               out: TextIO | None = None, err: TextIO | None = None,
               env: Mapping[str, str] | None = None) -> int | None:
    """Write the check report as the arguments ask; an exit code only when that failed."""

    def markdown(context: Context) -> str:
        from provenance.reporters.github import markdown_check

        return markdown_check(result, context)

    return _emit_or_exit(args, root, lambda reporter, stream: reporter.report_check(result, stream),
                         markdown, "qa-provenance", out, err, env)


def emit_spot(args: argparse.Namespace, root: Path, spot: SpotResult, *,
              out: TextIO | None = None, err: TextIO | None = None,
              env: Mapping[str, str] | None = None) -> int | None:
    """Write the spot-check report as the arguments ask; an exit code only when that failed."""

    def markdown(context: Context) -> str:
        from provenance.reporters.github import markdown_spot

        return markdown_spot(spot, context)

    return _emit_or_exit(args, root, lambda reporter, stream: reporter.report_spot(spot, stream),
                         markdown, "qa-provenance spot-check", out, err, env)


def _emit_or_exit(args: argparse.Namespace, root: Path,
                  report: Callable[[Reporter, TextIO], None], summary: Callable[[Context], str],
                  label: str, out: TextIO | None, err: TextIO | None,
                  env: Mapping[str, str] | None) -> int | None:
    try:
        _refuse_data(args, root)
        _emit(args, root, report, summary, out or sys.stdout, err or sys.stderr,
              os.environ if env is None else env)
    except OutputError as exc:
        (err or sys.stderr).write(f"{label}: {terminal(str(exc))}\n")
        return EXIT_USAGE
    return None


def _refuse_data(args: argparse.Namespace, root: Path) -> None:
    """OutputError when a report path the user named is a dataset or a provenance file
    (``outputs``); the step summary GitHub names is not the user's to mistype."""
    named = (getattr(args, name, None)
             for name in ("output", "sarif_file", "json_file", "summary_file"))
    paths = [str(p) for p in named if p and p != "-"]
    if not paths:
        return
    from provenance.config import ConfigError, load_config
    from provenance.fs.outputs import refusal

    try:
        config = load_config(root, Path(args.config) if getattr(args, "config", None) else None)
    except ConfigError:
        return  # the command has already said so
    for path in paths:
        problem = refusal(config, path)
        if problem is not None:
            raise OutputError(problem)
