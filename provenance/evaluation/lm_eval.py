"""lm-evaluation-harness results JSON, read as evaluation results.

The harness writes ``results_<date>.json`` with, per task, ``results[task]`` holding
``"<metric>,<filter>": score`` and ``"<metric>_stderr,<filter>": stderr`` (the stderr may be
"N/A"), ``n-samples[task]`` with ``original`` and ``effective`` (after ``--limit``) item counts,
``configs[task]`` with the task's ``dataset_path`` (a Hub id, or a loader such as ``json`` with
``dataset_kwargs.data_files``) and its ``metric_list``, ``n-shot``, ``higher_is_better``, group
rows in ``groups``, and ``date`` (Unix time) and ``lm_eval_version``. Only tasks with an
``n-samples`` entry (leaf tasks, not groups) are scores of one dataset. Pure: the parsed JSON in,
one score per task out; which repository file each task evaluated on is decided by the caller.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

NOT_METRICS = frozenset({"alias", "name", "sample_len", "samples", "sample_count"})


class LmEvalError(Exception):
    """Not a results file of lm-evaluation-harness, or not usable as asked."""


@dataclass(frozen=True)
class TaskScore:
    task: str
    metric: str  # "acc", or "exact_match,strict-match" when the filter is not "none"
    score: float
    stderr: float | None
    n: int
    candidates: tuple[str, ...]  # local files the task's config names, most specific first


@dataclass(frozen=True)
class Run:
    scores: tuple[TaskScore, ...]
    time: str | None  # ISO 8601 UTC from ``date``
    source: str  # "lm-evaluation-harness 0.4.9"


def read(data: Any, metric: str | None = None) -> Run:
    """The leaf tasks' scores; ``metric`` (e.g. ``acc_norm`` or ``exact_match,flexible-extract``)
    picks one, else each task's first metric of its config's ``metric_list`` and first filter,
    else the first metric in its results."""
    if not isinstance(data, Mapping) or not isinstance(data.get("results"), Mapping):
        raise LmEvalError("not an lm-evaluation-harness results file (no 'results' object)")
    samples = data.get("n-samples")
    if not isinstance(samples, Mapping) or not samples:
        raise LmEvalError("no 'n-samples': written by lm-evaluation-harness before 0.4.2? the "
                          "item counts the intervals need are missing")
    configs: Mapping[str, Any] = data["configs"] if isinstance(data.get("configs"), Mapping) \
        else {}
    scores = []
    for task, values in data["results"].items():
        counts = samples.get(task)
        if not isinstance(values, Mapping) or not isinstance(counts, Mapping):
            continue  # a group: its tasks are listed on their own
        n = counts.get("effective", counts.get("original"))
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise LmEvalError(f"task '{task}': no item count in n-samples")
        config: Mapping[str, Any] = configs[task] if isinstance(configs.get(task), Mapping) \
            else {}
        key = _metric_key(task, values, config, metric)
        score = _number(values.get(key))
        if score is None:
            raise LmEvalError(f"task '{task}': metric '{key}' is not a number")
        name, _, filter_ = key.partition(",")
        stderr = _number(values.get(f"{name}_stderr,{filter_}"))
        scores.append(TaskScore(task, name if filter_ == "none" else key, score,
                                stderr if stderr is not None and stderr >= 0 else None, n,
                                tuple(_candidates(config))))
    if not scores:
        raise LmEvalError("no task with a score and an item count")
    version = data.get("lm_eval_version")
    source = "lm-evaluation-harness" + (f" {version}" if isinstance(version, str) else "")
    return Run(tuple(scores), _time(data.get("date")), source)


def dataset_for(task: str, mapping: Mapping[str, str]) -> str | None:
    """The repository file a task evaluated on, from a mapping whose keys may be globs (an exact
    name wins over a glob; among globs, the longest)."""
    if task in mapping:
        return mapping[task]
    matches = [pattern for pattern in mapping if fnmatch.fnmatchcase(task, pattern)]
    return mapping[max(matches, key=len)] if matches else None


def _metric_key(task: str, values: Mapping[str, Any], config: Mapping[str, Any],
                wanted: str | None) -> str:
    keys = [k for k in values if k not in NOT_METRICS and "," in k and "_stderr," not in k]
    if wanted is not None:
        exact = wanted if "," in wanted else f"{wanted},none"
        if exact in values:
            return exact
        same = [k for k in keys if k.partition(",")[0] == wanted]
        if same:
            return same[0]
        raise LmEvalError(f"task '{task}' has no metric '{wanted}' (it has: "
                          f"{', '.join(keys) or 'none'})")
    for item in config.get("metric_list") or ():
        name = item.get("metric") if isinstance(item, Mapping) else None
        if isinstance(name, str):
            same = [k for k in keys if k.partition(",")[0] == name]
            if same:
                return same[0]
    if not keys:
        raise LmEvalError(f"task '{task}' has no metric")
    return keys[0]


def _candidates(config: Mapping[str, Any]) -> Iterator[str]:
    """Files a task's config loads: ``dataset_kwargs.data_files`` (a path, a list, or split ->
    path), then ``dataset_path`` itself (a Hub id unless it names a file here)."""
    kwargs = config.get("dataset_kwargs")
    files = kwargs.get("data_files") if isinstance(kwargs, Mapping) else None
    if isinstance(files, Mapping):
        split = config.get("test_split") or config.get("validation_split")
        ordered = [files[split]] if split in files else []
        ordered += [v for k, v in files.items() if k != split]
        files = ordered
    if isinstance(files, str):
        files = [files]
    for item in files or ():
        if isinstance(item, str):
            yield item
        elif isinstance(item, list):
            yield from (i for i in item if isinstance(i, str))
    path = config.get("dataset_path")
    if isinstance(path, str):
        yield path


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _time(value: Any) -> str | None:
    number = _number(value)
    if number is None:
        return None
    try:
        moment = datetime.fromtimestamp(number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
