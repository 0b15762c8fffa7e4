"""What a person at a terminal sees while a long check runs: each file's result as soon as it is
decided, and a progress line in bytes. Only on a terminal: a pipe, a file or CI gets the whole
report at the end, sorted by file and line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, TextIO

from provenance.findings import FileResult, Watch
from provenance.reporters.base import color_enabled
from provenance.reporters.escape import terminal
from provenance.reporters.select import choose
from provenance.reporters.text import format_finding


class LiveView(Watch):
    """``stream``: print findings as files are decided (the final report then shows only what
    spans files); ``progress``: a bytes-based progress line on standard error."""

    def __init__(self, *, stream: bool, progress: bool, color: bool,
                 out: TextIO | None = None) -> None:
        self.stream = stream
        self.progress = progress
        self.color = color
        self.out = out or sys.stdout
        self._bar: Any = None
        self._root = Path(".")

    def start(self, root: Path, relpaths: list[str]) -> None:
        self._root = root
        if self.progress and relpaths:
            from tqdm import tqdm

            total = sum(_size(root / p) for p in relpaths)
            self._bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                             desc="qa-provenance check", file=sys.stderr, leave=False,
                             dynamic_ncols=True)

    def done(self, result: FileResult) -> None:
        if self.stream and result.findings:
            lines = sorted(result.findings, key=lambda f: (f.path, f.line or 0))
            text = "\n".join(format_finding(f, color=self.color) for f in lines)
            if self._bar is not None:
                self._bar.write(text, file=self.out)
            else:
                self.out.write(text + "\n")
                self.out.flush()
        if self._bar is not None:
            self._bar.update(_size(self._root / result.path))
            self._bar.set_postfix_str(terminal(result.path)[-40:], refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def live_view(args: Any, env: Any) -> LiveView | None:
    """The live view the arguments and terminals allow, or None."""

    text = choose(getattr(args, "format", None), env) == "text"
    stream = text and not getattr(args, "output", None) and _tty(sys.stdout)
    progress = _tty(sys.stderr) and not env.get("CI")
    if not (stream or progress):
        return None
    return LiveView(stream=bool(stream), progress=progress,
                    color=color_enabled(sys.stdout, env, getattr(args, "color", "auto")))


def _tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
