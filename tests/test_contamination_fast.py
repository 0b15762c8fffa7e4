"""The batched contamination scan reports exactly what the record-by-record matcher reports.

Generated evaluation sets and training files with planted exact copies, shared 13-grams and near
duplicates (case, punctuation, reordering, a word dropped or added), written the ways JSONL gets
written: escaped or raw unicode, escaped quotes and newlines, CRLF, a BOM, blank lines, very long
lines, values that are not strings. The pre-test must flag every record the full matcher reports
(with the compiled search and with the pure-Python one), and a whole scan must give the same rows,
with the optional compiled pass (``_fastpass``) and without it.
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import Config, RecordMapping
from provenance.contamination import prefilter
from provenance.contamination.fingerprints import Settings, build, item_of
from provenance.contamination.match import EXACT, NEAR, NGRAM, matches
from provenance.contamination.run import Scanner, prefilter_of
from provenance.fs.globs import GlobSet
from provenance.reading import limits
from provenance.reading.readers import text_of

TRICKY = ["the", "of", "w_1", "42", "x", "café", "\ufb01sh", "STRASSE", "straße", "naïve",
          "\uff26\uff55\uff4c\uff4c", "don't", "e.g.", "U.S.A."]
# Enough words that anchors rarely meet by chance: a missed anchor then shows.
WORDS = TRICKY + [f"{a}{b}" for a in ("ka", "lo", "mi", "ru", "se", "to", "vi", "ze")
                  for b in ("n", "r", "s", "t", "l", "m", "bo", "da", "fe", "gu")]
GLUE = [" ", " ", " ", ", ", " - ", "  ", "\t", "\n", "... ", " (", ") ", "/", "\u00a0", "\u2019",
        " — ", '"', "\\", " \r\n "]


def text(rng: random.Random, words: list[str]) -> str:
    out = [words[0]] if words else []
    for word in words[1:]:
        out += [rng.choice(GLUE), word]
    return "".join(out)


def edit(rng: random.Random, words: list[str]) -> list[str]:
    """A planted copy: as is, another case, reordered, a word dropped, added or doubled."""
    words = list(words)
    kind = rng.randrange(6)
    if kind == 1:
        words = [w.upper() for w in words]
    elif kind == 2:
        rng.shuffle(words)
    elif kind == 3 and len(words) > 1:
        del words[rng.randrange(len(words))]
    elif kind == 4:
        words.insert(rng.randrange(len(words) + 1), rng.choice(WORDS))
    elif kind == 5 and words:
        at = rng.randrange(len(words))
        words.insert(at, words[at])
    return words


def corpus(seed: int, records: int = 60) -> tuple[list[list[str]], list[tuple[Any, Any]]]:
    """Evaluation questions (as word lists) and training (question, answer) values."""
    rng = random.Random(seed)
    evaluation = [rng.choices(WORDS, k=rng.choice([3, 5, 6, 8, 11, 12, 13, 15, 20]))
                  for _ in range(12)]
    training: list[tuple[Any, Any]] = []
    for _ in range(records):
        question = rng.choices(WORDS, k=rng.randint(0, 16))
        answer = rng.choices(WORDS, k=rng.randint(0, 20))
        if rng.random() < 0.5:
            source = edit(rng, rng.choice(evaluation))
            if rng.random() < 0.3:  # inside a longer text: a shared 13-gram
                question = rng.choices(WORDS, k=3) + source + rng.choices(WORDS, k=2)
            else:
                question = source
        if rng.random() < 0.2:
            answer = rng.choices(WORDS, k=2) + rng.choice(evaluation) + ["end"]
        q: Any = text(rng, question)
        a: Any = text(rng, answer)
        odd = rng.random()
        if odd < 0.05:
            a = [text(rng, answer[:3]), text(rng, answer[3:])]
        elif odd < 0.08:
            a = 1.5e5
        elif odd < 0.1:
            a = {"b": text(rng, answer), "a": "x\ny"}
        elif odd < 0.12:
            q = None
        training.append((q, a))
    return evaluation, training


def fingerprints(evaluation: list[list[str]], rng: random.Random, **options: Any) -> Any:
    items = [item_of("eval.jsonl", f"line {i + 1}", i + 1, text(rng, words),
                     text(rng, words[::-1]) if i % 3 == 0 else "")
             for i, words in enumerate(evaluation)]
    return build(items, Settings(**options))


OPTIONS = [{}, {"ngram": 5}, {"near": 0.5}, {"min_words": 1, "ngram": 2}, {"near": 1.0},
           {"near": 0.0}]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(OPTIONS), st.booleans())
def test_the_pretest_flags_every_record_the_matcher_reports(
        seed: int, options: dict[str, Any], compiled: bool) -> None:
    """Each part of the pre-test on its own: the anchors flag every exact and n-gram match, the
    word groups every near duplicate."""
    evaluation, training = corpus(seed)
    prints = fingerprints(evaluation, random.Random(seed), **options)
    pre = prefilter.build(prints, compiled=False)  # the compiled pass: test_contamination_compiled
    if not compiled:
        pre = dataclasses.replace(pre, _search=None)
    anchors_only = dataclasses.replace(pre, pairs={}, single=frozenset(), empty_question=False)
    groups_only = dataclasses.replace(pre, anchors=set(), _search=None)
    questions = [text_of(q) for q, _ in training]
    answers = [text_of(a) for _, a in training]
    flagged = set(pre.candidates(questions, answers))
    anchored = set(anchors_only.candidates(questions, answers))
    grouped = set(groups_only.candidates(questions, answers))
    for index, (question, answer) in enumerate(zip(questions, answers)):
        kinds = {match.kind for match in matches(prints, question, answer)}
        if kinds:
            assert index in flagged, (question, answer)
        if kinds & {EXACT, NGRAM}:
            assert index in anchored, (question, answer)
        if NEAR in kinds:
            assert index in grouped, (question, answer)


@pytest.fixture(params=["compiled pass", "python"])
def either_pass(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The scan with the optional compiled pass (where it was built) and without it; worker
    processes inherit the environment."""
    if request.param == "python":
        monkeypatch.setenv("QA_PROVENANCE_NO_EXTENSION", "1")
    return str(request.param)


