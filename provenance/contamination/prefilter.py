"""Which training records could match at all: a sound pre-test over thousands at once.

The full matcher (``match.matches``) costs microseconds a record in Python; almost every record of
a training set matches nothing. This pre-test normalises a batch of questions and answers in one
go (one ``bytes.translate`` over the batch, for ASCII text) and looks for *anchors* with a
compiled multi-pattern search, so that only the records it flags meet the full matcher. It is
sound: a record the full matcher would report is always flagged, because

- an exact match holds the evaluation question's words in order, so any two adjacent ones;
- an n-gram match holds a whole n-gram of an evaluation text, and the anchors of each text (two
  adjacent words, the rarest by a cover of every n-word window) put one inside every n-gram;
- a near duplicate of a short question of k distinct words shares at least c of them (c the least
  with c / k >= threshold, as Jaccard >= t needs), so misses at most m = k - c: of its m + 2
  rarest words at least two are there, and of its m + 3 rarest at least three (when c >= 3).

For ASCII text the batch normalisation is the matcher's (lower case; every character that is not
a letter, digit or underscore separates words), so anchors compare the same words; other text
(and text holding the batch's separator) is put in the matcher's words one text at a time.

Where the package was built with its optional compiled pass (``_fastpass.c``; a C compiler at
install time), that pass replaces the anchors: it reads each record as it is parsed and looks up
the matcher's own keys by hash (every whole evaluation question, every n-gram), plus the
near-duplicate groups below. What it flags is a superset of what the matcher reports (hash
collisions, any text that is not ASCII, any field that is not a string), and goes straight to
the matcher.
"""

from __future__ import annotations

import os
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations, compress, count
from operator import itemgetter
from typing import Any

from provenance.contamination import normalize
from provenance.contamination.fingerprints import Fingerprints
from provenance.reading.readers import text_of

NO = ("", "0", "false", "no")  # QA_PROVENANCE_NO_EXTENSION values that leave the pass in use
# The compiled pass this Python expects (``VERSION`` in ``_fastpass.c``: raise both when the
# tables' layout, the hashes or the words change); a stale build is left out.
EXTENSION_VERSION = 1
SEARCH_BYTES = 1 << 20  # of a batch's text searched at once (matches are listed whole)
_SEPARATOR = "\x00"  # between the texts of a batch; kept by the table, never part of an anchor
_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c in (0, 95)
                                       or c >= 128) else 32
    for c in range(256))


