"""Reading a data file once: its digest, its record count, and whether it is readable at all.

Everything here streams with large reads so that ``check`` runs at the speed of the disk: JSONL is
hashed and its lines counted in one pass (only the first and last records are parsed, which catches
binary files and truncated writes); CSV/TSV is parsed while it is hashed; JSON is read whole because
its record count and embedded provenance need the parsed document.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from provenance.reading import compressed, limits
from provenance.reading.embedded import canonical_sha256, split_embedded

CHUNK = 1 << 20
LFS_PREFIX = b"version https://git-lfs.github.com/spec/v1"
LFS_MAX_SIZE = 1024  # a pointer is smaller than this (the spec's limit)
_MAYBE_BLANK = re.compile(rb"\n[ \t\r]*\n")
# Every byte but the newline, as "x": a newline after an "x" ends a line that is not blank.
_NOT_NEWLINE = bytes(10 if byte == 10 else 120 for byte in range(256))
_SPACES = b" \t\r"
# One pointer line, as the spec writes it: "{key} {value}\n", key of [a-z0-9.-], one space.
_LFS_LINE = re.compile(r"([a-z0-9.-]+) ([^\r\n]*)")
_LFS_VALUES = {
    "oid": re.compile(r"sha256:[0-9a-f]{64}"),
    "size": re.compile(r"[0-9]+"),
}
_LFS_EXTENSION = re.compile(r"ext-[0-9]-[a-z0-9.-]+")  # ext-{priority}-{name} sha256:{oid}

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".arrow": "arrow",  # Arrow IPC, as Hugging Face `save_to_disk` writes it
}


@dataclass
class DataFacts:
    sha256: str = ""
    size: int = 0
    records: int | None = None
    problem: str | None = None
    problem_line: int | None = None
    embedded: Any = None
    embedded_sha256: str | None = None
    lfs_oid: str | None = None
    document: Any = None  # a JSON file's parsed data part, kept for the record readers
    notices: list[str] = field(default_factory=list)
    # Read without an optional reader that is not installed (pyarrow): never cached, so
    # installing it takes effect on the next run rather than when the file next changes.
    partial: bool = False

    @property
    def content_sha256(self) -> str:
        """The digest a record must carry: canonical data part, LFS object, or raw bytes."""
        return self.embedded_sha256 or self.lfs_oid or self.sha256


def format_of(path: str) -> str | None:
    """The format a data file's name says: ``qa.JSONL.gz`` is JSONL (compressed)."""
    inner, kind = compressed.split(path)
    fmt = FORMATS.get(Path(inner).suffix.lower())
    return None if kind is not None and fmt not in compressed.STREAMED else fmt


def inspect(path: Path, root: Path | None = None) -> DataFacts:
    """What reading ``path`` finds. With ``root``, a symlink that leaves it (or dangles, or loops)
    is not read: the facts carry the problem instead."""
    if root is not None:
        from provenance.fs import confine

        refused = confine.problem(root, path)
        if refused is not None:
            return DataFacts(problem=refused)
    facts = DataFacts()
    try:
        with open(path, "rb") as handle:
            head = handle.read(LFS_MAX_SIZE + 1)
            handle.seek(0)
            if head.startswith(LFS_PREFIX):
                pointer = _lfs_pointer(head)
                if isinstance(pointer, DataFacts):
                    return pointer
                facts.notices.append(f"starts like a Git LFS pointer but is not one ({pointer}): "
                                     "checked as data")
            fmt = format_of(path.name) or ""
            kind = compressed.kind_of(path.name) if fmt else None
            if kind is not None:
                _read_compressed(handle, facts, fmt, kind)
            else:
                _READERS.get(fmt, _read_plain)(handle, facts)
    except OSError as exc:
        return DataFacts(problem=f"cannot read data file: {exc.strerror or exc}")
    if facts.problem is None and facts.size == 0:
        facts.problem = "empty data file"
    elif facts.problem is None and facts.records == 0:
        facts.problem = "data file holds no records"
    return facts


