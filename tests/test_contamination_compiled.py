"""The optional compiled pass of the contamination scan (``_fastpass.c``) against Python.

It must read ASCII text into the matcher's words (``normalize.words``), flag every record the
matcher reports (whatever the record holds), refuse malformed tables with an error, not a crash,
and be left out when ``QA_PROVENANCE_NO_EXTENSION`` says so. Whole scans with and without it are
compared in ``test_contamination_fast.py``.
"""

from __future__ import annotations

import random
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.contamination import normalize, prefilter
from provenance.contamination.fingerprints import Settings, build, item_of
from provenance.contamination.match import matches
from provenance.reading.readers import text_of
from tests.test_contamination_fast import OPTIONS, corpus, fingerprints

fast = pytest.importorskip("provenance.contamination._fastpass",
                           reason="the optional C module was not built")

ASCII = string.ascii_letters + string.digits + "_ ,.-'\"\\/\t\n\r\x00\x1c\x1f\x7f?!()"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(ASCII, max_size=30),
                          st.text("aB_9", min_size=7, max_size=40)), max_size=8))
def test_ascii_text_is_read_into_the_matchers_words(parts: list[str]) -> None:
    text = " ".join(parts)
    assert fast.words(text) == [fast.word(w.encode()) for w in normalize.words(text)]


def test_other_text_is_left_to_python() -> None:
    assert fast.words("café au lait") is None
    assert fast.words("") == []


def test_words_that_differ_hash_apart() -> None:
    words = ["a", "A", "_", "a_", "ab", "abcdefgh", "abcdefghi", "abcdefgH", "0", "00", "x" * 64]
    hashes = {fast.word(w.lower().encode()) for w in words}
    assert len(hashes) == len({w.lower() for w in words})


def _pass(prints: Any, keys: tuple[str | None, str | None] = (None, None)) -> Any:
    pre = prefilter.build(prints)
    assert pre._bind is not None
    return pre._bind(*keys)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(OPTIONS))
def test_every_record_the_matcher_reports_is_flagged(seed: int, options: dict[str, Any]) -> None:
    evaluation, training = corpus(seed)
    prints = fingerprints(evaluation, random.Random(seed), **options)
    texts = [(text_of(q), text_of(a)) for q, a in training]
    by_tuple = set(_pass(prints).flagged(texts))
    records: list[Any] = [{"question": q, "answer": a} for q, a in training]
    by_record = set(_pass(prints, ("question", "answer")).flagged(records))
    for index, (question, answer) in enumerate(texts):
        if matches(prints, question, answer):
            assert index in by_tuple, (question, answer)
            assert index in by_record, (question, answer)


def test_it_flags_few_records_that_match_nothing() -> None:
    """The point of it: of records made of other words, none reaches the matcher."""
    evaluation, _ = corpus(1)
    prints = fingerprints(evaluation, random.Random(1))
    rng = random.Random(2)
    other = [(" ".join(rng.choices(["moon", "tide", "salt", "reef"], k=12)), "sand")
             for _ in range(200)]
    assert _pass(prints).flagged(other) == []


def test_records_it_cannot_read_are_left_to_python() -> None:
    """What is not a dict (or a two-item tuple), and fields that are not text, a list of texts or
    missing, are flagged unread: the pre-test in Python reads them as the matcher does."""
    prints = build([item_of("e", "line 1", 1, "who painted the night watch in 1642", "")],
                   Settings())
    keyed = _pass(prints, ("question", "answer"))
    odd: list[Any] = [[1], "text", None, {"answer": "x"}, {"question": "x"},
                      {"question": 5, "answer": "x"}, {"question": "x", "answer": ["a", "b"]},
                      {"question": "naïve", "answer": ""}, {"question": "x", "answer": {"a": 1}},
                      {"question": ["x", 1], "answer": ""}, {"question": None, "answer": None}]
    assert keyed.flagged(odd) == [0, 1, 2, 5, 7, 8, 9]
    assert keyed.flags({"question": "nothing like it at all", "answer": "no"}) is False
    assert keyed.flags({"question": "Who painted The Night-Watch in 1642?", "answer": ""})
    assert keyed.flags({"question": ["Who painted", "The Night-Watch in 1642?"]})
    no_answer = _pass(prints, ("question", None))
    assert no_answer.flags({"question": "who painted the night watch in 1642"})
    tuples = _pass(prints)
    assert tuples.flagged([("a", "b", "c"), ("a",), ("x", 1), ("a", "b")]) == [0, 1, 2]


