"""What a check produces: findings with a location, and the run's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from provenance.rules import Rule, Severity


@dataclass(frozen=True)
class Finding:
    path: str
    rule: Rule
    message: str
    severity: Severity = Severity.ERROR
    line: int | None = None

    def location(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class FileResult:
    """One data file's outcome, kept for reporters that summarise per file."""

    path: str
    provenance_path: str | None
    generators: tuple[str, ...] = ()
    validators: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    notices: tuple[str, ...] = ()
    profile: str | None = None  # the record profile, when records were read
    pairs: tuple[tuple[str, str, int], ...] = ()  # (generators, validators, records) per pair
    trust: str | None = None  # declared | recorded | attested (computed); None without a record

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    extra: list[Finding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    streamed: bool = False  # the files' findings were shown as they were decided

    @property
    def findings(self) -> list[Finding]:
        out = [f for result in self.files for f in result.findings]
        return out + self.extra

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARN for f in self.findings)

    def exit_code(self) -> int:
        return 1 if self.errors else 0


class Watch:
    """Told of a run's files as they are checked; does nothing (the live view overrides it)."""

    def start(self, root: Path, relpaths: list[str]) -> None:
        """The files about to be checked, in order."""

    def done(self, result: FileResult) -> None:
        """One file decided."""
