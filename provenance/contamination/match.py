"""Matching one training record against the fingerprints: pure, a few microseconds a record.

A record is compared by its question and answer (as its profile finds them). Three kinds of match,
strongest first: the same normalised question; a shared 13-gram of question or answer; a short
question whose words mostly coincide (Jaccard of word sets at least ``near``), found through the
rare words it must share, so that only a handful of candidates are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from provenance.contamination.fingerprints import Fingerprints
from provenance.contamination.normalize import words

EXACT, NGRAM, NEAR = "exact", "13-gram", "near"


@dataclass(frozen=True)
class Match:
    item: int  # index into the fingerprints' items
    kind: str  # exact, 13-gram or near
    overlap: str  # what they share, for the message


def matches(prints: Fingerprints, question: str, answer: str) -> list[Match]:
    q = words(question)
    found: dict[int, Match] = {}
    settings = prints.settings
    if len(q) >= settings.min_words:
        for index in prints.exact.get(" ".join(q), ()):
            found[index] = Match(index, EXACT, "the same question after normalisation")
    n = settings.ngram
    grams = prints.grams
    a = words(answer) if answer and grams else []
    # Every n-gram holds its rarest word: a record holding none of them holds none of the n-grams.
    if grams and (len(q) >= n or len(a) >= n) and not prints.gram_words.isdisjoint([*q, *a]):
        for text in (q, a):
            for start in range(len(text) - n + 1):
                gram = tuple(text[start:start + n])
                for index in grams.get(hash(gram), ()):
                    if index not in found and _has_gram(prints, index, gram):
                        found[index] = Match(index, NGRAM,
                                             f"{n}-gram '{' '.join(gram)}'")
    if prints.short and settings.min_words <= len(q) < n \
            and not prints.anchor_words.isdisjoint(q):
        mine = frozenset(q)
        anchors = prints.anchors
        candidates = {i for word in mine & prints.anchor_words for i in anchors[word]}
        for index in candidates - found.keys():
            theirs = prints.short[index]
            jaccard = len(mine & theirs) / len(mine | theirs)
            if jaccard >= settings.near:
                found[index] = Match(index, NEAR, f"word overlap {jaccard:.0%}")
    return sorted(found.values(), key=lambda m: m.item)


def _has_gram(prints: Fingerprints, index: int, gram: tuple[str, ...]) -> bool:
    """A hash hit confirmed on the words (hashes of different n-grams can collide)."""
    item = prints.items[index]
    n = len(gram)
    return any(tuple(text[s:s + n]) == gram for text in (item.question, item.answer)
               for s in range(len(text) - n + 1))