def test_a_list_is_read_as_its_texts_joined() -> None:
    """``text_of`` joins a list's texts with a newline: an n-gram may run across two of them."""
    words = [f"w{i}" for i in range(13)]
    prints = build([item_of("e", "line 1", 1, "an unrelated question here", " ".join(words))],
                   Settings())
    answer = [" ".join(words[:6]), " ".join(words[6:])]
    assert matches(prints, "", text_of(answer))
    assert _pass(prints, ("question", "answer")).flags({"question": "", "answer": answer})


def test_a_nul_inside_text_separates_words() -> None:
    prints = build([item_of("e", "line 1", 1, "who painted the night watch in 1642", "")],
                   Settings())
    assert _pass(prints).flags(("who painted the\x00night watch in 1642", ""))
    assert fast.words("the\x00night\x00") == [fast.word(b"the"), fast.word(b"night")]


def test_ngrams_longer_than_it_follows_flag_every_long_text() -> None:
    words = [f"w{i}" for i in range(140)]
    prints = build([item_of("e", "line 1", 1, " ".join(words), "")],
                   Settings(ngram=130, min_words=200))
    tested = _pass(prints)
    assert tested.flags((" ".join(words[5:]), ""))  # holds a 130-gram of the item
    assert tested.flags((" ".join(["z"] * 130), ""))  # could: left to Python
    assert not tested.flags((" ".join(["z"] * 129), ""))


@pytest.mark.parametrize("table", [b"x", b"\0" * 8, (3).to_bytes(8, "little") + b"\0" * 24,
                                   (1).to_bytes(8, "little") + b"\0" * 8 * 4])
def test_a_malformed_table_is_an_error_not_a_crash(table: bytes) -> None:
    with pytest.raises(ValueError, match="table"):
        fast.bind(table, b"", b"", b"", b"", b"", b"", 5, 13, 5, 13, None, None)


def test_a_table_off_its_alignment_is_refused() -> None:
    table = (1).to_bytes(8, "little") + b"\0" * 8 * 3
    assert fast.bind(table, b"", b"", b"", b"", b"", b"", 5, 13, 5, 13, None, None)
    shifted: Any = memoryview(b"x" + table)[1:]
    with pytest.raises(ValueError, match="table"):
        fast.bind(shifted, b"", b"", b"", b"", b"", b"", 5, 13, 5, 13, None, None)