def write(path: Path, rows: list[tuple[Any, Any]], rng: random.Random) -> None:
    """JSONL the ways it is written in the wild, one way per line."""
    out = bytearray(b"\xef\xbb\xbf" if rng.random() < 0.3 else b"")
    for question, answer in rows:
        record: Any = {"question": question, "answer": answer, "context": "x " * rng.randint(0, 9)}
        if rng.random() < 0.1:
            record = {"answer": answer, "question": question, "question ": "decoy"}
        line = json.dumps(record, ensure_ascii=rng.random() < 0.5)
        if rng.random() < 0.1:
            line = line.replace('": ', '":')
        out += line.encode("utf-8")
        out += b"\r\n" if rng.random() < 0.3 else b"\n"
        if rng.random() < 0.1:
            out += b"\n" if rng.random() < 0.5 else b"  \t\r\n"
    path.write_bytes(bytes(out))


def reference(scanner: Scanner, training: str, prints: Any) -> list[list[Any]]:
    """What the record-by-record matcher reports of every record."""
    rows = []
    for location, line, question, answer in scanner._records(training):
        for match in matches(prints, question, answer):
            item = prints.items[match.item]
            rows.append([item.source, item.location, item.line, location, line, match.kind,
                         match.overlap])
    return rows


def scanner_for(tmp_path: Path, seed: int, records: int = 80, **options: Any
                ) -> tuple[Scanner, Any]:
    rng = random.Random(seed)
    evaluation, training = corpus(seed, records)
    write(tmp_path / "train.jsonl", training, rng)
    scanner = Scanner(Config(root=tmp_path), lambda path: "x", None)
    return scanner, fingerprints(evaluation, rng, **options)


@pytest.mark.parametrize("seed", range(12))
def test_a_scan_reports_what_the_matcher_reports_of_every_record(tmp_path: Path, seed: int,
                                                                 either_pass: str) -> None:
    scanner, prints = scanner_for(tmp_path, seed, **OPTIONS[seed % len(OPTIONS)])
    found = list(scanner._scan("train.jsonl", prints))
    assert found and found == reference(scanner, "train.jsonl", prints)


def test_the_generated_files_plant_every_kind_of_match(tmp_path: Path) -> None:
    kinds = set()
    for seed in range(3):
        scanner, prints = scanner_for(tmp_path, seed)
        kinds |= {row[5] for row in scanner._scan("train.jsonl", prints)}
    assert kinds == {EXACT, NGRAM, NEAR}


def test_both_stop_at_the_first_line_that_cannot_be_read(tmp_path: Path, either_pass: str
                                                         ) -> None:
    scanner, prints = scanner_for(tmp_path, 3, records=200)
    path = tmp_path / "train.jsonl"
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines[:100], b'{"question": "broken', *lines[100:]]))
    found = list(scanner._scan("train.jsonl", prints))
    assert found == reference(scanner, "train.jsonl", prints)
    assert found and all(row[4] <= 100 for row in found)