@dataclass
class Prefilter:
    anchors: set[tuple[bytes, ...]] = field(default_factory=set)  # one or two words
    # Near duplicates: two words of an item's group, and when the item needs three, a third.
    pairs: dict[tuple[bytes, bytes], frozenset[bytes] | None] = field(default_factory=dict)
    pair_words: frozenset[bytes] = frozenset()
    single: frozenset[bytes] = frozenset()  # near duplicates that need only one shared word
    empty_question: bool = False  # an exact key of no words: an empty question is a candidate
    short: range = range(0)  # how many words a question near-duplicates may have
    _search: Any = None  # the compiled anchor search, or None for the pure-Python one
    _reach: int = 0  # the longest pattern it searches for, in bytes
    _bind: Callable[[str | None, str | None], Any] | None = None  # _fastpass.bind
    _passes: dict[tuple[str | None, str | None], Any] = field(default_factory=dict)
    seen: int = 0  # records tested, and of them flagged for the full matcher (for the bench)
    flagged: int = 0

    def candidates(self, questions: list[str], answers: list[str]) -> list[int]:
        """Indices of the records (question i, answer i) that the full matcher must see."""
        picked = self.pick(list(zip(questions, answers)), itemgetter(0), itemgetter(1))
        return [index for index, _, _ in picked]

    def record_test(self, keys: tuple[str, str | None] | None) -> Callable[[Any], bool] | None:
        """The compiled pass over one record at a time (True: the pre-test must see it), reading
        the question and answer at ``keys``; None without the compiled pass or plain keys."""
        if self._bind is None or keys is None:
            return None
        test: Callable[[Any], bool] = self._pass(keys).flags
        return test

    def pick(self, records: list[Any], question_of: Callable[[Any], str],
             answer_of: Callable[[Any], str], keys: tuple[str, str | None] | None = None, *,
             tested: int | None = None) -> list[tuple[int, str, str]]:
        """(index, question, answer) of the records the full matcher must see. ``keys``, the
        question's and the answer's key when both are plain keys of a record, lets the compiled
        pass read the fields itself. ``tested``: the records are what ``record_test`` kept of
        that many (the compiled pass has seen them)."""
        self.seen += len(records) if tested is None else tested
        if self._bind is None:
            questions, answers = _fields(records, question_of, answer_of, keys)
            chosen = self._candidates(questions, answers)
            picked = [(j, questions[j], answers[j]) for j in chosen]
        else:
            if tested is not None or keys is not None:
                rough = self._pass(keys).flagged(records) if tested is None and keys is not None \
                    else range(len(records))
                picked = [(i, question_of(records[i]), answer_of(records[i])) for i in rough]
                unread = [not _read_in_c(records[i], keys) for i in rough]
            else:
                texts = [(question_of(record), answer_of(record)) for record in records]
                picked = [(i, *texts[i]) for i in self._pass((None, None)).flagged(texts)]
                unread = [not (q.isascii() and a.isascii()) for _, q, a in picked]
            if any(unread):
                picked = self._tested(picked, unread)
        self.flagged += len(picked)
        return picked

    def _tested(self, picked: list[tuple[int, str, str]], unread: list[bool]
                ) -> list[tuple[int, str, str]]:
        """The compiled pass flags every record it does not read (text that is not ASCII, a
        number, a mapping); those go through the pre-test in Python here, so that a training set
        in another script does not send every record to the matcher."""
        other = [entry for entry, left in zip(picked, unread) if left]
        kept = {other[j][0] for j in self._candidates([q for _, q, _ in other],
                                                      [a for _, _, a in other])}
        return [entry for entry, left in zip(picked, unread) if not left or entry[0] in kept]

    def _pass(self, keys: tuple[str | None, str | None]) -> Any:
        if keys not in self._passes:
            assert self._bind is not None
            self._passes[keys] = self._bind(*keys)
        return self._passes[keys]

    def _candidates(self, questions: Sequence[str], answers: Sequence[str]) -> list[int]:
        if not questions:
            return []
        texts = [t for pair in zip(questions, answers) for t in pair]
        joined = f" {_SEPARATOR} ".join(texts)
        flagged: set[int] = set()
        if not joined.isascii() or joined.count(_SEPARATOR) != len(texts) - 1:
            # Other text is put in the matcher's words here, one by one: its non-ASCII bytes
            # are then all parts of words, which the table keeps.
            joined = f" {_SEPARATOR} ".join(t if _plain(t) else " ".join(normalize.words(t))
                                            for t in texts)
        blob = b" " + joined.encode("utf-8").translate(_TABLE) + b" "
        entries = blob.split(_SEPARATOR.encode())
        flagged.update(self._anchored(blob, entries))
        words = list(map(bytes.split, entries[0::2]))
        if self.empty_question:
            flagged.update(compress(count(), map(_not, words)))
        if self.single:
            flagged.update(compress(count(), map(_not, map(self.single.isdisjoint, words))))
        if self.pairs:
            flagged.update(self._near(words))
        return sorted(flagged)

    def _near(self, words: list[list[bytes]]) -> Iterator[int]:
        """Questions of a near-duplicate length holding two words of one group (and a third of
        it, for an item that needs three)."""
        pairs = self.pairs
        keys = pairs.keys()
        which = list(compress(count(), map(self.short.__contains__, map(len, words))))
        held = list(map(self.pair_words.intersection, [words[i] for i in which]))
        for index, have in zip(which, held):
            if len(have) < 2:
                continue
            for pair in keys & combinations(sorted(have), 2):
                third = pairs[pair]
                if third is None or not third.isdisjoint(words[index]):
                    yield index
                    break

    def _anchored(self, blob: bytes, entries: list[bytes]) -> Iterator[int]:
        """Records (by index) whose question or answer holds an anchor. The search expects the
        two words of an anchor one or two spaces apart (a word, a comma and a space, a word);
        a text with a longer gap between two words is searched word by word."""
        if not self.anchors:
            return
        if self._search is None:
            yield from self._anchored_words(range(len(entries)), entries)
            return
        entry, seen = 0, 0
        search, step, view = self._search.find_matches_as_indexes, SEARCH_BYTES, memoryview(blob)
        for begin in range(0, len(blob), step):
            # A piece at a time: a text that repeats an anchor lists millions of matches, about
            # 100 bytes each. A match that starts in a piece ends within the piece's overlap.
            found = search(view[begin:begin + step + self._reach], overlapping=True)
            for start in sorted(start for _, start, _ in found if start < step):
                start += begin
                entry += blob.count(b"\x00", seen, start)
                seen = start
                yield entry // 2
        gaps: list[int] = []
        at = blob.find(b"   ")
        while at >= 0:
            end = at + 3
            while end < len(blob) and blob[end] == 32:
                end += 1
            if end < len(blob) and blob[at - 1] != 0 and blob[end] != 0:  # between two words
                gaps.append(at)
            at = blob.find(b"   ", end)
        entry, seen = 0, 0
        wide: list[int] = []
        for at in gaps:
            entry += blob.count(b"\x00", seen, at)
            seen = at
            if not wide or wide[-1] != entry:  # once a text, however many gaps it has
                wide.append(entry)
        yield from self._anchored_words(wide, entries)

    def _anchored_words(self, which: Iterable[int], entries: list[bytes]) -> Iterator[int]:
        anchors = self.anchors
        for entry in which:
            words = entries[entry].split()
            if not anchors.isdisjoint(zip(words, words[1:])) \
                    or not anchors.isdisjoint(zip(words)):
                yield entry // 2


