"""Streaming record readers, one per container, each yielding records with their location.

Locations are what a person needs to find a record: a line for JSONL and CSV/TSV, a JSON pointer
for JSON, a row for Parquet. Everything streams or refuses: JSONL, CSV/TSV, a JSON top-level array
(``json_stream``) and Parquet (by row group) stream, and a record longer than the ``record-bytes``
limit is a ReadError naming it, found before more than that is held; a JSON document whose top
level is an object is parsed whole (its structure is only known once it is read), up to the
``json-document-bytes`` limit.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from provenance.reading import limits
from provenance.reading.compressed import StreamError, open_data
from provenance.reading.embedded import EMBED_KEY

BOM = b"\xef\xbb\xbf"
JSON_SPACE = b" \t\r\n"  # JSON's whitespace; bytes.strip() would also drop \v and \f
DEFAULT_RECORD_KEYS = ("examples", "data", "Data", "records", "rows", "items")


class ReadError(Exception):
    """A record that cannot be read; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __reduce__(self) -> tuple[Any, ...]:  # the line survives a trip between processes
        return (ReadError, (self.message, self.line))


@dataclass(frozen=True)
class Item:
    location: str  # "line 12", "/examples/3", "row 7"
    data: Any
    line: int | None = None


def read_records(path: Path, fmt: str, *, document: Any = None,
                 record_keys: Sequence[str] = DEFAULT_RECORD_KEYS) -> Iterator[Item]:
    """Records of a data file; ``document`` is an already parsed JSON document, if there is one.

    Whatever the bytes, the only error is ``ReadError``: a file that vanished or became
    unreadable since it was listed included."""
    if fmt == "jsonl":
        return _guarded(_jsonl(path))
    if fmt in ("csv", "tsv"):
        return _guarded(_delimited(path, "," if fmt == "csv" else "\t"))
    if fmt == "parquet":
        return _parquet(path)
    if fmt == "arrow":
        return _arrow(path)
    if fmt == "json":
        if document is None:
            streamed = _json_array(path)
            if streamed is not None:
                return streamed
            document = _load_json(path)
        return json_records(document, record_keys)
    return iter(())


def read_data(path: Path, fmt: str, *, document: Any = None,
              record_keys: Sequence[str] = DEFAULT_RECORD_KEYS
              ) -> Iterator[tuple[Any, Item | int]]:
    """Each record's data and where it is, for a pass over every record: a JSONL record comes
    with its line number only (``locate`` makes its Item), which saves building millions of
    Items that are never looked at."""
    if fmt == "jsonl":
        return _guarded(_jsonl_values(path))
    return ((item.data, item) for item in read_records(path, fmt, document=document,
                                                         record_keys=record_keys))


def locate(data: Any, where: Item | int) -> Item:
    """The Item of a record handed out by ``read_data``."""
    return where if isinstance(where, Item) else Item(f"line {where}", data, where)


_T = TypeVar("_T")


def _guarded(items: Iterator[_T]) -> Iterator[_T]:
    try:
        yield from items
    except OSError as exc:
        raise ReadError(f"cannot read data file: {exc.strerror or exc}") from None
    except StreamError as exc:  # a compressed file's stream is broken or too large
        raise ReadError(exc.message) from None


def _jsonl(path: Path) -> Iterator[Item]:
    for value, number in _jsonl_values(path):
        yield Item(f"line {number}", value, number)


def jsonl_part(path: Path, start: int, end: int, first_line: int
               ) -> Iterator[tuple[Any, Item | int]]:
    """The records of the lines that start in bytes [start, end) of a JSONL file (``start`` at
    the beginning of line ``first_line``), as ``read_data`` hands them out. Not for a compressed
    file, which is read from its start only."""
    return _guarded(_jsonl_values(path, start, end, first_line))


def _jsonl_values(path: Path, start: int = 0, end: int | None = None, first_line: int = 1
                  ) -> Iterator[tuple[Any, int]]:
    loads = _fast_loads()
    position = start
    limit = limits.current().record_bytes
    skipped = blank_run = 0  # lines passed over by skip_blank_lines; blank lines in a row
    with open_data(path) as handle:
        if start:
            handle.seek(start)
        # At most limit + 1 bytes a line: a longer one is refused, not held whole.
        for index, raw in enumerate(iter(partial(handle.readline, limit + 1), b""), first_line):
            if len(raw) > limit and raw[-1:] != b"\n":
                raise ReadError(too_long(limit, "line"), index + skipped)
            if end is not None:
                if position >= end:
                    return
                position += len(raw)
            if index == 1 and raw.startswith(BOM):  # nothing is skipped before line 1
                raw = raw[len(BOM):]  # tolerated, as datafile does; orjson rejects it
            if not raw.strip(JSON_SPACE):  # as datafile counts: \v or \f is not blank
                blank_run += 1
                if blank_run >= BLANK_RUN:
                    lines, size = skip_blank_lines(handle, None if end is None
                                                   else end - position)
                    skipped += lines
                    position += size
                continue
            blank_run = 0
            try:
                yield loads(raw), index + skipped
            except (ValueError, RecursionError):
                raise ReadError("record is not valid JSON", index + skipped) from None