def test_bad_arguments_are_errors() -> None:
    with pytest.raises(TypeError):
        fast.bind(b"", b"", b"", b"", b"", b"", b"", 5, 13, 5, 13, 1, None)
    with pytest.raises(ValueError):
        fast.bind(b"", b"", b"", b"", b"", b"", b"", 5, 0, 5, 13, None, None)
    with pytest.raises(ValueError):
        fast.grams([1, 2], 0)
    with pytest.raises(TypeError):
        fast.sequence((1, 2))  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        fast.sequence([-1])
    with pytest.raises(TypeError):
        fast.words(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fast.bind(b"", b"", b"", b"", b"", b"", b"", 5, 13, 5, 13, None, None).flagged(())


def test_grams_roll_as_the_scan_rolls() -> None:
    hashes = [fast.word(w.encode()) for w in ["a", "b", "c", "d", "e"]]
    assert fast.grams(hashes, 2) == [fast.grams(hashes[i:i + 2], 2)[0] for i in range(4)]
    assert fast.grams(hashes[:1], 2) == []
    assert fast.sequence([]) != 0


def test_the_environment_can_leave_it_out(monkeypatch: pytest.MonkeyPatch) -> None:
    prints = build([item_of("e", "line 1", 1, "who painted the night watch in 1642", "")],
                   Settings())
    assert prefilter.build(prints)._bind is not None
    monkeypatch.setenv("QA_PROVENANCE_NO_EXTENSION", "1")
    assert prefilter.build(prints)._bind is None
    monkeypatch.setenv("QA_PROVENANCE_NO_EXTENSION", "0")
    assert prefilter.build(prints)._bind is not None


def test_text_that_is_not_ascii_goes_through_the_python_pretest() -> None:
    """The compiled pass leaves such records unread; the pre-test in Python then keeps only
    those that could match, so a training set in another script is not matched whole."""
    prints = build([item_of("e", "line 1", 1, "où se trouve le musée du louvre à paris", "")],
                   Settings())
    pre = prefilter.build(prints)
    records: list[Any] = [{"question": f"quelle est la capitale numéro {i} déjà", "answer": "é"}
                          for i in range(50)]
    records.append({"question": "Où se trouve le MUSÉE du Louvre, à Paris ?", "answer": ""})

    def field(name: str) -> Any:
        return lambda record: record[name]

    picked = pre.pick(records, field("question"), field("answer"), ("question", "answer"))
    assert [index for index, _, _ in picked] == [50]
    assert matches(prints, records[50]["question"], "")


# Whole scans on hostile files: few words (so that copies, n-grams and near duplicates abound),
# every ASCII separator Python's ``\w``, ``\s`` and ``str.split`` treat apart, and values of
# every JSON type where the question and answer should be.
VOCAB = ["a", "B", "c_d", "_", "__", "9", "x1", "Zed", "qq", "longwordlongword", "e", "f"]
SEPARATORS = [" ", "\t", "\n", "\r", "\x00", "\x1c", "\x1f", "\x7f", "\x0b", "\x0c", ",", "'",
              "  ", "-", "é", "\u00a0", "\u3000", "\ufb01"]
words_of = st.lists(st.sampled_from(VOCAB), max_size=16)


@st.composite
def field(draw: Any, words: list[str]) -> Any:
    parts = [draw(st.sampled_from([w, w.upper()])) + draw(st.sampled_from(SEPARATORS))
             for w in words]
    text = "".join(parts)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        cut = draw(st.integers(0, len(text)))
        return [text[:cut], text[cut:]]
    if kind == 1:
        return draw(st.sampled_from([None, 7, 2.5, True, {"k": text}, [None, text], [[text]],
                                     [text, 1], []]))
    return text


@st.composite
def scan_case(draw: Any) -> tuple[Settings, list[tuple[list[str], list[str]]], list[Any]]:
    options = Settings(ngram=draw(st.sampled_from([4, 5, 13, 50])),
                       min_words=draw(st.sampled_from([1, 2, 3, 5])),
                       near=draw(st.sampled_from([0.01, 0.5, 2 / 3, 0.8, 0.99, 1.0])))
    texts = st.lists(st.sampled_from(VOCAB), min_size=3, max_size=16)
    evaluation = draw(st.lists(st.tuples(texts, words_of), min_size=1, max_size=6))
    records = []
    for _ in range(draw(st.integers(1, 25))):
        question, answer = draw(st.sampled_from(evaluation))
        question = draw(st.one_of(st.just(question), words_of, st.permutations(question),
                                  st.permutations(question).map(lambda q: q[1:])))
        answer = draw(st.one_of(st.just(answer), words_of))
        records.append({"question": draw(field(question)), "answer": draw(field(answer))})
    return options, evaluation, records


@settings(max_examples=60, deadline=None)
@given(scan_case(), st.booleans())
def test_whole_scans_of_hostile_files_report_what_the_matcher_reports(
        tmp_path_factory: pytest.TempPathFactory, case: Any, compiled: bool) -> None:
    import json

    from provenance.config import Config
    from provenance.contamination.run import Scanner
    from tests.test_contamination_fast import reference

    options, evaluation, records = case
    prints = build([item_of("e.jsonl", f"line {i + 1}", i + 1, " ".join(q), " ".join(a))
                    for i, (q, a) in enumerate(evaluation)], options)
    if not compiled:
        prints.prefilter = prefilter.build(prints, compiled=False)
    root = tmp_path_factory.mktemp("scan")
    lines = [json.dumps(r, ensure_ascii=i % 2 == 0) + ("\r\n" if i % 3 else "\n")
             for i, r in enumerate(records)]
    (root / "train.jsonl").write_text("\ufeff" + "\n".join(lines), "utf-8")
    scanner = Scanner(Config(root=root), lambda path: "x", None)
    assert list(scanner._scan("train.jsonl", prints)) == reference(scanner, "train.jsonl", prints)


def test_a_min_words_past_a_machine_word_is_no_crash() -> None:
    """``min-words`` has no maximum in the configuration's schema: a huge one compares no
    question (the pass must bind, not raise OverflowError)."""
    question = "who painted the night watch in 1642"
    prints = build([item_of("e", "line 1", 1, question, "")], Settings(min_words=10**20))
    keyed = _pass(prints, ("question", "answer"))
    assert not matches(prints, question, "")
    assert keyed.flags({"question": question, "answer": ""}) is False


def test_a_build_of_another_version_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stale build (an editable install not rebuilt after the C changed) may lay out its
    tables or split words otherwise: the scan does without it rather than trust it."""
    assert prefilter.available()
    monkeypatch.setattr(fast, "VERSION", prefilter.EXTENSION_VERSION + 1)
    assert not prefilter.available()
    prints = build([item_of("e", "line 1", 1, "who painted the night watch in 1642", "")],
                   Settings())
    assert prefilter.build(prints)._bind is None