def test_both_stop_at_a_line_over_the_record_limit(tmp_path: Path, either_pass: str) -> None:
    scanner, prints = scanner_for(tmp_path, 4, records=200)
    path = tmp_path / "train.jsonl"
    lines = path.read_bytes().split(b"\n")
    huge = json.dumps({"question": "the river " * 400}).encode()
    path.write_bytes(b"\n".join([*lines[:120], huge, *lines[120:]]))
    before = limits.current()
    limits.use(limits.Limits(record_bytes=2048))
    try:
        found = list(scanner._scan("train.jsonl", prints))
        assert found == reference(scanner, "train.jsonl", prints)
    finally:
        limits.use(before)
    assert found and all(row[4] <= 120 for row in found)


def test_without_the_compiled_search_the_scan_is_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scanner, prints = scanner_for(tmp_path, 5, records=150)
    expected = reference(scanner, "train.jsonl", prints)
    monkeypatch.setattr(prefilter, "_compile", lambda anchors: None)
    assert prefilter_of(prints)._search is None
    assert list(scanner._scan("train.jsonl", prints)) == expected


def test_long_lines_and_a_nested_field_path(tmp_path: Path, either_pass: str) -> None:
    rng = random.Random(7)
    evaluation, training = corpus(7, 40)
    rows = [{"data": {"q": q, "a": a}, "pad": "y " * rng.randint(0, 50_000)}
            for q, a in training]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    mapping = {"files": ["*.jsonl"], "question": "data.q", "answer": "data.a"}
    config = Config(root=tmp_path, record_mappings=(RecordMapping(GlobSet(["*.jsonl"]), mapping),))
    scanner = Scanner(config, lambda path: "x", None)
    prints = fingerprints(evaluation, rng)
    found = list(scanner._scan("train.jsonl", prints))
    assert found and found == reference(scanner, "train.jsonl", prints)


def test_a_large_file_is_scanned_in_parts_with_the_same_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, either_pass: str) -> None:
    """Three worker processes; an unreadable line in the first part ends the scan there."""
    from provenance.contamination import parallel
    from provenance.speed import workers

    scanner, prints = scanner_for(tmp_path, 8, records=400)
    path = tmp_path / "train.jsonl"
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines[:100], b"{not json", *lines[100:]]))
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES_COMPILED", 1)
    monkeypatch.setattr(workers, "cores", lambda: 3)
    started = []
    start = workers.start
    monkeypatch.setattr(workers, "start", lambda module: started.append(module) or start(module))
    found = list(scanner._scan("train.jsonl", prints))
    assert started == ["provenance.contamination.parallel"] * 3
    assert found == reference(scanner, "train.jsonl", prints)
    assert found and max(row[4] for row in found) < 101


def test_wide_gaps_are_searched_once_a_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """A text with many runs of three or more spaces between words is searched word by word
    once, not once a run (a one-line training file of ``word   word   ...`` took minutes)."""
    prints = build([item_of("e", "line 1", 1, "what is the capital city of france today", "")],
                   Settings())
    pre = prefilter.build(prints, compiled=False)
    if pre._search is None:
        pytest.skip("ahocorasick-rs is not installed: the search is word by word already")
    searched: list[int] = []
    words_of = prefilter.Prefilter._anchored_words

    def spy(self: Any, which: Any, entries: list[bytes]) -> Any:
        which = list(which)
        searched.extend(which)
        return words_of(self, which, entries)

    monkeypatch.setattr(prefilter.Prefilter, "_anchored_words", spy)
    answers = ["word   " * 50, "the capital   city of   france", "x"]
    assert pre.candidates(["q", "q2", "q3"], answers) == []
    assert sorted(searched) == sorted(set(searched)) == [1, 3]