def _lfs_pointer(text: bytes) -> DataFacts | str:
    """The facts of a Git LFS pointer, or why ``text`` is not exactly one.

    A pointer is the spec's format and nothing else: ``version`` first, then keys in ascending
    order, each once; ``oid sha256:...`` and ``size N`` required, ``ext-N-name`` lines allowed;
    every line ends with a newline; smaller than 1024 bytes. Anything more (records appended
    after a real pointer, say) makes the file data, hashed and read as data."""
    if len(text) >= LFS_MAX_SIZE:
        return f"{LFS_MAX_SIZE} bytes or more"
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    if not decoded.endswith("\n"):
        return "its last line does not end with a newline"
    values: dict[str, str] = {}
    previous = ""
    for number, line in enumerate(decoded[:-1].split("\n"), 1):
        match = _LFS_LINE.fullmatch(line)
        if match is None:
            return f"line {number} is not a 'key value' line"
        key, value = match.groups()
        if number == 1:
            if line != LFS_PREFIX.decode():
                return "its first line is not the spec's version line"
        elif key <= previous and previous != "version":
            return f"key '{key}' out of order or repeated (line {number})"
        elif key == "version":
            return f"key 'version' repeated (line {number})"
        pattern = _LFS_VALUES.get(key)
        if pattern is None and number > 1 and _LFS_EXTENSION.fullmatch(key):
            pattern = _LFS_VALUES["oid"]
        if number > 1 and (pattern is None or not pattern.fullmatch(value)):
            return f"line {number}: '{key}' is not an oid, size or extension line"
        values[key] = value
        previous = key
    missing = [key for key in ("oid", "size") if key not in values]
    if missing:
        return f"no {' and no '.join(missing)} line"
    facts = DataFacts(sha256=hashlib.sha256(text).hexdigest(), size=len(text))
    facts.lfs_oid = values["oid"][len("sha256:"):]
    facts.notices.append("Git LFS pointer: digest taken from its oid, record checks skipped")
    return facts


def _read_plain(handle: BinaryIO, facts: DataFacts) -> None:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        facts.size += len(chunk)
    facts.sha256 = digest.hexdigest()


def _read_jsonl(handle: BinaryIO, facts: DataFacts) -> None:
    """Hash and count records in one pass of large reads; then parse the first and last record.

    hashlib releases the GIL, so each chunk's digest is computed on a second thread while this
    one counts lines; chunks are never copied. Counting is the bottleneck, so each chunk is
    tallied the cheaper of two ways for its line length (see ``SPARSE_LINE``)."""
    from concurrent.futures import ThreadPoolExecutor

    digest = hashlib.sha256()
    newlines = blanks = 0
    at_blank = True  # is the line being read so far empty (or whitespace)?
    tally = _tally_sparse
    first = handle.read(CHUNK)
    if len(first) < CHUNK:  # the whole file: no second thread for a small file
        digest.update(first)
        facts.size = len(first)
        newlines, blanks, at_blank = tally(first, at_blank)
        _finish_jsonl(handle, facts, digest, newlines, blanks, at_blank)
        return
    handle.seek(0)
    pending = None
    longest = _LongLines(limits.current().record_bytes)
    with ThreadPoolExecutor(max_workers=1) as hasher:
        while chunk := handle.read(CHUNK):
            if pending is not None:
                pending.result()  # hash in order, at most one chunk ahead
            pending = hasher.submit(digest.update, chunk)
            facts.size += len(chunk)
            too_long = longest.feed(chunk, newlines)
            if too_long is not None:  # stop: no digest, so the cache keeps nothing
                pending.result()
                facts.sha256 = ""
                facts.problem, facts.problem_line = too_long
                return
            lines, empty, at_blank = tally(chunk, at_blank)
            newlines += lines
            blanks += empty
            tally = _tally_dense if lines * SPARSE_LINE > len(chunk) else _tally_sparse
        if pending is not None:
            pending.result()
    _finish_jsonl(handle, facts, digest, newlines, blanks, at_blank)


