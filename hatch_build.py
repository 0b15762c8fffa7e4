"""Hatchling build hook: compiles the optional C pass of the contamination scan,
``provenance.contamination._fastpass``, when it can, and builds a pure-Python wheel when it cannot.

The package works without the module (the scan falls back to Python), so a missing compiler, a
missing ``Python.h`` or a compile error never fails an install: it prints one warning line and the
wheel is ``py3-none-any``. setuptools' ``build_ext`` does the compiling because it already knows
every platform's compiler and flags (gcc, clang, MSVC) and honours ``CC``, ``CFLAGS``, ``LDSHARED``.

Environment: ``QA_PROVENANCE_NO_EXTENSION=1`` skips the module (a pure wheel on purpose);
``QA_PROVENANCE_REQUIRE_EXTENSION=1`` turns a failed compile into a failed build with the
compiler's whole output (the release's platform wheels, and whoever works on the C code).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULE = "provenance.contamination._fastpass"
SOURCE = Path("provenance", "contamination", "_fastpass.c")
SKIP_ENV = "QA_PROVENANCE_NO_EXTENSION"
REQUIRE_ENV = "QA_PROVENANCE_REQUIRE_EXTENSION"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _ext_suffix() -> str:
    return str(sysconfig.get_config_var("EXT_SUFFIX") or (".pyd" if os.name == "nt" else ".so"))


def compile_extension(root: Path, out_dir: Path, temp_dir: Path) -> Path:
    """Compile the module into ``out_dir`` (as ``provenance/contamination/<name><EXT_SUFFIX>``),
    objects into ``temp_dir``; return the built file. Raises on any failure."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    extension = Extension(MODULE, sources=[str(root / SOURCE)])
    command = build_ext(Distribution({"name": "qa-provenance", "ext_modules": [extension]}))
    command.build_lib = str(out_dir)
    command.build_temp = str(temp_dir)
    command.ensure_finalized()
    command.run()
    built = Path(command.get_ext_fullpath(MODULE))
    if not built.is_file():
        raise RuntimeError(f"build_ext reported success but wrote no {built.name}")
    return built


@contextlib.contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Send this process's stdout and stderr, the compiler's included, to ``log``: a failed
    compile is then one warning line, not a page of compiler errors."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("wb") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _reason(log: Path, error: BaseException) -> str:
    """The compiler's first error line, else the exception in short (distutils quotes the whole
    command line; its program and exit status say enough)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()
    message = " ".join(str(error).split())
    command = re.search(r"\['([^']+)'.*?(exit status -?\d+)", message)
    if command:
        return f"{command[1]} failed with {command[2]}"
    return f"{type(error).__name__}: {message[:200]}"


class FastpassBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        in_place = root / SOURCE.parent / f"{SOURCE.stem}{_ext_suffix()}"
        if version == "editable":
            # Compiled next to the source, where the editable install imports it from; an old
            # build goes first, so that a failed or skipped build leaves no stale module behind.
            with contextlib.suppress(OSError):
                in_place.unlink()
        if _flag(SKIP_ENV):
            return
        self._temp = Path(tempfile.mkdtemp(prefix="qa-provenance-build-"))
        out_dir = root if version == "editable" else self._temp / "lib"
        built = self._compile(root, out_dir)
        if built is None or version == "editable":
            return
        target = f"{SOURCE.parent.as_posix()}/{built.name}"
        build_data["force_include"][str(built)] = target
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def _compile(self, root: Path, out_dir: Path) -> Path | None:
        if _flag(REQUIRE_ENV):
            return compile_extension(root, out_dir, self._temp / "obj")
        log = self._temp / "compile.log"
        try:
            with _output_to(log):
                return compile_extension(root, out_dir, self._temp / "obj")
        except (Exception, SystemExit) as error:
            reason = _reason(log, error)
            print(f"WARNING: qa-provenance: the optional C module {MODULE} was not compiled "
                  f"({reason}); building pure Python, which works the same, only slower "
                  f"(set {REQUIRE_ENV}=1 to see the whole error)", file=sys.stderr, flush=True)
            return None

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        temp = getattr(self, "_temp", None)
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)

    def clean(self, versions: list[str]) -> None:
        for built in (Path(self.root) / SOURCE.parent).glob(f"{SOURCE.stem}*.*"):
            if built.suffix in (".so", ".pyd"):
                built.unlink()
