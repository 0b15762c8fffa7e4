"""The ``qa-provenance`` command: argparse front end, subcommands loaded on demand.

Only the standard library is imported before a subcommand runs, so a hook invocation that finds no
dataset among the files it is given starts about as fast as Python itself.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from provenance import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a program that SIGPIPE ended
EXIT_INTERRUPTED = 128 + 2

# Each subcommand's ``run(args) -> exit code``, imported only when that command runs.
COMMANDS: dict[str, str] = {
    "check": "provenance.commands.check:run",
    "stamp": "provenance.commands.stamp:run",
    "spot-check": "provenance.commands.spot_check:run",
    "serve-verifier": "provenance.commands.serve:run",
    "graph": "provenance.commands.graph:run",
    "export": "provenance.commands.export:run",
    "import": "provenance.commands.import_cmd:run",
    "init": "provenance.commands.init:run",
    "record-eval": "provenance.commands.record_eval:run",
    "drift": "provenance.commands.drift:run",
    "stats": "provenance.commands.stats:run",
    "rules": "provenance.commands.rules:run",
    "profiles": "provenance.commands.rules:run_profiles",
}


# Shown under each command's --help: how people call it, and what its exit code means.
EPILOGS: dict[str, str] = {
    "check": """examples:
  qa-provenance check                          the whole repository
  qa-provenance check data/ extra.jsonl        some files or folders
  qa-provenance check --changed-since origin/main --format github
  qa-provenance check --format sarif -o results.sarif

exit codes: 0 all passed (warnings allowed), 1 an error-level finding, 2 usage or
configuration error, 141 the reader of the output went away (e.g. | head)""",
    "stamp": """examples:
  qa-provenance stamp data/qa.jsonl --generator model:openai/gpt-4o \\
      --validator "human:Acme Annotation Team" --method human-review
  qa-provenance stamp data/batch --generator openai/gpt-4o --validator "human:Data Team"
                                               every data file in a folder one source made
  qa-provenance stamp data/qa.jsonl            renew the digest after a reviewed edit

exit codes: 0 written, 1 the record would break an error-level rule (nothing written),
2 usage error""",
    "spot-check": """examples:
  qa-provenance spot-check                     embedded local verifier, no server
  qa-provenance spot-check --verifier http --verifier-url https://verify.example --record
  qa-provenance spot-check data/qa.jsonl --sample 200

exit codes: 0 PASS (or SKIPPED), 1 FAIL, 2 configuration or independence error,
3 INCONCLUSIVE""",
    "graph": """examples:
  qa-provenance graph
  qa-provenance graph --format mermaid > lineage.mmd

exit codes: 0 printed, 2 configuration error""",
    "export": """examples:
  qa-provenance export --croissant data/ -o croissant.json
  qa-provenance export --in-toto data/qa.jsonl

exit codes: 0 written, 1 a file has error-level findings, 2 usage error""",
    "import": """examples:
  qa-provenance import --croissant metadata.json --data data/qa.jsonl
  qa-provenance import README.md --data data/qa.jsonl

exit codes: 0 the draft was written, 2 usage error""",
    "init": """examples:
  qa-provenance init --dry-run                 see what it would write
  qa-provenance init

exit codes: 0 done (existing files are kept), 2 usage error""",
    "record-eval": """examples:
  qa-provenance record-eval --model acme/qa-7b --round 2 --dataset data/eval/held_out.jsonl \\
      --metric exact_match --score 0.61 --n 500
  qa-provenance record-eval --model acme/qa-7b --round 2 --lm-eval results.json \\
      --task nq_open=data/eval/nq_open.jsonl

exit codes: 0 written, 2 usage error (the results file is left as it was)""",
    "drift": """examples:
  qa-provenance drift                          every model's rounds
  qa-provenance drift acme/qa-7b --plot drift.png
  qa-provenance drift --format github          also the job summary, with a Mermaid chart

exit codes: 0 printed, 1 a QP042/QP043 finding at error severity, 2 usage or
configuration error""",
    "stats": """examples:
  qa-provenance stats data/                     per file and per folder
  qa-provenance stats data/qa.jsonl --format json
  qa-provenance stats --format github           table and charts in the job summary

exit codes: 0 printed, 1 a configured diversity threshold is crossed (QP044/QP045),
2 usage or configuration error""",
    "serve-verifier": """examples:
  qa-provenance serve-verifier --port 8089