class _LongLines:
    """Finds a line longer than the ``record-bytes`` limit while chunks of at most ``CHUNK``
    bytes (no more than the limit) go by: only a line spanning chunks can be that long."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.run = 0  # bytes of the unfinished line so far

    def feed(self, chunk: bytes, newlines_before: int) -> tuple[str, int] | None:
        first = chunk.find(b"\n")
        if first < 0:
            self.run += len(chunk)
            if self.run > self.limit:
                return too_long_line(self.limit), newlines_before + 1
            return None
        if self.run + first > self.limit:
            return too_long_line(self.limit), newlines_before + 1
        self.run = len(chunk) - chunk.rfind(b"\n") - 1
        return None


def too_long_line(limit: int) -> str:
    return f"line longer than the limit of {limits.describe(limit)} (limits: record-bytes)"


def _finish_jsonl(handle: BinaryIO, facts: DataFacts, digest: Any, newlines: int, blanks: int,
                  at_blank: bool) -> None:
    """The digest and count, then a parse of the first and last records."""
    facts.sha256 = digest.hexdigest()
    facts.records = newlines - blanks + (0 if at_blank else 1)
    if _size_now(handle) not in (None, facts.size):
        facts.problem = CHANGED
        return
    if facts.records:
        try:
            for where in (_first_line(handle), _last_line(handle, newlines)):
                _parse_json_line(where, facts)
                if facts.problem:
                    return
        except _Changed:
            facts.problem = CHANGED


CHANGED = "data file changed while reading: check again once it is written"


class _Changed(Exception):
    """The file no longer holds what the first pass over it found."""


def _size_now(handle: BinaryIO) -> int | None:
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, ValueError, io.UnsupportedOperation):  # not a real file (a BytesIO)
        return None


# Average line length (bytes) from which jumping from newline to newline (memchr, plus a little
# Python per line) beats ``bytes.count`` plus a blank-line regex over every byte. Measured on
# CPython 3.11: the per-line step costs about as much as scanning 600 bytes.
SPARSE_LINE = 640
_SPACE_BYTES = frozenset(_SPACES)


def _tally_sparse(chunk: bytes, at_blank: bool) -> tuple[int, int, bool]:
    """Newlines, blank lines ended, and whether the unfinished line is blank so far: one
    ``find`` per line, looking at a line's bytes only when it starts with a space."""
    find = chunk.find
    newlines = blanks = 0
    start = 0
    end = find(b"\n")
    while end >= 0:
        if at_blank and (start == end or chunk[start] in _SPACE_BYTES):
            at_blank = not chunk[start:end].strip(_SPACES)
        else:
            at_blank = False
        if at_blank:
            blanks += 1
        newlines += 1
        start, at_blank = end + 1, True
        end = find(b"\n", start)
    if at_blank and start < len(chunk):
        at_blank = chunk[start] in _SPACE_BYTES and not chunk[start:].strip(_SPACES)
    return newlines, blanks, at_blank


def _tally_dense(chunk: bytes, at_blank: bool) -> tuple[int, int, bool]:
    """The same tally for short lines: count newlines in C, and since blank lines are rare, one
    regular-expression search per chunk rules them out before any line is looked at."""
    newlines = chunk.count(b"\n")
    if not newlines:
        return 0, 0, at_blank and not chunk.strip(_SPACES)
    blanks = 0
    first_newline = chunk.find(b"\n")
    if at_blank and not chunk[:first_newline].strip(_SPACES):
        blanks += 1
    if _MAYBE_BLANK.search(chunk, first_newline) is not None:
        blanks += _inner_blanks(chunk, first_newline, newlines)
    return newlines, blanks, not chunk[chunk.rfind(b"\n") + 1:].strip(_SPACES)


def _inner_blanks(chunk: bytes, first_newline: int, newlines: int) -> int:
    """Blank lines wholly after ``chunk``'s first newline, counted in C whatever their number:
    with spaces, tabs and CRs deleted, a newline right after a newline ends a blank line. (One
    regular-expression match per blank line took 70 ms a MiB of blank lines, which a few
    kilobytes of zstd can hold.)"""
    marked = chunk[first_newline:].translate(_NOT_NEWLINE, _SPACES)  # one pass: map, delete
    return newlines - 1 - marked.count(b"x\n")


def _first_line(handle: BinaryIO) -> tuple[int, bytes]:
    handle.seek(0)
    for number, line in enumerate(handle, 1):
        if line.strip(_SPACES + b"\n"):  # as counted: \v or \f alone is a (broken) record
            return number, line
    raise _Changed  # the first pass found a record: the file has shrunk since