@pytest.mark.parametrize("depth", [300, 600, 1000])
def test_deeply_nested_fields_end_no_scan(tmp_path: Path, depth: int, either_pass: str) -> None:
    """orjson reads up to 1,024 levels of nesting: a field that deep is text like any other,
    not a RecursionError that ends the check."""
    question = "what is the capital city of france today"
    prints = build([item_of("e", "line 1", 1, question, "")], Settings())
    nested_list = "[" * depth + json.dumps(question) + "]" * depth
    nested_map = '{"a":' * depth + "1" + "}" * depth
    lines = [json.dumps({"question": question, "answer": "x"}),
             '{"question": ' + nested_list + ', "answer": "y"}',
             '{"question": "q", "answer": ' + nested_map + "}",
             json.dumps({"question": question.upper(), "answer": "z"})]
    (tmp_path / "train.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    scanner = Scanner(Config(root=tmp_path), lambda path: "x", None)
    found = list(scanner._scan("train.jsonl", prints))
    assert found == reference(scanner, "train.jsonl", prints)
    assert [row[4] for row in found] == [1, 2, 4]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_first_line_after_a_bom_is_parsed_as_the_reader_parses_it(
        tmp_path: Path, bom: bytes, either_pass: str) -> None:
    """orjson reads an integer past 64 bits as a float, the standard library as an int: the
    line after a BOM is parsed by orjson first, as ``readers`` parses it, not by json alone."""
    big = 18446744073709551616
    prints = build([item_of("e", "line 1", 1, f"what is the value of {big}", ""),
                    item_of("e", "line 2", 2, f"what is the value of {float(big)!r}", "")],
                   Settings())
    line = b'{"question": ["what is the value of", %d], "answer": "x"}\n' % big
    (tmp_path / "train.jsonl").write_bytes(bom + line * 2)
    scanner = Scanner(Config(root=tmp_path), lambda path: "x", None)
    found = list(scanner._scan("train.jsonl", prints))
    assert found == reference(scanner, "train.jsonl", prints)
    assert len(found) == 2


LINE_KINDS = [b'{"question": "a b", "answer": 1}', b"", b"  \t", b"\r", b"\x0b", b"\x0c \t",
              b'\xef\xbb\xbf{"question": "bom"}', b"\xef\xbb\xbf", b"\xef\xbb\xbf  ", b"{bad",
              b'{"question": "' + b"long " * 30 + b'"}', b"7", b"null", b"[1, 2]", b"NaN",
              b'{"n": 18446744073709551616}', b'"\\ud800"', b"\xff\xfe", b'{"a": 1} x',
              b'{"a": 1, "a": 2}', b'\xef\xbb\xbf{"n": 18446744073709551616}']


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LINE_KINDS), st.sampled_from([b"\n", b"\r\n"]),
                          st.sampled_from([0, 0, 0, 1, 70])), max_size=12),
       st.integers(1, 4), st.booleans())
def test_batches_read_the_lines_the_record_reader_reads(
        tmp_path_factory: pytest.TempPathFactory, lines: list[tuple[bytes, bytes, int]],
        parts: int, last_newline: bool) -> None:
    """Each byte range of any file: the same records at the same lines as ``jsonl_part``, and
    the scan ends at the line where it raises (BOM, blank runs, \\v, the record-bytes limit)."""
    from provenance.contamination.scan import _batches
    from provenance.reading import readers
    from provenance.speed.parallel_scan import _line_at, split

    data = b"".join(line + end + end * blanks for line, end, blanks in lines)
    if not last_newline:
        data = data.rstrip(b"\n")
    path = tmp_path_factory.mktemp("lines") / "train.jsonl"
    path.write_bytes(data)
    before = limits.current()
    limits.use(limits.Limits(record_bytes=100))
    try:
        for start, end in split(path, parts) if data else [(0, 0)]:
            first = _line_at(path, start)
            expected: list[tuple[int, str]] = []
            stopped = None
            try:
                for value, number in readers.jsonl_part(path, start, end, first):
                    expected.append((number, repr(value)))
            except readers.ReadError as error:
                stopped = error.line
            batches = list(_batches(path, start, end, first))
            got = [(n, repr(r)) for numbers, records, _, _ in batches
                   for n, r in zip(numbers, records)]
            assert (got, batches[-1][3]) == (expected, stopped)
    finally:
        limits.use(before)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([1, 2, 5, 17, 64]))
def test_the_search_in_pieces_flags_what_the_whole_search_flags(seed: int, step: int) -> None:
    """The batch's text is searched a piece at a time (a text repeating an anchor would list
    millions of matches at once): an anchor across a piece's end is still found."""
    evaluation, training = corpus(seed)
    prints = fingerprints(evaluation, random.Random(seed))
    pre = prefilter.build(prints, compiled=False)
    if pre._search is None:
        pytest.skip("ahocorasick-rs is not installed")
    questions = [text_of(q) for q, _ in training]
    answers = [text_of(a) for _, a in training]
    whole = pre.candidates(questions, answers)
    pieces = dataclasses.replace(pre)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prefilter, "SEARCH_BYTES", step)
        assert pieces.candidates(questions, answers) == whole
    assert whole == dataclasses.replace(pre, _search=None).candidates(questions, answers)