exit codes: 0 stopped by Ctrl-C, 2 usage error""",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa-provenance",
        description="Check that QA datasets name their generator and an independent validator.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = _subcommand(commands, "check", "check datasets and their provenance")
    check.add_argument("paths", nargs="*", help="files or directories (default: the whole root)")
    _add_common(check)
    check.add_argument("-v", "--verbose", action="store_true", help="also list files that pass")
    check.add_argument("-q", "--quiet", action="store_true", help="no summary when all pass")
    check.add_argument("--changed-since", metavar="REF",
                       help="only the datasets changed since git REF (e.g. origin/main), plus "
                       "the datasets their lineage reaches")
    check.add_argument("--shard", metavar="I/N",
                       help="check only the I-th of N parts (0-based), for a CI matrix")
    _add_no_cache(check)
    check.add_argument("--staged", action="store_true",
                       help="as a pre-commit hook: the files are a commit's (none: only this); "
                       "also check the datasets whose provenance the commit deletes or renames")
    check.add_argument("--files-from0", metavar="FILE",
                       help="also check the files named in FILE ('-': standard input), separated "
                       "by NUL bytes, as `git diff -z --name-only` writes them")
    _add_output(check)

    stamp = _subcommand(commands, "stamp",
                        "write or update a sidecar with the file's digest and record count")
    stamp.add_argument("files", nargs="+", metavar="PATH",
                       help="a data file, or a folder: every data file under it")
    _add_common(stamp)
    stamp.add_argument("--generator", action="append", metavar="[TYPE:]ID", default=[],
                       help="who generated the data (repeatable); TYPE is model, human or program")
    stamp.add_argument("--validator", action="append", metavar="[TYPE:]ID", default=[],
                       help="who validated the data (repeatable)")
    stamp.add_argument("--method", help="validation method, e.g. llm-judge, human-review")
    stamp.add_argument("--trains", action="append", metavar="MODEL", default=[],
                       help="a model this data is meant to train (repeatable)")
    stamp.add_argument("--license", help="SPDX license id of the data")
    stamp.add_argument("--description", help="one-line description")
    stamp.add_argument("--sidecar", action="store_true",
                       help="write a sidecar even when a manifest covers the file")

    graph = _subcommand(commands, "graph", "print the lineage of datasets and models")
    _add_common(graph)
    graph.add_argument("--format", choices=("text", "mermaid", "dot"), default="text",
                       help="text tree (default), Mermaid flowchart, or Graphviz DOT")

    spot = _subcommand(commands, "spot-check",
                       "have an independent verifier check a sample of the records")
    _add_common(spot)
    from provenance.commands.spot_check_args import add_arguments

    add_arguments(spot)
    _add_no_cache(spot)
    _add_output(spot)

    serve = _subcommand(commands, "serve-verifier",
                        "run the reference qa-verify/1 server (local verifier)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8089)
    serve.add_argument("--delay", type=float, default=0.0, metavar="SECONDS",
                       help="wait this long before each reply (for benchmarks)")
    serve.add_argument("--verifier-id", help="the identity /info reports (default: the local "
                       "grounding check's)")
    serve.add_argument("--workers", type=int, metavar="N",
                       help="judging threads (default: min(4, CPUs)); see docs/verifiers.md")
    serve.add_argument("--max-body", type=int, metavar="BYTES",
                       help="largest request body; larger is refused with 413 (default 16 MiB)")
    serve.add_argument("--request-budget", type=float, metavar="SECONDS",
                       help="judging time per request; items left are unsure (default 10)")

    start = _subcommand(commands, "init",
                        "write a configuration, a pre-commit entry and a workflow for this "
                        "repository")
    _add_common(start)
    start.add_argument("--dry-run", action="store_true",
                       help="print what would be written, write nothing")
    start.add_argument("--no-workflow", action="store_true",
                       help="do not write the GitHub Actions workflow")

    # Commands whose module says its own arguments (each keeps its heavy imports inside run()).
    for name, summary, module in (
            ("export", "provenance as Croissant 1.1 JSON-LD or in-toto statements",
             "provenance.commands.export"),
            ("import", "draft a sidecar from a Croissant file or a dataset card",
             "provenance.commands.import_cmd"),
            ("record-eval", "record evaluation results (or import lm-evaluation-harness's)",
             "provenance.commands.record_eval"),
            ("drift", "self-generated vs held-out scores per round, and the gap",
             "provenance.commands.drift"),
            ("stats", "source diversity: duplicates, question types, context coverage",
             "provenance.commands.stats")):
        sub = _subcommand(commands, name, summary)
        _add_common(sub)
        importlib.import_module(module).add_arguments(sub)

    commands.add_parser("rules", help="list the rules with their codes")
    commands.add_parser("profiles", help="list the built-in record profiles")
    return parser


def _subcommand(commands: Any, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with its examples and exit codes."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, epilog=EPILOGS[name],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", metavar="DIR",
                        help="repository root (default: nearest folder with .qa-provenance.yaml "
                             "or .git)")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: .qa-provenance.yaml or pyproject.toml "
                             "at the root)")


def _add_no_cache(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the caches (digests, runs, verdicts): "
                             "everything is read and judged afresh")


def _add_output(parser: argparse.ArgumentParser) -> None:
    from provenance.reporters.select import add_arguments

    add_arguments(parser)


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # say it with the command's own usage line, not the top-level one
        sub = _command_parser(parser, args.command)
        sub.error(f"unrecognized arguments: {' '.join(extra)}")
    module, _, function = COMMANDS[args.command].partition(":")
    try:
        run = getattr(importlib.import_module(module), function)
        code: int = run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("qa-provenance: interrupted", file=sys.stderr)
        if threading.active_count() > 1:
            # Readers may be hashing a large file; the interpreter would wait for them at exit.
            # Nothing is being written that an interrupted run could leave half done: leave now.
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("QA_PROVENANCE_DEBUG"):
            raise
        print(f"qa-provenance: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
              "(set QA_PROVENANCE_DEBUG=1 for details, and please report it)", file=sys.stderr)
        return EXIT_USAGE


def _command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:  # argparse keeps the subcommands' parsers only there
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[name]
            return found
    return parser


def _silence_stdout() -> None:
    """The reader went away (``check | head -1``): quietly, and so that the interpreter's own
    flush at exit does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor: nothing more to flush there
        pass


def _one_line(text: str) -> str:
    from provenance.reporters.escape import terminal

    return terminal(text)


def _tolerant_streams() -> None:
    """A file name with bytes that are not UTF-8 reaches the reports as surrogates; on a strictly
    encoding terminal or pipe printing it would fail. Escape what cannot be encoded instead."""
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(ValueError, OSError):  # closed or exotic: leave it
                reconfigure(errors="backslashreplace")


if __name__ == "__main__":
    raise SystemExit(main())