def _last_line(handle: BinaryIO, newlines: int) -> tuple[int, bytes]:
    """The last non-blank line and its 1-based number, read backwards from the end of a file
    holding ``newlines`` newline characters."""
    position = handle.seek(0, 2)
    tail = b""
    while position > 0:
        step = min(CHUNK, position)
        position -= step
        handle.seek(position)
        tail = handle.read(step) + tail
        parts = tail.split(b"\n")
        before = newlines - (len(parts) - 1)  # newlines ahead of the tail
        for index in range(len(parts) - 1, 0 if position else -1, -1):
            if parts[index].strip(_SPACES):
                return before + index + 1, parts[index]
    raise _Changed  # the first pass found a record: the file has shrunk since


def _parse_json_line(where: tuple[int, bytes], facts: DataFacts) -> None:
    line_no, raw = where
    try:
        # utf-8-sig: a byte order mark before the first record is tolerated, as for JSON and CSV.
        json.loads(raw.decode("utf-8-sig" if line_no == 1 else "utf-8"))
    except UnicodeDecodeError:
        facts.problem, facts.problem_line = "record is not valid UTF-8", line_no
    except RecursionError:
        facts.problem, facts.problem_line = "record is not valid JSON (nested too deeply)", line_no
    except ValueError as exc:
        facts.problem, facts.problem_line = f"record is not valid JSON ({_reason(exc)})", line_no


def _reason(exc: ValueError) -> str:
    """Why JSON did not parse, in one line: the decoder's message, or the conversion's (an integer
    longer than Python's digit limit raises a plain ValueError)."""
    reason = getattr(exc, "msg", None) or str(exc).split(":")[0] or type(exc).__name__
    return " ".join(str(reason).split())


def _read_json(handle: BinaryIO, facts: DataFacts) -> None:
    """A top-level array streams item by item (``json_stream``); a top-level object (which may
    carry embedded provenance, whose digest covers the rest) is read whole, up to a limit."""
    from provenance.reading import json_stream

    if json_stream.starts_with_array(handle):
        _read_json_array(handle, facts)
        return
    bound = limits.current().json_document_bytes
    raw = handle.read(bound + 1)
    if len(raw) > bound:
        facts.size = max(_size_now(handle) or 0, len(raw))
        facts.problem = (f"JSON document larger than the limit of {limits.describe(bound)} for "
                         "a top-level object, which is read whole (limits: json-document-bytes):"
                         " write its records as a top-level array, or as JSONL")
        return
    facts.size = len(raw)
    facts.sha256 = hashlib.sha256(raw).hexdigest()
    if not raw:
        return
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        facts.problem = f"not valid UTF-8 at byte {exc.start}"
        return
    except json.JSONDecodeError as exc:
        facts.problem = f"not valid JSON: {exc.msg} (column {exc.colno})"
        facts.problem_line = exc.lineno
        return
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        facts.problem = f"not valid JSON: {_reason(exc)}"
        return
    except RecursionError:
        facts.problem = "JSON nested too deeply"
        return
    embedded = split_embedded(document)
    if embedded is not None:
        facts.embedded, document = embedded
        try:
            facts.embedded_sha256 = canonical_sha256(document)
        except UnicodeEncodeError:
            facts.problem = ("data part holds a lone surrogate escape (\\ud800-\\udfff), which "
                             "has no UTF-8 form")
            return
        except ValueError:
            facts.problem = "data part holds NaN or Infinity, which has no canonical JSON form"
            return
    facts.document = document
    facts.records = count_json_records(document)


def _read_json_array(handle: BinaryIO, facts: DataFacts) -> None:
    """Hash the bytes as they are read and count the items, holding one window at a time."""
    from provenance.reading import json_stream

    digest = hashlib.sha256()

    def hashed(data: bytes) -> None:
        digest.update(data)
        facts.size += len(data)

    count = 0
    try:
        for batch in json_stream.array_batches(handle, limits.current().record_bytes,
                                               on_bytes=hashed):
            count += len(batch)
    except json_stream.ArrayError as exc:
        facts.problem, facts.problem_line = exc.message, exc.line
        if exc.index is not None and "record-bytes" in exc.message:
            facts.problem = f"record /{exc.index}: {exc.message}"
            return  # no digest: what depends on a setting is not cached
        while chunk := handle.read(CHUNK):  # the digest of a broken file is still its digest
            hashed(chunk)
    facts.sha256 = digest.hexdigest()
    if facts.problem is not None:
        return
    facts.records = count
    if _size_now(handle) not in (None, facts.size):
        facts.problem = CHANGED


