"""Replaying a check whose every input is provably unchanged.

A check is a function of the repository's files, the configuration, the command line, the tool's
own code and data tables, and the date (verifications expire). The fingerprint covers all of
them: each file's path with its (device, inode, size, mtime_ns, ctime_ns) stamps, as git's index
keys files, and the same for every file of the installed package. Any write changes a file's
ctime, which no user tool can set back. As in ``digest_cache``, a result is not trusted when any
file changed within ``RACY_SECONDS`` of the moment it was stored. So an unchanged repository is
checked by listing it, without reading data, loading the model registry or importing jsonschema.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from stat import S_ISLNK
from typing import Any

from provenance import __version__
from provenance.findings import FileResult, Finding, RunResult
from provenance.rules import BY_KEY, Severity
from provenance.speed.digest_cache import write_cache

VERSION = 2  # 2: see digest_cache (Git LFS pointers are read strictly)
RACY_SECONDS = 2.0
KEPT = 8  # runs remembered: one per distinct command line (the hook's file lists vary)
PACKAGE = Path(__file__).resolve().parent.parent  # the whole package: the tool's own files


class Fingerprint:
    """A digest of a run's inputs, and the newest change time among the files it covers."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self.newest = 0.0

    def add_text(self, text: str) -> None:
        self._digest.update(text.encode("utf-8", "surrogateescape") + b"\0")

    def add_file(self, name: str, path: Path | str) -> None:
        """The file's stamps (and its target's, for a symlink); a missing file counts too.
        One ``lstat`` per file, a second only for a symlink: this runs for every file of the
        repository on every run."""
        parts = [name]
        follow = False
        while True:
            try:
                stat = os.stat(path, follow_symlinks=follow)
            except OSError as exc:
                parts.append(f"error {exc.errno}")
                break
            parts.append(f"{stat.st_dev} {stat.st_ino} {stat.st_size} {stat.st_mtime_ns} "
                         f"{stat.st_ctime_ns} {stat.st_mode}")
            self.newest = max(self.newest, stat.st_mtime_ns / 1e9, stat.st_ctime_ns / 1e9)
            if follow or not S_ISLNK(stat.st_mode):
                break
            follow = True
        self.add_text("\0".join(parts))

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def fingerprint(root: Path, files: Iterable[str], extra_paths: Sequence[Path],
                options: Sequence[str]) -> Fingerprint:
    """Everything a check of ``root`` reads or depends on (``files``: the repository walk)."""
    print_ = Fingerprint()
    print_.add_text(f"qa-provenance {__version__} cache {VERSION}")
    print_.add_text(datetime.now(timezone.utc).date().isoformat())
    for option in options:
        print_.add_text(option)
    for folder, _dirs, names in sorted(os.walk(PACKAGE)):  # the code and its data tables
        for name in sorted(names):
            if name.endswith((".py", ".yaml", ".json")):
                print_.add_file(name, Path(folder) / name)
    print_.add_text("--")
    for path in extra_paths:
        print_.add_file(str(path), path)
    print_.add_text("--")
    base = os.path.join(str(root), "")
    for relpath in files:
        print_.add_file(relpath, base + relpath)
    return print_


class RunCache:
    """Results of the last few runs, each under its command line, in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def lookup(self, options_key: str, print_: Fingerprint) -> RunResult | None:
        entry = self._entries().get(options_key)
        if not isinstance(entry, dict) or entry.get("fingerprint") != print_.hexdigest():
            return None
        if float(entry.get("made", 0)) - print_.newest <= RACY_SECONDS:
            return None  # a file changed too close to the store to be sure
        try:
            return _result_from(entry["result"])
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, options_key: str, print_: Fingerprint, result: RunResult) -> None:
        entries = self._entries()
        entries.pop(options_key, None)
        entries[options_key] = {"fingerprint": print_.hexdigest(), "made": time.time(),
                                "result": _result_to(result)}
        kept = dict(list(entries.items())[-KEPT:])

        write_cache(self.path, json.dumps({"version": VERSION, "runs": kept}))

    def _entries(self) -> dict[str, Any]:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.path.read_text("utf-8"))
            if isinstance(data, dict) and data.get("version") == VERSION \
                    and isinstance(data.get("runs"), dict):
                runs: dict[str, Any] = data["runs"]
                return runs
        return {}


def _finding_to(finding: Finding) -> list[Any]:
    return [finding.path, finding.rule.code, finding.message, finding.severity.value,
            finding.line]


def _finding_from(raw: list[Any]) -> Finding:
    path, code, message, severity, line = raw
    return Finding(str(path), BY_KEY[code], str(message), Severity(severity),
                   None if line is None else int(line))


def _result_to(result: RunResult) -> dict[str, Any]:
    return {
        "files": [{
            "path": f.path, "provenance_path": f.provenance_path,
            "generators": list(f.generators), "validators": list(f.validators),
            "findings": [_finding_to(x) for x in f.findings], "notices": list(f.notices),
            "profile": f.profile, "pairs": [list(p) for p in f.pairs], "trust": f.trust,
        } for f in result.files],
        "extra": [_finding_to(x) for x in result.extra],
        "notices": list(result.notices),
    }


def _result_from(raw: dict[str, Any]) -> RunResult:
    files = [FileResult(
        str(f["path"]), f["provenance_path"],
        generators=tuple(f["generators"]), validators=tuple(f["validators"]),
        findings=tuple(_finding_from(x) for x in f["findings"]), notices=tuple(f["notices"]),
        profile=f["profile"], pairs=tuple((str(g), str(v), int(n)) for g, v, n in f["pairs"]),
        trust=f["trust"],
    ) for f in raw["files"]]
    return RunResult(files, [_finding_from(x) for x in raw["extra"]], list(raw["notices"]))
