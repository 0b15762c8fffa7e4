"""The one interface every output format implements, and what the formats share.

A reporter renders a ``check`` result and a ``spot-check`` report onto a text stream. It is
chosen by name (``reporters/select.py``), built with a :class:`Context`, and never decides the
exit code. Mirrors check-jsonschema's reporters: one class per format behind one small interface,
so adding a format is a new module and one line in the format table.
"""

from __future__ import annotations

import abc
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from provenance.findings import FileResult, Finding, RunResult
from provenance.rules import DOCS_URL, Severity

if TYPE_CHECKING:
    from provenance.spot.run import SpotReport

TOOL_NAME = "qa-provenance"
INFORMATION_URI = "https://github.com/qa-provenance/qa-provenance"
SPOT_HELP_URI = f"{DOCS_URL}spot-checks/"


@dataclass(frozen=True)
class Context:
    """What a reporter may know besides the result itself."""

    tool_version: str
    root: Path  # the qa-provenance root every finding path is relative to
    err: TextIO  # notes and diagnostics, never the report
    color: bool = False
    verbose: bool = False
    quiet: bool = False
    # The folder the CI formats (GitHub, SARIF, JUnit) show paths relative to: the checkout.
    base: Path | None = None

    def repo_path(self, relpath: str) -> str:
        """``relpath`` (relative to the root) as a POSIX path relative to ``base``."""
        if self.base is None or self.base == self.root:
            return relpath
        full = os.path.normpath(self.root / relpath)
        return Path(os.path.relpath(full, self.base)).as_posix()

    def is_file(self, relpath: str) -> bool:
        """Whether a finding's path names a file (folder-level findings name a folder)."""
        return (self.root / relpath).is_file() or not (self.root / relpath).exists()


@dataclass
class SpotResult:
    """A spot-check run as reporters see it."""

    report: SpotReport
    recorded: Mapping[str, str] = field(default_factory=dict)  # path -> what --record did
    # The check's view of a data file (its generators, validators, findings), computed on demand
    # by the formats that show it (the GitHub job summary); None when not available.
    describe: Callable[[str], FileResult | None] | None = None


class Reporter(abc.ABC):
    """One output format."""

    name: ClassVar[str]

    def __init__(self, context: Context) -> None:
        self.context = context

    @abc.abstractmethod
    def report_check(self, result: RunResult, out: TextIO) -> None:
        """Render a ``check`` run onto ``out``."""

    @abc.abstractmethod
    def report_spot(self, spot: SpotResult, out: TextIO) -> None:
        """Render a ``spot-check`` run onto ``out``."""

    def notes(self, notices: list[str]) -> None:
        """Notes go to stderr unless a format carries them itself."""
        for notice in notices:
            self.context.err.write(f"note: {notice}\n")


class DocumentReporter(Reporter):
    """A format that renders a run as one document (JSON, SARIF, JUnit): notes go to stderr, the
    document to ``out``; a format says only how to build and write its document."""

    def report_check(self, result: RunResult, out: TextIO) -> None:
        self.notes(result.notices)
        self.write(self.check_document(result), out)

    def report_spot(self, spot: SpotResult, out: TextIO) -> None:
        self.notes(spot.report.notices)
        self.write(self.spot_document(spot), out)

    @abc.abstractmethod
    def check_document(self, result: RunResult) -> Any: ...

    @abc.abstractmethod
    def spot_document(self, spot: SpotResult) -> Any: ...

    def write(self, document: Any, out: TextIO) -> None:
        write_json(document, out)


def write_json(document: Mapping[str, Any], out: TextIO) -> None:
    out.write(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


# ---------------------------------------------------------------------------------------------
# shared helpers


def file_outcome(result: FileResult) -> str:
    """``fail`` (an error), ``warn`` (warnings only) or ``pass``."""
    if any(f.severity is Severity.ERROR for f in result.findings):
        return "fail"
    if result.findings:
        return "warn"
    return "pass"


def level(finding: Finding) -> str:
    """The finding's severity as a word: ``error`` or ``warning``."""
    return "warning" if finding.severity is Severity.WARN else "error"


def display_base(root: Path, env: Mapping[str, str]) -> Path:
    """The folder CI formats show paths relative to: ``$GITHUB_WORKSPACE`` when the root is in
    it, else the git work tree holding the root, else the root itself."""
    root = root.resolve()
    workspace = env.get("GITHUB_WORKSPACE")
    if workspace:
        candidate = Path(workspace).resolve()
        if candidate == root or candidate in root.parents:
            return candidate
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return root


def color_enabled(stream: TextIO, env: Mapping[str, str], mode: str = "auto") -> bool:
    """``--color always`` or ``never`` decide; ``auto``: colour only on a terminal, where
    ``NO_COLOR`` (non-empty) always wins, ``FORCE_COLOR`` (non-empty, not ``0``) forces it
    elsewhere, and ``TERM=dumb`` turns it off."""
    if mode != "auto":
        return mode == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR") not in (None, "", "0"):
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False
