"""Verdicts already paid for: keyed by (verifier id, hash of the text it judged), kept across runs.

An append-only JSONL file, so a run that is killed keeps every verdict it received and a re-run
sends only what is missing. Errors are never cached: they are not verdicts. The file lives in the
git directory (or the user's cache folder outside a checkout), never in the work tree: a committed
cache pre-filled with "supported" would pass a file nobody verified (``provenance.fs.cache_dir``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from provenance.spot.verifiers import VERDICTS, Outcome

FILE_NAME = "verdicts.jsonl"
MAX_RATIONALE = 500


def location(root: Path, setting: bool | str) -> Path | None:
    """The verdict cache file for ``verifier.cache``: true (the default place), false, or a path
    inside the git directory (checked when the configuration was loaded)."""
    from provenance.fs.cache_dir import cache_dir, configured_path

    if setting is False:
        return None
    if setting is True:
        return cache_dir(root) / FILE_NAME
    return configured_path(root, str(setting))


class VerdictCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[tuple[str, str], Outcome] | None = None
        self.hits = 0

    def _load(self) -> dict[tuple[str, str], Outcome]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None and self.path.is_file():
                with open(self.path, encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        self._read_line(line)
        return self._entries

    def _read_line(self, line: str) -> None:
        assert self._entries is not None
        try:
            row = json.loads(line)
            key = (str(row["verifier"]), str(row["id"]))
            verdict, score = row["verdict"], float(row["score"])
        except (ValueError, KeyError, TypeError):
            return  # a torn last line from a killed run, or not ours
        if verdict in VERDICTS:
            rationale = row.get("rationale")
            self._entries[key] = Outcome(key[1], verdict, score,
                                         rationale if isinstance(rationale, str) else None)

    def get(self, verifier_id: str, item_id: str) -> Outcome | None:
        found = self._load().get((verifier_id, item_id))
        if found is not None:
            self.hits += 1
        return found

    def put(self, verifier_id: str, outcome: Outcome) -> None:
        if outcome.verdict is None or outcome.score is None:
            return
        self._load()[(verifier_id, outcome.id)] = outcome
        if self.path is None:
            return
        self._prepare()
        row = {"verifier": verifier_id, "id": outcome.id, "verdict": outcome.verdict,
               "score": outcome.score, "rationale": (outcome.rationale or "")[:MAX_RATIONALE]}
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        # One write of one line on an O_APPEND descriptor: concurrent runs interleave whole lines.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def _prepare(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
