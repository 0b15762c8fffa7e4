"""The one-pass JSONL reader agrees with a naive line split, whatever the chunk boundaries."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.reading import datafile

SPACES = b" \t\r"
pieces = st.sampled_from([b'{"q": 1}', b"[2]", b"", b" ", b"\t", b"\r", b"  \r", b'"x"',
                          b' {"q": 1}', b"\t[2] "])


def naive(data: bytes) -> tuple[int, int | None, int | None]:
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines = lines[:-1]
    numbers = [n for n, line in enumerate(lines, 1) if line.strip(SPACES)]
    return len(numbers), (numbers[0] if numbers else None), (numbers[-1] if numbers else None)


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=30), st.booleans(), st.integers(min_value=1, max_value=7),
       st.sampled_from([0, 2, 10**9]))
def test_counts_and_lines_match_a_naive_split(parts: list[bytes], final_newline: bool,
                                              chunk: int, sparse_line: int) -> None:
    """Whatever the chunk size, and whichever tally each chunk gets (0: always by newline
    search, 10**9: always by count, 2: switching between them)."""
    data = b"\n".join(parts) + (b"\n" if final_newline and parts else b"")
    facts = datafile.DataFacts()
    original = datafile.CHUNK, datafile.SPARSE_LINE
    datafile.CHUNK, datafile.SPARSE_LINE = chunk, sparse_line
    try:
        datafile._read_jsonl(io.BytesIO(data), facts)
        if count := naive(data)[0]:
            last = datafile._last_line(io.BytesIO(data), data.count(b"\n"))
            assert last[0] == naive(data)[2]
    finally:
        datafile.CHUNK, datafile.SPARSE_LINE = original
    count, first, last = naive(data)
    assert facts.records == count
    assert facts.size == len(data)
    if count:
        number, line = datafile._first_line(io.BytesIO(data))
        assert (number, line.rstrip(b"\n")) == (first, data.split(b"\n")[first - 1])
        number, line = datafile._last_line(io.BytesIO(data), data.count(b"\n"))
        assert number == last
        assert line.strip(SPACES) == data.split(b"\n")[last - 1].strip(SPACES)


@pytest.mark.parametrize("data", [b"", b"\n\n", b" \n\t\n"])
def test_files_without_records(data: bytes) -> None:
    facts = datafile.DataFacts()
    datafile._read_jsonl(io.BytesIO(data), facts)
    assert facts.records == 0