# Blank lines in a row after which the buffered rest of the run is skipped at once: millions of
# them (a few kilobytes of zstd) would otherwise cost a Python step each.
BLANK_RUN = 64
_BLANK_BYTES = re.compile(rb"[ \t\r\n]*")


def skip_blank_lines(handle: Any, most: int | None = None) -> tuple[int, int]:
    """Consume the whole blank lines already buffered at ``handle``'s position (a buffered
    reader's ``peek``), ending within ``most`` bytes (a part's end): how many lines, and how
    many bytes."""
    buffered = handle.peek(1)
    run = _BLANK_BYTES.match(buffered).end()  # type: ignore[union-attr]
    cut = buffered.rfind(b"\n", 0, run if most is None else min(run, most)) + 1
    if cut:
        handle.read(cut)
    return buffered.count(b"\n", 0, cut), cut


def _fast_loads() -> Any:
    """orjson when installed (several times faster), else the standard library.

    What orjson refuses but the standard library reads (NaN, Infinity, a lone surrogate escape)
    gets a second chance there, so a record reads the same with or without the optional extra,
    and as ``datafile`` reads the first and last records."""
    try:
        import orjson
    except ImportError:
        return json.loads

    def loads(raw: bytes) -> Any:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return json.loads(raw)

    return loads


def too_long(limit: int, what: str) -> str:
    return f"{what} longer than the limit of {limits.describe(limit)} (limits: record-bytes)"


def _json_array(path: Path) -> Iterator[Item] | None:
    """The items of a JSON file whose top level is an array, streamed; None for any other."""
    from provenance.reading import json_stream

    try:
        with open_data(path) as handle:
            if not json_stream.starts_with_array(handle):
                return None
    except OSError as exc:
        raise ReadError(f"cannot read data file: {exc.strerror or exc}") from None
    except StreamError as exc:
        raise ReadError(exc.message) from None
    return _guarded(_json_array_items(path))


def _json_array_items(path: Path) -> Iterator[Item]:
    from provenance.reading import json_stream

    with open_data(path) as handle:
        try:
            for index, value in enumerate(
                    json_stream.array_items(handle, limits.current().record_bytes)):
                yield Item(f"/{index}", value)
        except json_stream.ArrayError as exc:
            where = f"record /{exc.index}: " if exc.index is not None else ""
            raise ReadError(where + exc.message, exc.line) from None


def _load_json(path: Path) -> Any:
    bound = limits.current().json_document_bytes
    try:
        with open_data(path) as handle:
            raw = handle.read(bound + 1)
            if len(raw) > bound:
                raise ReadError(f"JSON document larger than the limit of {limits.describe(bound)}"
                                " for a top-level object (limits: json-document-bytes)")
            return json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise ReadError(f"cannot read data file: {exc.strerror or exc}") from None
    except StreamError as exc:
        raise ReadError(exc.message) from None
    except RecursionError:
        raise ReadError("not valid JSON: nested too deeply") from None
    except ValueError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReadError(f"not valid JSON: {reason}") from None


def json_records(document: Any, record_keys: Sequence[str] = DEFAULT_RECORD_KEYS
                 ) -> Iterator[Item]:
    """The records of a JSON document, whichever of the common shapes it has."""
    if isinstance(document, list):
        return _items(document, "")
    if not isinstance(document, Mapping):
        return iter(())
    body = {key: value for key, value in document.items() if key != EMBED_KEY}
    for key in record_keys:
        value = body.get(key)
        if isinstance(value, list):
            if value and all(isinstance(a, Mapping) and "paragraphs" in a for a in value[:3]):
                return _squad(value, key)
            return _items(value, f"/{_escape(key)}")
    lists = {k: v for k, v in body.items() if isinstance(v, list)}
    if len(lists) == 1:
        key, value = next(iter(lists.items()))
        return _items(value, f"/{_escape(key)}")
    if len(lists) > 1 and len({len(v) for v in lists.values()}) == 1:
        return _columns(lists)
    maps = {k: v for k, v in body.items() if isinstance(v, Mapping)}
    if maps and len(maps) == len(body):
        return _by_id(maps)
    return iter(())


def _items(values: list[Any], prefix: str) -> Iterator[Item]:
    for index, value in enumerate(values):
        yield Item(f"{prefix}/{index}", value)


