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
from provenance.reading import limits, readers
from provenance.reading.profiles import Profile, extract

BATCH = 4096


def scan_jsonl(path: Path, profile: Profile, prints: Fingerprints, pre: Prefilter,
               start: int = 0, end: int | None = None, first_line: int = 1,
               stopped: list[int] | None = None) -> Iterator[tuple[int, list[Match]]]:
    """(line, matches) of each record of ``path`` that matches something, in file order: of the
    lines that start in bytes [start, end), ``start`` being the start of line ``first_line``.
    The number of a line that could not be read, which ended the scan, goes to ``stopped``."""
    lines: list[int] = []
    questions: list[str] = []
    answers: list[str] = []
    for line, question, answer in _texts(path, _getter(profile.question),
                                         _getter(profile.answer), start, end, first_line):
        if question is None or answer is None:
            if stopped is not None:
                stopped.append(line)
            break
        lines.append(line)
        questions.append(question)
        answers.append(answer)
        if len(lines) == BATCH:
            yield from _matched(prints, pre, lines, questions, answers)
            lines, questions, answers = [], [], []
    yield from _matched(prints, pre, lines, questions, answers)


def _matched(prints: Fingerprints, pre: Prefilter, lines: list[int], questions: list[str],
             answers: list[str]) -> Iterator[tuple[int, list[Match]]]:
    for index in pre.candidates(questions, answers):
        found = matches(prints, questions[index], answers[index])
        if found:
            yield lines[index], found


def _getter(path: str | None) -> Callable[[Any], str]:
    """A record's field as text, as ``readers.text_of(extract(record, path))`` gives it, with
    a shortcut for the common case of a plain key of an object."""
    text_of = readers.text_of
    if path is None:
        return lambda record: ""
    if not path or "." in path or path.endswith("[]"):
        return lambda record: text_of(extract(record, path))

    def get(record: Any) -> str:
        if type(record) is dict:
            value = record.get(path)
            return value if type(value) is str else text_of(value)
        return text_of(extract(record, path))

    return get


def _texts(path: Path, question: Callable[[Any], str], answer: Callable[[Any], str],
           start: int = 0, end: int | None = None, first_line: int = 1
           ) -> Iterator[tuple[int, str | None, str | None]]:
    """(line, question, answer) of each record; (line, None, None) for the first line that
    cannot be read, which ends them."""
    loads, fallback = _loads()
    limit = limits.current().record_bytes
    bom, space = readers.BOM, readers.JSON_SPACE
    position = start
    number = first_line - 1
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            for number, raw in enumerate(iter(partial(handle.readline, limit + 1), b""),
                                         first_line):
                if len(raw) > limit and raw[-1:] != b"\n":
                    yield number, None, None
                    return
                if end is not None:
                    if position >= end:
                        return
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
                    yield number, None, None
                    return
                yield number, question(record), answer(record)
    except OSError:
        yield number + 1, None, None


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
