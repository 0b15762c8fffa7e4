"""A JSON array read item by item: memory bounded by the largest item, not the file.

Each item is decoded by the standard library's own scanner (``JSONDecoder.raw_decode``) from a
sliding text window, so an item reads exactly as ``json.loads`` would read it (NaN, integers past
Python's digit limit, nesting too deep for the scanner, lone surrogate escapes): the same file
gives the same records and the same errors whether it is streamed or not. An item cut off by the
end of the window is decoded again once the window has grown (geometrically, so a large item
costs a few passes, not one per chunk). ijson (yajl2_c) was measured against this
(``bench/hostile.py --decoders``): slower on small items, a little faster on large ones; it
rejects NaN, reports big integers differently and exhausted memory on an array nested 100,000
levels deep.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

CHUNK = 1 << 20
_SPACE = " \t\r\n"
# A value decoded this close to the window's end may continue past it (a number, ``true``): it is
# decoded again with more text. Likewise an error this close to the end may be a cut, not a fault.
_MARGIN = 32


class ArrayError(Exception):
    """Why the array cannot be read; ``line`` is 1-based when known, ``index`` the item's."""

    def __init__(self, message: str, line: int | None = None, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.index = index


def starts_with_array(handle: BinaryIO) -> bool:
    """Whether the first character after a byte order mark and white space is ``[``; the handle
    is left at the start. A stream that cannot seek (a decompressed one) is looked at without
    reading it: the first 4096 bytes only, so a longer run of white space reads it whole."""
    if not handle.seekable():
        head = bytes(handle.peek(4096)[:4096])  # type: ignore[attr-defined]
        return head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"[")
    position = handle.tell()
    head = handle.read(4096)
    handle.seek(position)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    stripped = head.lstrip(b" \t\r\n")
    while not stripped and len(head) == 4096:  # a long run of white space first
        head = handle.read(4096)
        stripped = head.lstrip(b" \t\r\n")
    handle.seek(position)
    return stripped.startswith(b"[")


class _Window:
    """Text decoded from the handle so far that has not been consumed."""

    def __init__(self, handle: BinaryIO, on_bytes: Callable[[bytes], None] | None) -> None:
        self._handle = handle
        self._on_bytes = on_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self.text = ""
        self.pos = 0
        self.eof = False
        self.bytes_read = 0
        self.lines_dropped = 0  # newlines in text already dropped from the window
        self.chars_dropped = 0

    def more(self, at_least: int = 0) -> bool:
        """Read at least ``at_least`` more bytes (less at the end); False at the end."""
        if self.eof:
            return False
        if self.pos > len(self.text) // 2:  # drop what is consumed, amortised
            self.lines_dropped += self.text.count("\n", 0, self.pos)
            self.chars_dropped += self.pos
            self.text = self.text[self.pos:]
            self.pos = 0
        data = self._handle.read(max(at_least, CHUNK))
        if self._on_bytes is not None and data:
            self._on_bytes(data)
        try:
            self.text += self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise ArrayError(f"not valid UTF-8 at byte {self.bytes_read + exc.start}") from None
        self.bytes_read += len(data)
        if not data:
            self.eof = True
        return True

    def skip_space(self) -> str:
        """The next character that is not white space ("" at the end of the input)."""
        while True:
            text, pos = self.text, self.pos
            while pos < len(text) and text[pos] in _SPACE:
                pos += 1
            self.pos = pos
            if pos < len(text):
                return text[pos]
            if not self.more():
                return ""

    def column_at(self, pos: int) -> int:
        return pos - self.text.rfind("\n", 0, pos)  # 1-based; counted from the window's start

    def line_at(self, pos: int) -> int:
        return self.lines_dropped + self.text.count("\n", 0, pos) + 1


def array_items(handle: BinaryIO, max_item_chars: int, *,
                on_bytes: Callable[[bytes], None] | None = None) -> Iterator[Any]:
    """The items of the JSON array ``handle`` holds (after any byte order mark and white space),
    in order; ``on_bytes`` sees every byte read. ArrayError for invalid JSON, and for an item
    longer than ``max_item_chars`` (found before more than that is held)."""
    for batch in array_batches(handle, max_item_chars, on_bytes=on_bytes):
        yield from batch


# Small items are decoded many at a time: the text up to a separator near the window's end,
# inside brackets, in one call of the C decoder. The separator looked for is the one last seen
# between two items, with the characters either side (``},\n{``); one inside an item (in a
# string, in a nested value) cannot give a valid array there, so a wrong cut only fails, and the
# items are then decoded one by one for a while before batching is tried again.
_BATCH_MIN_CHARS = 4096
_BATCH_BACKOFF = 1000  # items decoded one by one after a failed batch
_BATCH_ITEM_CHARS = 128  # batching pays when items are shorter than this on average