def _squad(articles: list[Any], key: str) -> Iterator[Item]:
    for a_index, article in enumerate(articles):
        if not isinstance(article, Mapping):
            continue
        for p_index, paragraph in enumerate(_list(article.get("paragraphs"))):
            if not isinstance(paragraph, Mapping):
                continue
            for q_index, qa in enumerate(_list(paragraph.get("qas"))):
                if isinstance(qa, Mapping):
                    record = {**qa, "context": paragraph.get("context"),
                              "title": article.get("title")}
                    yield Item(f"/{key}/{a_index}/paragraphs/{p_index}/qas/{q_index}", record)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _columns(lists: Mapping[str, list[Any]]) -> Iterator[Item]:
    first = next(iter(lists))
    for index in range(len(lists[first])):
        yield Item(f"/{_escape(first)}/{index}", {k: v[index] for k, v in lists.items()})


def _by_id(maps: Mapping[str, Mapping[str, Any]]) -> Iterator[Item]:
    first = next(iter(maps))
    for ident in maps[first]:
        record = {name: values.get(ident) for name, values in maps.items()}
        yield Item(f"/{_escape(first)}/{_escape(str(ident))}", {"id": ident, **record})


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class LineTooLong(Exception):
    """A CSV/TSV line longer than the ``record-bytes`` limit (raised by ``bounded_lines``)."""


def bounded_lines(handle: Any, limit: int) -> Iterator[str]:
    """The lines of a text file, none longer than ``limit`` characters: the csv module would
    otherwise hold a line of any length whole before it looks at its fields."""
    read = handle.readline
    while line := read(limit + 1):
        if len(line) > limit and line[-1] not in "\r\n":
            raise LineTooLong
        yield line


def delimited_reader(handle: Any, delimiter: str) -> Any:
    """A strict csv reader over ``handle`` whose lines and fields are bounded by the limit."""
    limit = limits.current().record_bytes
    csv.field_size_limit(limit)
    return csv.reader(bounded_lines(handle, limit), delimiter=delimiter, strict=True)


def delimited_problem(exc: Exception, delimiter: str) -> str:
    """What a csv error says, in the terms of the limit when it is the limit's."""
    kind = "TSV" if delimiter == "\t" else "CSV"
    limit = limits.current().record_bytes
    if isinstance(exc, LineTooLong):
        return too_long(limit, f"{kind} line")
    if "field larger than field limit" in str(exc):
        return too_long(limit, f"{kind} field")
    return f"not valid {kind}: {exc}"


def _delimited(path: Path, delimiter: str) -> Iterator[Item]:
    with open_data(path) as stored, \
            io.TextIOWrapper(stored, encoding="utf-8-sig", newline="") as handle:
        reader = delimited_reader(handle, delimiter)
        try:
            header = next(reader, None)
            if header is None:
                return
            # pandas writes its index as a first column with an empty name; a trailing empty name
            # comes from a trailing delimiter. Neither is a field.
            names = [(i, name) for i, name in enumerate(header) if name != ""]
            start = reader.line_num + 1
            for row in reader:
                if row:
                    record = {name: row[i] if i < len(row) else None for i, name in names}
                    yield Item(f"line {start}", record, start)
                start = reader.line_num + 1
        except (csv.Error, LineTooLong) as exc:
            line = reader.line_num + (1 if isinstance(exc, LineTooLong) else 0)
            raise ReadError(delimited_problem(exc, delimiter), line) from None
        except UnicodeDecodeError:
            raise ReadError("not valid UTF-8", reader.line_num + 1) from None


def _parquet(path: Path) -> Iterator[Item]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ReadError(
            "reading Parquet records needs pyarrow: install qa-provenance[parquet]"
        ) from None
    row = 0
    try:
        with pq.ParquetFile(path) as parquet:
            oversized = parquet_oversized(parquet.metadata, limits.current().record_bytes)
            if oversized is not None:
                raise ReadError(oversized)
            for batch in parquet.iter_batches(batch_size=_batch_rows(parquet.metadata)):
                for record in batch.to_pylist():
                    row += 1
                    yield Item(f"row {row}", record)
    except (pa.ArrowException, OSError, ValueError) as exc:  # a corrupt page or footer
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReadError(f"unreadable Parquet data after row {row}: {message}") from None


_BATCH_BYTES = 64 << 20  # about this much decoded data per Parquet batch


