"""What an evaluation set looks like to the matchers: small, built once per content, reused.

For each evaluation record: its normalised question (exact matches), the hashes of the 13-grams
of its question and answer (long items), and for short questions (too short for a 13-gram) the
few rare words that any near duplicate must share, which index them for near-duplicate search.
Fingerprints are plain data, so they are cached by the evaluation file's digest and a commit that
changes only training data never reads the evaluation set again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from provenance.contamination.normalize import words

# An n-gram is a hash of its words: tuples hash fast in C. ``hash`` of a tuple of str is salted
# per process, which is fine: fingerprints are rebuilt from the cached words in each process.
Gram = int


@dataclass(frozen=True)
class Settings:
    ngram: int = 13  # GPT-3's and lm-evaluation-harness's decontamination n
    min_words: int = 5  # shorter questions ("who is he") match too much to mean anything
    near: float = 0.8  # word-set Jaccard from which a short question is a near duplicate

    @classmethod
    def from_config(cls, raw: Any) -> Settings:
        raw = raw if isinstance(raw, dict) else {}
        return cls(ngram=int(raw.get("ngram", 13)), min_words=int(raw.get("min-words", 5)),
                   near=float(raw.get("near-threshold", 0.8)))


@dataclass(frozen=True)
class EvalItem:
    source: str  # the evaluation file, relative to the root
    location: str  # "line 12", "/data/0/paragraphs/1/qas/3"
    line: int | None
    question: list[str]  # normalised words
    answer: list[str]


@dataclass
class Fingerprints:
    settings: Settings
    items: list[EvalItem] = field(default_factory=list)
    exact: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    grams: dict[Gram, list[int]] = field(default_factory=lambda: defaultdict(list))
    anchors: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    short: dict[int, frozenset[str]] = field(default_factory=dict)
    anchor_words: frozenset[str] = frozenset()
    gram_words: frozenset[str] = frozenset()  # one rare word of every n-gram: a cheap pre-test
    _gram_texts: list[list[str]] = field(default_factory=list)
    prefilter: Any = None  # the batch pre-test (``prefilter.Prefilter``), built when first used

    def add(self, item: EvalItem) -> None:
        index = len(self.items)
        self.items.append(item)
        n = self.settings.ngram
        if len(item.question) >= self.settings.min_words:
            self.exact[" ".join(item.question)].append(index)
        long_enough = False
        for text in (item.question, item.answer):
            for start in range(len(text) - n + 1):
                self.grams[hash(tuple(text[start:start + n]))].append(index)
                self._gram_texts.append(text[start:start + n])
                long_enough = True
        if not long_enough and len(item.question) >= self.settings.min_words:
            self.short[index] = frozenset(item.question)

    def finish(self) -> Fingerprints:
        """Index each short question by the fewest of its words that any near duplicate must
        share: with Jaccard >= t, at most floor((1 - t) * k) of its k distinct words can be
        missing from the other question, so one of its floor((1 - t) * k) + 1 rarest words (by
        how many evaluation questions use them) is always there."""
        used: Counter[str] = Counter(w for item in self.items
                                     for w in {*item.question, *item.answer})
        self.gram_words = frozenset(min(gram, key=lambda w: (used[w], w))
                                    for gram in self._gram_texts)
        self._gram_texts = []
        frequency: Counter[str] = Counter(w for known in self.short.values() for w in known)
        for index, known in self.short.items():
            need = int((1 - self.settings.near) * len(known) + 1e-9) + 1
            for word in sorted(known, key=lambda w: (frequency[w], w))[:need]:
                self.anchors[word].append(index)
        self.anchor_words = frozenset(self.anchors)
        return self


def build(items: Iterable[EvalItem], settings: Settings) -> Fingerprints:
    prints = Fingerprints(settings)
    for item in items:
        prints.add(item)
    return prints.finish()


def item_of(source: str, location: str, line: int | None, question: str, answer: str
            ) -> EvalItem:
    return EvalItem(source, location, line, words(question), words(answer))


def to_plain(items: Sequence[EvalItem]) -> list[list[Any]]:
    """For the cache: the items as JSON-friendly rows (fingerprints are rebuilt from them)."""
    return [[i.location, i.line, i.question, i.answer] for i in items]


def from_plain(source: str, rows: Iterable[Sequence[Any]]) -> list[EvalItem]:
    return [EvalItem(source, str(r[0]), r[1] if isinstance(r[1], int) else None,
                     [str(w) for w in r[2]], [str(w) for w in r[3]]) for r in rows]