def count_json_records(document: Any) -> int | None:
    """Items of a top-level array, or of the object's only list-valued member."""
    if isinstance(document, list):
        return len(document)
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) == 1:
            return len(lists[0])
    return None


class _HashingReader(io.RawIOBase):
    """Hashes bytes as the CSV parser pulls them, so the file is read once."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def _read_delimited(handle: BinaryIO, facts: DataFacts, delimiter: str) -> None:
    from provenance.reading.readers import LineTooLong, delimited_problem, delimited_reader

    source = _HashingReader(handle)
    text = io.TextIOWrapper(io.BufferedReader(source, CHUNK), encoding="utf-8-sig", newline="")
    reader = delimited_reader(text, delimiter)
    rows = -1  # the header is not a record
    try:
        for row in reader:
            if row:
                rows += 1
    except (csv.Error, LineTooLong) as exc:
        facts.problem = delimited_problem(exc, delimiter)
        facts.problem_line = reader.line_num + (1 if isinstance(exc, LineTooLong) else 0)
        if isinstance(exc, LineTooLong) or "record-bytes" in facts.problem:
            return  # not read to its end: no digest, so the cache keeps nothing
    except UnicodeDecodeError:
        facts.problem, facts.problem_line = "not valid UTF-8", reader.line_num + 1
    while source.read(CHUNK):
        pass
    facts.sha256, facts.size = source.digest.hexdigest(), source.size
    facts.records = max(rows, 0) if facts.problem is None else None
    if facts.problem is None and _size_now(handle) not in (None, facts.size):
        facts.problem, facts.records = CHANGED, None


def _read_parquet(handle: BinaryIO, facts: DataFacts) -> None:
    _read_plain(handle, facts)
    if facts.size == 0:
        return
    handle.seek(0)
    start = handle.read(4)
    handle.seek(max(facts.size - 4, 0))
    if start != b"PAR1" or handle.read(4) != b"PAR1":
        facts.problem = "not a Parquet file (missing PAR1 magic bytes)"
        return
    if _without_pyarrow(facts):
        return
    import pyarrow.parquet as pq

    handle.seek(0)
    try:
        metadata = pq.ParquetFile(handle).metadata
        facts.records = metadata.num_rows
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        facts.problem = f"unreadable Parquet metadata: {exc}".splitlines()[0]
        return
    from provenance.reading.readers import parquet_oversized

    facts.problem = parquet_oversized(metadata, limits.current().record_bytes)


_ARROW_FILE = b"ARROW1"  # the IPC file format's magic; a stream starts with a continuation
_ARROW_STREAM = b"\xff\xff\xff\xff"


def _read_arrow(handle: BinaryIO, facts: DataFacts) -> None:
    """An Arrow IPC stream (as Hugging Face ``save_to_disk`` writes it) or file: the digest of
    its bytes, then its rows counted batch by batch, each batch checked against the cell limit."""
    _read_plain(handle, facts)
    if facts.size == 0:
        return
    handle.seek(0)
    if not handle.read(8).startswith((_ARROW_FILE, _ARROW_STREAM)):
        facts.problem = "not an Arrow IPC file or stream (no Arrow magic bytes)"
        return
    if _without_pyarrow(facts):
        return
    import pyarrow as pa

    from provenance.reading.readers import arrow_batches, arrow_oversized

    handle.seek(0)
    rows = 0
    try:
        for batch in arrow_batches(handle):
            oversized = arrow_oversized(batch, rows + 1, limits.current().record_bytes)
            if oversized is not None:
                facts.problem, facts.sha256 = oversized, ""  # a setting's: not cached
                return
            rows += batch.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        facts.problem = f"unreadable Arrow data after row {rows}: {message}"
        return
    facts.records = rows


def _read_compressed(handle: BinaryIO, facts: DataFacts, fmt: str, kind: str) -> None:
    """A compressed file read through its decompressor by its format's reader, in one pass:
    the digest is of the bytes as stored, the records those of the stream they hold."""
    source = _HashingReader(handle)
    stored = io.BufferedReader(source, CHUNK)
    try:
        with compressed.open_stream(stored, kind) as stream:
            _STREAM_READERS[fmt](stream, facts)
    except compressed.StreamError as exc:
        facts.problem, facts.problem_line, facts.records = exc.message, None, None
    facts.size = source.size
    if facts.problem is not None and "(limits: " in facts.problem:
        facts.sha256 = ""  # stopped by a limit: what depends on a setting is not cached
        return
    while stored.read(CHUNK):  # the digest covers every stored byte, a broken stream's too
        pass
    facts.sha256, facts.size = source.digest.hexdigest(), source.size
    if facts.problem is None and _size_now(handle) not in (None, facts.size):
        facts.problem, facts.records = CHANGED, None


_NON_BLANK = re.compile(rb"[^ \t\r\n]")  # a byte that makes its line a record, as counted
_LINE_SPACE = b" \t\r\n"


def _read_jsonl_stream(stream: BinaryIO, facts: DataFacts) -> None:
    """JSONL that can be read only once, from the start (a decompressed stream): lines tallied
    as ``_read_jsonl`` tallies them, the first and last records kept as they go by, then
    parsed. What is held is one chunk and the unfinished line, which the limit bounds."""
    newlines = blanks = 0
    at_blank = True
    tally = _tally_sparse
    longest = _LongLines(limits.current().record_bytes)
    carry = b""  # the unfinished line so far
    first: tuple[int, bytes] | None = None
    last: tuple[int, bytes] | None = None
    while chunk := stream.read(CHUNK):
        too_long = longest.feed(chunk, newlines)
        if too_long is not None:
            facts.problem, facts.problem_line = too_long
            return
        lines, empty, at_blank = tally(chunk, at_blank)
        data = carry + chunk if carry else chunk  # starts at the start of line newlines + 1
        if empty < lines:  # a line ending in this chunk is a record
            cut = data.rfind(b"\n")
            if first is None:
                first = _record_at(data, _NON_BLANK.search(data, 0, cut), newlines)
            last = _record_at(data, len(data[:cut].rstrip(_LINE_SPACE)) - 1, newlines)
        carry = data[data.rfind(b"\n") + 1:]  # the whole chunk when it holds no newline
        newlines += lines
        blanks += empty
        tally = _tally_dense if lines * SPARSE_LINE > len(chunk) else _tally_sparse
    if carry.strip(_SPACES):  # a last line without a newline
        last = (newlines + 1, carry)
        first = first or last
    facts.records = newlines - blanks + (0 if at_blank else 1)
    for where in (first, last):
        if where is not None:
            _parse_json_line(where, facts)
            if facts.problem:
                return


def _record_at(data: bytes, at: re.Match[bytes] | int | None, before: int
               ) -> tuple[int, bytes] | None:
    """The line of ``data`` holding byte ``at``, and its number (``before`` lines precede
    ``data``)."""
    if at is None:
        return None
    position = at if isinstance(at, int) else at.start()
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    return before + data.count(b"\n", 0, start) + 1, data[start:end if end >= 0 else len(data)]


NOT_CHECKED = "record count not checked: "  # a notice of a partial read (see DataFacts.partial)


def _without_pyarrow(facts: DataFacts) -> bool:
    """True, with the note, when pyarrow is not installed: the digest stands, the rows are not
    counted, and the facts are marked partial so no cache keeps them."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        facts.notices.append(_no_pyarrow())
        facts.partial = True
        return True
    return False


def _no_pyarrow() -> str:
    """The way to get pyarrow where this runs: pre-commit installs the hook in its own
    environment, where ``pip install`` does not reach."""
    if os.environ.get("PRE_COMMIT"):
        return (NOT_CHECKED + "pyarrow is not installed (add "
                "additional_dependencies: [pyarrow] to the hook in .pre-commit-config.yaml)")
    return NOT_CHECKED + "install qa-provenance[parquet]"


_READERS = {
    "jsonl": _read_jsonl,
    "json": _read_json,
    "csv": lambda handle, facts: _read_delimited(handle, facts, ","),
    "tsv": lambda handle, facts: _read_delimited(handle, facts, "\t"),
    "parquet": _read_parquet,
    "arrow": _read_arrow,
}
# Readers of a decompressed stream, which is read once from its start.
_STREAM_READERS = {**_READERS, "jsonl": _read_jsonl_stream}
