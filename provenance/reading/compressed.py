"""Compressed data files (``.gz``, ``.zst``): read as the stream they hold, never whole.

``qa.jsonl.gz`` is a JSONL file: its records are read through a decompressor in bounded reads,
while its digest stays the digest of the bytes as stored (what git commits and a sidecar binds).
The decompressed size is bounded (``limits: decompressed-bytes``), so a small file that would
expand to terabytes (a decompression bomb) is refused; each record is bounded as in any file
(``record-bytes``). A truncated or corrupt stream is a one-line ``StreamError``, never a
traceback.

gzip is the standard library's. zstd is the standard library's ``compression.zstd`` from Python
3.14, its backport (``backports.zstd``, a dependency on older Pythons) before: unlike the
``zstandard`` package's stream reader, which ends a truncated stream silently, it reports one
(``EOFError``) as ``gzip`` does. Both are imported only when a compressed file is read.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

from provenance.reading import limits

SUFFIXES = {".gz": "gzip", ".zst": "zstd"}
# Formats read through a decompressor; the others (Parquet, Arrow) compress inside the file.
STREAMED = ("jsonl", "json", "csv", "tsv")
CHUNK = 1 << 20


class StreamError(Exception):
    """A compressed stream that cannot be read to its end; ``setting`` when a limit stopped it
    (what depends on a setting is not cached)."""

    def __init__(self, message: str, setting: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.setting = setting


def split(name: str) -> tuple[str, str | None]:
    """``("qa.jsonl", "gzip")`` for ``qa.JSONL.GZ``'s base name; the name and None when it has
    no compression suffix."""
    base = posixpath.basename(name)
    lower = base.lower()
    for suffix, kind in SUFFIXES.items():
        if lower.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)], kind
    return base, None


def kind_of(path: str | Path) -> str | None:
    """The compression a data file's name says it has (``gzip``, ``zstd``), or None."""
    return split(str(path))[1]


def open_stream(source: BinaryIO, kind: str) -> io.BufferedReader:
    """The decompressed bytes of ``source``, read in bounded pieces."""
    return io.BufferedReader(_Decompressed(source, kind), CHUNK)


@contextmanager
def open_data(path: Path) -> Iterator[BinaryIO]:
    """A data file's bytes as its format reads them: decompressed when its name says so."""
    kind = kind_of(path)
    with open(path, "rb") as handle:
        if kind is None:
            yield handle
        else:
            with open_stream(handle, kind) as stream:
                yield cast(BinaryIO, stream)


class _Decompressed(io.RawIOBase):
    """A decompressor that counts what it gives against the limit and says, in one line, why a
    stream cannot be read."""

    def __init__(self, source: BinaryIO, kind: str) -> None:
        self._kind = kind
        self._limit = limits.current().decompressed_bytes
        self._total = 0
        self._errors: tuple[type[BaseException], ...]
        if kind == "gzip":
            import gzip
            import zlib

            self._inner: Any = gzip.GzipFile(fileobj=source, mode="rb")
            self._errors = (gzip.BadGzipFile, zlib.error)
        else:
            zstd = _zstd()
            self._inner = zstd.ZstdFile(source, mode="rb")
            self._errors = (zstd.ZstdError,)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            count: int = self._inner.readinto(buffer)
        except EOFError:
            raise StreamError(f"truncated {self._kind} data: the stream ends before its end "
                              "marker (an interrupted write or copy?)") from None
        except self._errors as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise StreamError(f"corrupt {self._kind} data: {reason}") from None
        self._total += count
        if self._total > self._limit:
            raise StreamError(
                f"decompresses to more than the limit of {limits.describe(self._limit)} "
                "(limits: decompressed-bytes): a decompression bomb, or raise the limit",
                setting=True)
        return count

    def close(self) -> None:
        if not self.closed:
            self._inner.close()  # not the source: whoever opened it closes it
        super().close()


def _zstd() -> Any:
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from backports import zstd  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise StreamError("reading zstd data needs backports.zstd on Python before 3.14: "
                              "pip install backports.zstd") from None
    return zstd
