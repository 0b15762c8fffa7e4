"""pytest plugin for ``tools/mutate.py``: label coverage data with the running test's node id.

Loaded only by the coverage run of the mutation tool (``-p mutate_plugin`` with ``tools/`` on the
path). In this process the label is a coverage *dynamic* context; child processes (the worker
pool, ``python -m provenance``) inherit ``MUTATE_NODEID`` and use it as their static context, so
code that only runs in a worker is still mapped to the test that started it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

_durations: dict[str, float] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    import coverage

    cov = coverage.Coverage.current()
    os.environ["MUTATE_NODEID"] = item.nodeid
    if cov is not None:
        cov.switch_context(item.nodeid)
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        _durations[item.nodeid] = time.perf_counter() - start
        if cov is not None:
            cov.switch_context("")
        os.environ.pop("MUTATE_NODEID", None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("MUTATE_DURATIONS")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump(_durations, out, indent=0, sort_keys=True)
