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
    for lines, questions, answers, unreadable in _batches(path, profile, start, end, first_line):
        for index in pre.candidates(questions, answers):
            found = matches(prints, questions[index], answers[index])
            if found:
                yield lines[index], found
        if unreadable is not None and stopped is not None:
            stopped.append(unreadable)


def _batches(path: Path, profile: Profile, start: int, end: int | None, first_line: int
             ) -> Iterator[tuple[list[int], list[str], list[str], int | None]]:
    """(lines, questions, answers, None) of up to ``BATCH`` records at a time; the last batch
    has the number of the line that could not be read, if one ended the reading."""
    loads, fallback = _loads()
    limit = limits.current().record_bytes
    bom, space, text_of = readers.BOM, readers.JSON_SPACE, readers.text_of
    get_question, get_answer = _getter(profile.question), _getter(profile.answer)
    # The common case, a plain key of an object, without a call per field.
    plain = _plain_key(profile.question) and (profile.answer is None
                                              or _plain_key(profile.answer))
    question_key, answer_key = profile.question or "", profile.answer
    lines: list[int] = []
    questions: list[str] = []
    answers: list[str] = []
    position = start
    number = first_line - 1
    unreadable: int | None = None
    try:
        # A compressed file is read whole (its parts cannot be cut by byte ranges).
        with compressed.open_data(path) as handle:
            if start:
                handle.seek(start)
            for number, raw in enumerate(iter(partial(handle.readline, limit + 1), b""),
                                         first_line):
                if len(raw) > limit and raw[-1:] != b"\n":
                    unreadable = number
                    break
                if end is not None:
                    if position >= end:
                        break
                    position += len(raw)
                if number == 1 and raw.startswith(bom):
                    raw = raw[len(bom):]
                if not raw.strip(space):
                    continue
                try:
                    try:
                        record = loads(raw)
                    except fallback:
                        record = json.loads(raw)
                except (ValueError, RecursionError):
                    unreadable = number
                    break
                lines.append(number)
                if plain and type(record) is dict:
                    question = record.get(question_key)
                    answer = record.get(answer_key) if answer_key else None
                    questions.append(question if type(question) is str else text_of(question))
                    answers.append(answer if type(answer) is str else text_of(answer))
                else:
                    questions.append(get_question(record))
                    answers.append(get_answer(record))
                if len(lines) == BATCH:
                    yield lines, questions, answers, None
                    lines, questions, answers = [], [], []
    except (OSError, compressed.StreamError):
        unreadable = number + 1
    yield lines, questions, answers, unreadable


def _plain_key(path: str | None) -> bool:
    """A key of the record itself (not ``a.b``, ``a[]`` nor the whole record)."""
    return path is not None and path != "" and "." not in path and not path.endswith("[]")


def _getter(path: str | None) -> Callable[[Any], str]:
    """A record's field as text, as ``readers.text_of(extract(record, path))`` gives it."""
    if path is None:
        return lambda record: ""
    return lambda record: readers.text_of(extract(record, path))


def _loads() -> tuple[Callable[[bytes], Any], type[Exception]]:
    """orjson and the error after which the standard library gets a second chance (as
    ``readers`` reads), or the standard library alone."""
    try:
        import orjson
    except ImportError:
        return json.loads, _Never
    return orjson.loads, orjson.JSONDecodeError


class _Never(Exception):
    """Never raised: without orjson there is no second chance to give."""