def _batch_rows(metadata: Any) -> int:
    """Rows per batch: 4096, fewer when rows are large (by the row groups' own sizes)."""
    widest = 1
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        if group.num_rows:
            widest = max(widest, group.total_byte_size // group.num_rows)
    return max(1, min(4096, _BATCH_BYTES // widest))


def parquet_oversized(metadata: Any, limit: int) -> str | None:
    """A Parquet cell longer than ``limit``, found from the footer before any page is decoded:
    a column chunk whose decoded size, shared among its rows, is more than the limit each (a
    30 MB file can hold a 600 MB cell that compresses well)."""
    first_row = 1
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        rows = max(group.num_rows, 1)
        for column in range(group.num_columns):
            chunk = group.column(column)
            if chunk.total_uncompressed_size > limit and \
                    chunk.total_uncompressed_size // rows > limit:
                last = first_row + rows - 1
                where = f"row {first_row}" if rows == 1 else f"rows {first_row}-{last}"
                return (f"{where}: column '{chunk.path_in_schema}' holds a cell longer than the "
                        f"limit of {limits.describe(limit)} (limits: record-bytes)")
        first_row += group.num_rows
    return None


def _arrow(path: Path) -> Iterator[Item]:
    """The rows of an Arrow IPC stream or file, batch by batch, each batch in slices of about
    ``_BATCH_BYTES`` when turned into Python values. Read, not memory-mapped: a mapped file cut
    short while it is read would end the process (SIGBUS) instead of raising."""
    try:
        import pyarrow as pa
    except ImportError:
        raise ReadError(
            "reading Arrow records needs pyarrow: install qa-provenance[parquet]"
        ) from None
    row = 0
    try:
        with pa.OSFile(str(path)) as source:
            for batch in arrow_batches(source):
                oversized = arrow_oversized(batch, row + 1, limits.current().record_bytes)
                if oversized is not None:
                    raise ReadError(oversized)
                step = max(1, min(4096, _BATCH_BYTES // max(1, batch.nbytes
                                                              // max(batch.num_rows, 1))))
                for offset in range(0, batch.num_rows, step):
                    for record in batch.slice(offset, step).to_pylist():
                        row += 1
                        yield Item(f"row {row}", record)
    except (pa.ArrowException, OSError, ValueError) as exc:  # a cut or corrupt message
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReadError(f"unreadable Arrow data after row {row}: {message}") from None


def arrow_batches(source: Any) -> Iterator[Any]:
    """The record batches of an Arrow IPC file (``ARROW1`` first) or stream, in order;
    ``source`` is a file object at its start."""
    import pyarrow as pa

    is_file = source.read(6) == b"ARROW1"
    source.seek(0)
    if is_file:
        reader = pa.ipc.open_file(source)
        for index in range(reader.num_record_batches):
            yield reader.get_batch(index)
    else:
        yield from pa.ipc.open_stream(source)


def arrow_oversized(batch: Any, first_row: int, limit: int) -> str | None:
    """A cell of ``batch`` (whose first row is ``first_row``) longer than ``limit``, judged as
    Parquet's are: a column whose buffers, shared among the batch's rows, are more than the
    limit each."""
    rows = max(batch.num_rows, 1)
    for name, column in zip(batch.schema.names, batch.columns):
        size = column.nbytes
        if size > limit and size // rows > limit:
            last = first_row + rows - 1
            where = f"row {first_row}" if rows == 1 else f"rows {first_row}-{last}"
            return (f"{where}: column '{name}' holds a cell longer than the limit of "
                    f"{limits.describe(limit)} (limits: record-bytes)")
    return None


def text_of(value: Any) -> str:
    """A field's value as text for display or matching: lists joined, numbers formatted."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        if all(type(item) is str for item in value):  # the usual list, at C speed
            return "\n".join(value)
        return "\n".join(_texts(value))
    if isinstance(value, Mapping):
        if _deeper_than(value, MAPPING_DEPTH):
            return ""  # as deep as a parser allows: no text worth comparing, and no crash
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


# Nesting of a mapping field up to which it is text (JSON): json.dumps recurses, and a record
# read by orjson may nest 1,024 levels, past Python's recursion limit.
MAPPING_DEPTH = 200


def _texts(items: list[Any] | tuple[Any, ...]) -> Iterator[str]:
    """The texts ``text_of`` joins for a list: a nested list's own texts in its place (an empty
    one is an empty text), without recursion (a record may nest lists 1,024 deep)."""
    stack = [iter(items)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, (list, tuple)) and item:
                stack.append(iter(item))
                break
            yield "" if isinstance(item, (list, tuple)) else text_of(item)
        else:
            stack.pop()


def _deeper_than(value: Any, depth: int) -> bool:
    level = [value]
    for _ in range(depth):
        level = [v for item in level
                 for v in (item.values() if isinstance(item, Mapping)
                           else item if isinstance(item, (list, tuple)) else ())
                 if isinstance(v, (Mapping, list, tuple))]
        if not level:
            return False
    return True
