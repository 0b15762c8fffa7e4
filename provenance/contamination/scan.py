"""A JSONL training file against an evaluation set's fingerprints, in batches.

Lines are read as ``readers.read_data`` reads them (the record-bytes limit, a leading BOM, blank
lines skipped, orjson with the standard library's second chance, and the first line that cannot
be read ends the scan, as it ends the record-by-record one); question and answer are taken by the
file's profile. Each batch of records goes through the pre-test (``prefilter``), and only the
records it flags meet the full matcher, so what is reported is what the full matcher reports of
every record.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from provenance.contamination.fingerprints import Fingerprints
from provenance.contamination.match import Match, matches
from provenance.contamination.prefilter import Prefilter
from provenance.reading import compressed, limits, readers
from provenance.reading.profiles import Profile, extract

BATCH = 4096


def scan_jsonl(path: Path, profile: Profile, prints: Fingerprints, pre: Prefilter,
               start: int = 0, end: int | None = None, first_line: int = 1,
               stopped: list[int] | None = None) -> Iterator[tuple[int, list[Match]]]:
    """(line, matches) of each record of ``path`` that matches something, in file order: of the
    lines that start in bytes [start, end), ``start`` being the start of line ``first_line``.
    The number of a line that could not be read, which ended the scan, goes to ``stopped``."""
    question_of, answer_of = _getter(profile.question), _getter(profile.answer)
    # Plain keys of the record itself: the compiled pass, where built, reads them itself.
    keys = ((profile.question or "", profile.answer)
            if _plain_key(profile.question) and (profile.answer is None
                                                 or _plain_key(profile.answer)) else None)
    keep = pre.record_test(keys)
    for lines, records, read, unreadable in _batches(path, start, end, first_line, keep):
        for index, question, answer in pre.pick(records, question_of, answer_of, keys,
                                                tested=None if keep is None else read):
            found = matches(prints, question, answer)
            if found:
                yield lines[index], found
        if unreadable is not None and stopped is not None:
            stopped.append(unreadable)


def _batches(path: Path, start: int, end: int | None, first_line: int,
             keep: Callable[[Any], bool] | None = None
             ) -> Iterator[tuple[list[int], list[Any], int, int | None]]:
    """(lines, records, records read, None) of up to ``BATCH`` records at a time, those that
    ``keep`` is True of if it is given; the last batch has the number of the line that could
    not be read, if one ended the reading. The loop runs once a line of a training file that
    may hold gigabytes: what is rare (a BOM, a blank line, the standard library's second
    chance) is handled where orjson refuses a line."""
    loads, fallback = _loads()
    limit = limits.current().record_bytes
    lines: list[int] = []
    records: list[Any] = []
    position = start
    number = first_line - 1
    count = 0  # records read since the last batch
    unreadable: int | None = None
    try:
        # A compressed file is read whole (its parts cannot be cut by byte ranges).
        with compressed.open_data(path) as handle:
            if start:
                handle.seek(start)
            line, record = lines.append, records.append
            for number, raw in enumerate(iter(partial(handle.readline, limit + 1), b""),
                                         first_line):
                if len(raw) > limit and raw[-1:] != b"\n":
                    unreadable = number
                    break
                if end is not None:
                    if position >= end:
                        break
                    position += len(raw)
                try:
                    read = loads(raw)
                except fallback:
                    read = _second_chance(raw, number, loads, fallback)
                    if read is _BLANK:
                        continue
                    if read is _UNREADABLE:
                        unreadable = number
                        break
                count += 1
                if keep is not None and not keep(read):
                    continue
                record(read)
                line(number)
                if len(lines) == BATCH:
                    yield lines, records, count, None
                    lines, records, count = [], [], 0
                    line, record = lines.append, records.append
    except (OSError, compressed.StreamError):
        unreadable = number + 1
    yield lines, records, count, unreadable


_BLANK, _UNREADABLE = object(), object()


def _second_chance(raw: bytes, number: int, loads: Callable[[bytes], Any],
                   fallback: tuple[type[Exception], ...]) -> Any:
    """A line orjson refused, read as ``readers.read_data`` reads it: a BOM before the first
    line (the rest then parsed by orjson first: it reads an integer past 64 bits as a float), a
    blank line skipped, the standard library's second chance (``_BLANK`` and ``_UNREADABLE``
    say which of the last two it was not)."""
    if number == 1 and raw.startswith(readers.BOM):
        raw = raw[len(readers.BOM):]
        if raw.strip(readers.JSON_SPACE):
            try:
                return loads(raw)
            except fallback:
                pass
    if not raw.strip(readers.JSON_SPACE):
        return _BLANK
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return _UNREADABLE


def _plain_key(path: str | None) -> bool:
    """A key of the record itself (not ``a.b``, ``a[]`` nor the whole record)."""
    return path is not None and path != "" and "." not in path and not path.endswith("[]")


def _getter(path: str | None) -> Callable[[Any], str]:
    """A record's field as text, as ``readers.text_of(extract(record, path))`` gives it."""
    if path is None:
        return lambda record: ""
    return lambda record: readers.text_of(extract(record, path))


def _loads() -> tuple[Callable[[bytes], Any], tuple[type[Exception], ...]]:
    """orjson and the errors after which a line gets its second chance (as ``readers`` reads),
    or the standard library alone, whose refusals get the same second look (BOM, blank line)."""
    try:
        import orjson
    except ImportError:
        return json.loads, (ValueError, RecursionError)
    return orjson.loads, (orjson.JSONDecodeError,)