def _fields(records: list[Any], question_of: Callable[[Any], str],
            answer_of: Callable[[Any], str], keys: tuple[str, str | None] | None
            ) -> tuple[list[str], list[str]]:
    """Every record's question and answer; for plain keys of a dict, without a call a field
    (``question_of`` gives the same: ``text_of`` of the value)."""
    if keys is None:
        return list(map(question_of, records)), list(map(answer_of, records))
    question_key, answer_key = keys
    questions: list[str] = []
    answers: list[str] = []
    for record in records:
        if type(record) is dict:
            question = record.get(question_key)
            answer = record.get(answer_key) if answer_key else None
            questions.append(question if type(question) is str else text_of(question))
            answers.append(answer if type(answer) is str else text_of(answer))
        else:
            questions.append(question_of(record))
            answers.append(answer_of(record))
    return questions, answers


def _read_in_c(record: Any, keys: tuple[str, str | None] | None) -> bool:
    """Whether the compiled pass read this record's fields itself (what ``field_flags`` in
    ``_fastpass.c`` reads: nothing, ASCII text, a list of ASCII texts)."""
    if keys is None or type(record) is not dict:
        return False
    for key in keys:
        value = record.get(key) if key else None
        if not (value is None or (type(value) is str and value.isascii())
                or (type(value) is list
                    and all(type(v) is str and v.isascii() for v in value))):
            return False
    return True


def available() -> bool:
    """Whether the compiled pass is in use here (built, and not ruled out)."""
    if os.environ.get("QA_PROVENANCE_NO_EXTENSION", "").strip().lower() not in NO:
        return False
    try:
        from provenance.contamination import _fastpass
    except ImportError:
        return False
    return getattr(_fastpass, "VERSION", None) == EXTENSION_VERSION


def _plain(text: str) -> bool:
    return text.isascii() and _SEPARATOR not in text


def _not(value: object) -> bool:
    return not value


def build(prints: Fingerprints, *, compiled: bool = True) -> Prefilter:
    """The anchors of an evaluation set's fingerprints (rarer words make fewer false alarms:
    rarity is counted over the evaluation set itself, the only text at hand). ``compiled``
    False leaves the optional compiled pass out (the tests compare both)."""
    used: Counter[str] = Counter(w for item in prints.items
                                 for w in {*item.question, *item.answer})
    pre = Prefilter()
    settings = prints.settings
    n = settings.ngram
    for item in prints.items:
        if len(item.question) >= settings.min_words:
            key = item.question
            if not key:
                pre.empty_question = True
            else:
                pre.anchors.update(_cover(key, len(key), used))
        if prints.grams and n >= 1:
            for text in (item.question, item.answer):
                if len(text) >= n:
                    pre.anchors.update(_cover(text, n, used))
    pair_words: set[str] = set()
    single: set[str] = set()
    for known in prints.short.values():
        k = len(known)
        need = next((s for s in range(k + 1) if s / k >= settings.near), None) if k else None
        if need is None:
            continue  # no overlap reaches the threshold
        ranked = sorted(known, key=lambda w: (used[w], w))
        if need == 0:
            single.update(ranked)
            continue
        missing = k - need
        # Of the rarest missing + j words at least j are there. j = 3 where the item has them
        # (three words together are rarer than two): two of the rarest missing + 2, then one
        # more of the missing + 3; else j = 2, or 1.
        present = min(3, need)
        if present == 1:
            single.update(ranked[:missing + 1])
            continue
        two = sorted(w.encode() for w in ranked[:missing + 2])
        pair_words.update(ranked[:missing + 2])
        group = frozenset(w.encode() for w in ranked[:missing + present])
        for pair in combinations(two, 2):
            if present == 2:
                pre.pairs[pair] = None
            else:
                known_third = pre.pairs.get(pair, frozenset())
                if known_third is not None:
                    pre.pairs[pair] = known_third | group.difference(pair)
    pre.pair_words = frozenset(w.encode() for w in pair_words)
    pre.single = frozenset(w.encode() for w in single)
    pre.short = range(settings.min_words, n)
    pre._search = _compile(pre.anchors)
    pre._reach = max((sum(map(len, anchor)) + 2 * len(anchor) for anchor in pre.anchors),
                     default=0)  # " w1  w2 ": a space each side and two between
    if compiled:
        pre._bind = _compiled_pass(pre, prints)
    return pre


