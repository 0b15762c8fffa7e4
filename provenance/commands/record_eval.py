"""``qa-provenance record-eval``: add evaluation results to the results file.

One result from the command line (``--dataset``, ``--metric``, ``--score``, ``--n``), or every
task of an lm-evaluation-harness results JSON (``--lm-eval``), for one model and round. The
dataset's sha256 is taken from the file now, so the result stays tied to the bytes it measured.
Exit 0 when written, 2 for usage errors (the file is then left as it was). Standard library only
until it runs: the argument parser is built for every command.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.config import Config
    from provenance.evaluation.results import Result

PREFIX = "qa-provenance record-eval"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="the evaluated model")
    parser.add_argument("--round", required=True, type=_round, metavar="R",
                        help="its self-training round (0: before any)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", metavar="PATH", help="the dataset evaluated on")
    source.add_argument("--lm-eval", metavar="RESULTS_JSON",
                        help="import every task of an lm-evaluation-harness results file")
    parser.add_argument("--metric", help="the metric's name (with --lm-eval: which metric to "
                        "take, default the task's first)")
    parser.add_argument("--score", type=float, help="the score (with --dataset)")
    parser.add_argument("--n", type=int, help="how many items were scored (with --dataset)")
    parser.add_argument("--stderr", type=float, help="the score's standard error, if known")
    parser.add_argument("--task", action="append", default=[], metavar="TASK=PATH",
                        help="with --lm-eval: the dataset a task (or glob of tasks) evaluated on "
                             "(repeatable; also evaluations.tasks in the configuration)")
    parser.add_argument("--judge", metavar="[TYPE:]ID",
                        help="who scored the answers (an LLM judge: model:ID, or human:ID)")
    parser.add_argument("--class", dest="claimed", choices=("held-out", "self-generated"),
                        help="the class you claim for the dataset (check verifies it)")
    parser.add_argument("--trained-on", action="append", default=[], metavar="PATH",
                        help="a dataset this round was trained on (repeatable)")
    parser.add_argument("--time", help="when it ran, ISO 8601 (default: the results file's "
                        "date, else now)")


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure
    from provenance.config import ConfigError
    from provenance.discovery import PathError
    from provenance.evaluation.results import ResultsError
    from provenance.evaluation.settings import from_config

    try:
        config = configure(args)
        settings = from_config(config.evaluations)
        target = config.root / settings.file
        new = _from_lm_eval(config, args) if args.lm_eval else [_from_arguments(config, args)]
        from provenance.evaluation.results import append

        append(target, new)
    except (ConfigError, PathError, _UsageError) as exc:
        print(f"{PREFIX}: {exc}", file=sys.stderr)
        return 2
    except ResultsError as exc:
        where = f"{settings.file}:{exc.line}" if exc.line else settings.file
        print(f"{PREFIX}: {where}: {exc.message} (nothing written)", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{PREFIX}: {settings.file}: {exc.strerror or exc} (nothing written)",
              file=sys.stderr)
        return 2
    for result in new:
        print(f"recorded in {settings.file}: {result.model} round {result.round} on "
              f"{result.dataset}: {result.metric} = {result.score:g} (n={result.n})")
    return 0


class _UsageError(Exception):
    pass


def _from_arguments(config: Config, args: argparse.Namespace) -> Result:
    missing = [flag for flag, value in (("--metric", args.metric), ("--score", args.score),
                                        ("--n", args.n)) if value is None]
    if missing:
        raise _UsageError(f"--dataset needs {', '.join(missing)}")
    return _result(config, args, _dataset(config, args.dataset), args.metric, args.score,
                   args.n, args.stderr, None, None, args.time)


def _from_lm_eval(config: Config, args: argparse.Namespace) -> list[Result]:
    import json

    from provenance.evaluation.lm_eval import LmEvalError, dataset_for, read

    if args.score is not None or args.n is not None:
        raise _UsageError("--score and --n come from the results file with --lm-eval")
    source = Path(args.lm_eval)
    try:
        data = json.loads(source.read_bytes())
        run = read(data, args.metric)
    except OSError as exc:
        raise _UsageError(f"{source}: {exc.strerror or exc}") from None
    except ValueError as exc:  # also UnicodeDecodeError
        raise _UsageError(f"{source}: not JSON: {exc}") from None
    except LmEvalError as exc:
        raise _UsageError(f"{source}: {exc}") from None
    from provenance.evaluation.settings import from_config

    mapping = dict(from_config(config.evaluations).tasks)
    for item in args.task:
        task, sep, path = item.partition("=")
        if not sep or not task or not path:
            raise _UsageError(f"--task {item}: expected TASK=PATH")
        mapping[task] = path
    out, unmapped = [], []
    for score in run.scores:
        path = dataset_for(score.task, mapping)
        relpath = _dataset(config, path, cwd=False) if path else _local(config, score.candidates)
        if relpath is None:
            unmapped.append(score.task)
            continue
        out.append(_result(config, args, relpath, score.metric, score.score, score.n,
                           score.stderr, score.task, run.source, args.time or run.time))
    if unmapped:
        raise _UsageError(
            f"{source}: no dataset of this repository for task{'s' if len(unmapped) > 1 else ''} "
            f"{', '.join(unmapped)}: give --task TASK=PATH (or evaluations.tasks in the "
            "configuration); nothing written")
    return out


def _result(config: Config, args: argparse.Namespace, relpath: str, metric: str, score: float,
            n: int, stderr: float | None, task: str | None, source: str | None,
            time: str | None) -> Result:
    from provenance.evaluation.analysis import file_sha256
    from provenance.evaluation.results import Result
    from provenance.record import Agent

    if not math.isfinite(score):
        raise _UsageError(f"the score must be a finite number, not {score}")
    if n is not None and n < 1:
        raise _UsageError(f"--n must be at least 1, not {n}")
    if stderr is not None and stderr < 0:
        raise _UsageError(f"--stderr must not be negative, not {stderr}")
    digest = file_sha256(config.root, relpath)
    if digest is None:
        raise _UsageError(f"{relpath}: not a file of the repository at {config.root}")
    judge = None
    if args.judge:
        kind, sep, ident = args.judge.partition(":")
        if not sep or kind not in ("model", "human", "program"):
            kind, ident = "model", args.judge
        if not ident.strip():
            raise _UsageError(f"--judge {args.judge}: no identity")
        judge = Agent(kind, ident)
    trained = tuple(_dataset(config, p) for p in args.trained_on)
    return Result(args.model, args.round, relpath, digest, metric, score, n,
                  _when(time), args.claimed, stderr, judge, task, trained, source)


def _dataset(config: Config, raw: str, *, cwd: bool = True) -> str:
    """A path given on the command line (from the working directory) or in a mapping (from the
    root), relative to the root."""
    from provenance.discovery import relative_path

    return relative_path(config.root, raw) if cwd else relative_path(
        config.root, str(config.root / raw))


def _local(config: Config, candidates: tuple[str, ...]) -> str | None:
    """The first file a task's configuration names that is a file of this repository."""
    from provenance.discovery import PathError, relative_path

    for candidate in candidates:
        path = Path(candidate)
        path = path if path.is_absolute() else config.root / path
        if not path.is_file():
            continue
        try:
            return relative_path(config.root, str(path))
        except PathError:
            continue
    return None


def _when(raw: str | None) -> str:
    if raw is None:
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _UsageError(f"--time {raw}: not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _round(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text}")
    return value
