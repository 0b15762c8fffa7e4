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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations, compress, count
from typing import Any

from provenance.contamination import normalize
from provenance.contamination.fingerprints import Fingerprints

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
    seen: int = 0  # records tested, and of them flagged for the full matcher (for the bench)
    flagged: int = 0

    def candidates(self, questions: Sequence[str], answers: Sequence[str]) -> list[int]:
        """Indices of the records (question i, answer i) that the full matcher must see."""
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
        self.seen += len(questions)
        self.flagged += len(flagged)
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
        found = self._search.find_matches_as_indexes(blob, overlapping=True)
        for start in sorted(start for _, start, _ in found):
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
        wide = []
        for at in gaps:
            entry += blob.count(b"\x00", seen, at)
            seen = at
            wide.append(entry)
        yield from self._anchored_words(wide, entries)

    def _anchored_words(self, which: Iterable[int], entries: list[bytes]) -> Iterator[int]:
        anchors = self.anchors
        for entry in which:
            words = entries[entry].split()
            if not anchors.isdisjoint(zip(words, words[1:])) \
                    or not anchors.isdisjoint(zip(words)):
                yield entry // 2


def _plain(text: str) -> bool:
    return text.isascii() and _SEPARATOR not in text


def _not(value: object) -> bool:
    return not value


def build(prints: Fingerprints) -> Prefilter:
    """The anchors of an evaluation set's fingerprints (rarer words make fewer false alarms:
    rarity is counted over the evaluation set itself, the only text at hand)."""
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