def _cover(text: Sequence[str], n: int, used: Counter[str]) -> list[tuple[bytes, ...]]:
    """Anchors of ``text`` such that every n-word window holds one whole: two adjacent words
    (one when n is 1), chosen to be rare, by a shortest-path over their starts."""
    width = min(2, n)
    starts = len(text) - width + 1
    reach = n - width + 1  # a window starting at i holds the anchors starting in [i, i + n - w]
    cost = [float(used[text[s]]) * (used[text[s + width - 1]] if width == 2 else 1) + 1
            for s in range(starts)]
    best: list[float] = [0.0] * starts
    back: list[int] = [-1] * starts
    for s in range(starts):
        if s < reach:
            best[s] = cost[s]
            continue
        prev = min(range(s - reach, s), key=lambda p: best[p])
        best[s], back[s] = best[prev] + cost[s], prev
    last = min(range(len(text) - n, starts), key=lambda p: best[p])
    chosen = []
    while last >= 0:
        chosen.append(tuple(w.encode() for w in text[last:last + width]))
        last = back[last]
    return chosen


def _compile(anchors: set[tuple[bytes, ...]]) -> Any:
    """A compiled search for `` w1 w2 `` (Rust's aho-corasick through ``ahocorasick-rs``), or None
    when it is not installed (the pure-Python search then finds the same records, slower)."""
    if not anchors:
        return None
    try:
        import ahocorasick_rs
    except ImportError:
        return None
    patterns = [b" " + gap.join(anchor) + b" " for anchor in sorted(anchors)
                for gap in ((b" ", b"  ") if len(anchor) == 2 else (b" ",))]
    return ahocorasick_rs.BytesAhoCorasick(
        patterns, implementation=ahocorasick_rs.Implementation.DFA)


def _compiled_pass(pre: Prefilter, prints: Fingerprints
                   ) -> Callable[[str | None, str | None], Any] | None:
    """The compiled per-record pass (``_fastpass``, built with the package where a C compiler
    was at hand) with hash tables of the fingerprints, to bind to the keys it reads; None
    without it. Its tables are the matcher's own keys, hashed: every whole question (exact
    matches) and every n-gram; near duplicates get this pre-test's groups."""
    if not available():
        return None
    from provenance.contamination import _fastpass

    word, unordered = _fastpass.word, _fastpass.unordered

    def hashes(words: Iterable[str]) -> list[int]:
        return [word(w.encode()) for w in words]

    settings = prints.settings
    n = max(1, settings.ngram)
    exact = [_fastpass.sequence(hashes(key.split())) for key in prints.exact]
    grams: list[int] = []
    if prints.grams:
        for item in prints.items:
            for text in (item.question, item.answer):
                if len(text) >= n:
                    grams.extend(_fastpass.grams(hashes(text), n))
    plain: list[int] = []
    third: list[int] = []
    triples: list[int] = []
    for (a, b), others in pre.pairs.items():
        pair = unordered(word(a), word(b))
        if others is None:
            plain.append(pair)
        else:
            third.append(pair)
            triples.extend(_fastpass.triple(pair, word(w)) for w in others)
    most = sys.maxsize  # min-words has no maximum: past a machine word it is as good as any
    return partial(_fastpass.bind, _table(exact), _table(grams),
                   _table(map(word, pre.pair_words)), _table(plain), _table(third),
                   _table(triples), _table(map(word, pre.single)), min(settings.min_words, most),
                   n, min(pre.short.start, most), min(pre.short.stop, most))


def _table(hashes: Iterable[int]) -> bytes:
    """A set of hashes as the compiled pass reads it (``_fastpass.c``, ``Table``): the number of
    bitmap words, a bitmap of about 16 bits a hash, then open addressing at most half full."""
    values = set(hashes)
    if not values:
        return b""
    bit_words = 1 << max(0, (16 * len(values) // 64 - 1).bit_length())
    bits = array("Q", bytes(8 * bit_words))
    bit_mask = bit_words * 64 - 1
    size = 1 << (2 * len(values) - 1).bit_length()
    slots = array("Q", bytes(8 * size))
    mask = size - 1
    for value in values:
        bit = (value >> 32) & bit_mask
        bits[bit >> 6] |= 1 << (bit & 63)
        at = value & mask
        while slots[at]:
            at = (at + 1) & mask
        slots[at] = value
    return array("Q", [bit_words]).tobytes() + bits.tobytes() + slots.tobytes()