def array_batches(handle: BinaryIO, max_item_chars: int, *,
                  on_bytes: Callable[[bytes], None] | None = None) -> Iterator[list[Any]]:
    """The items of the array, as lists of consecutive items (see ``array_items``)."""
    decoder = json.JSONDecoder()
    window = _Window(handle, on_bytes)
    if window.skip_space() != "[":
        raise ArrayError("not a JSON array", window.line_at(window.pos))
    window.pos += 1
    index = 0
    single = 0  # items to decode one by one before batching is tried (again)
    chars = 0  # characters of the items decoded one by one, for their average
    separator = ""  # as last seen between two items decoded one by one, with their edges
    last_end = -1  # where the last item decoded one by one ended, if nothing came since
    while True:
        char = window.skip_space()
        if char == "]" and index == 0:
            break
        if index:
            if char == "]":
                break
            if char != ",":
                raise ArrayError("not valid JSON: Expecting ',' delimiter",
                                 window.line_at(window.pos), index)
            window.pos += 1
            window.skip_space()
            if last_end > 0 and window.pos < len(window.text):
                separator = window.text[last_end - 1:window.pos + 1]
        last_end = -1
        if separator and single <= 0 and chars < _BATCH_ITEM_CHARS * index:
            if len(window.text) - window.pos < _BATCH_MIN_CHARS + _MARGIN:
                window.more()  # a batch wants a window's worth of text
            batch = _batch(window, separator)
            if batch:
                yield batch
                index += len(batch)
                continue
            if batch is None:
                single = _BATCH_BACKOFF
        start = window.pos
        item = _item(decoder, window, max_item_chars, index)
        chars += window.pos - start
        last_end = window.pos
        single -= 1
        yield [item]
        index += 1
    window.pos += 1
    if window.skip_space():
        raise ArrayError("not valid JSON: Extra data", window.line_at(window.pos))


def _batch(window: _Window, separator: str) -> list[Any] | None:
    """The items from the window's position up to the last ``separator`` (not one inside an
    item, or the decode fails and None says so); the position is then at its comma. An empty
    list when the window holds too little for a batch."""
    text, start = window.text, window.pos
    found = text.rfind(separator, start, len(text) - _MARGIN)
    if found - start < _BATCH_MIN_CHARS:
        return []
    try:
        items = json.loads(f"[{text[start:found + 1]}]")
    except (ValueError, RecursionError):
        return None
    if not isinstance(items, list) or not items:
        return None
    window.pos = found + separator.index(",", 1)
    return items


def _item(decoder: json.JSONDecoder, window: _Window, max_chars: int, index: int) -> Any:
    while True:
        start = window.pos
        try:
            value, end = decoder.raw_decode(window.text, start)
        except json.JSONDecodeError as exc:
            cut = exc.pos >= len(window.text) - _MARGIN or exc.msg.startswith("Unterminated")
            if not (cut and _grow(window, start, max_chars, index)):
                raise ArrayError(f"not valid JSON: {exc.msg} (column {window.column_at(exc.pos)})",
                                 window.line_at(exc.pos), index) from None
            continue
        except RecursionError:
            raise ArrayError("JSON nested too deeply", window.line_at(start),
                             index) from None
        except ValueError as exc:  # an integer longer than Python's digit limit
            reason = " ".join(str(exc).split(":")[0].split()) or type(exc).__name__
            raise ArrayError(f"not valid JSON: {reason}", window.line_at(start), index) from None
        if end > len(window.text) - _MARGIN and _grow(window, start, max_chars, index):
            continue  # the value may go on past the window: decode it again with more
        if end - start > max_chars:
            raise _too_long(max_chars, window, start, index)
        window.pos = end
        return value


def _grow(window: _Window, start: int, max_chars: int, index: int) -> bool:
    """Read more for the item at ``start``: as much again as it has so far (so an item is
    decoded a few times, not once per chunk); False at the end of the input."""
    held = len(window.text) - start
    if held > max_chars:
        raise _too_long(max_chars, window, start, index)
    dropped = window.chars_dropped
    window.pos = start
    grew = window.more(held)
    window.pos = start - (window.chars_dropped - dropped)  # ``more`` may drop consumed text
    return grew


def _too_long(max_chars: int, window: _Window, start: int, index: int) -> ArrayError:
    from provenance.reading import limits

    return ArrayError(f"item {index} longer than the limit of {limits.describe(max_chars)} "
                      "(limits: record-bytes)", window.line_at(start), index)
