"""The per-file diversity accumulator: fed every record once, keeps sketches and counters only.

``Diversity.add`` is called for each record of the record pass (``observe`` wraps the pass's
record stream, so the per-record scan itself is unchanged); ``merge`` combines the accumulators of
consecutive parts of a file, or of the files of a folder, into exactly what one pass over all of
them gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from provenance.diversity.sketch import DEFAULT_K, BottomK
from provenance.diversity.text import (
    bigram_hashes,
    canonical,
    digest64,
    fold,
    normalise,
    question_type,
)
from provenance.reading.profiles import Profile, extract

POSITION_BINS = 5  # answer positions by fifth of the context: 0-20 %, ..., 80-100 %
# Answers that say yes or no are found in nearly every passage and placed nowhere.
_NOT_EXTRACTIVE = frozenset({"yes", "no", "true", "false"})
_EDGES = "".join(chr(c) for c in range(128) if not chr(c).isalnum())  # stripped off answers


@dataclass(frozen=True)
class Fields:
    """Where a record keeps its question, answer and context (from its profile)."""

    question: str | None
    answer: str | None
    context: str | None

    @classmethod
    def of(cls, profile: Profile) -> Fields:
        return cls(profile.question, profile.answer, profile.context)

    def get(self, record: Any, path: str | None) -> Any:
        """``profiles.extract``, with a plain key looked up directly."""
        if path is not None and isinstance(record, dict) and "." not in path \
                and "[]" not in path:
            return record.get(path)
        return extract(record, path)


@dataclass
class Diversity:
    fields: Fields
    k: int = DEFAULT_K
    records: int = 0
    questions: int = 0  # records with a non-empty question
    exact: BottomK = field(init=False)  # normalised questions
    near: BottomK = field(init=False)  # canonical forms
    pairs: BottomK = field(init=False)  # distinct word bigrams of the questions
    contexts: BottomK = field(init=False)  # passages, with the questions citing each
    types: Counter[str] = field(default_factory=Counter)
    with_context: int = 0
    answered: int = 0  # questions with an answer and a context to look for it in
    positions: list[int] = field(default_factory=lambda: [0] * POSITION_BINS)

    def __post_init__(self) -> None:
        self.exact, self.near = BottomK(self.k), BottomK(self.k)
        self.pairs, self.contexts = BottomK(self.k), BottomK(self.k)
        self._last_passages: tuple[Any, list[str]] = (None, [])

    def add(self, record: Any) -> None:
        self.records += 1
        fields = self.fields
        question = _first_text(fields.get(record, fields.question))
        if not question:
            return
        text = normalise(question)
        if not text:
            return
        self.questions += 1
        self.exact.add(digest64(text))
        self.near.add(digest64(canonical(text)))
        self.pairs.update(bigram_hashes(text))
        self.types[question_type(text)] += 1
        passages = self._passages(fields.get(record, fields.context))
        if not passages:
            return
        self.with_context += 1
        for passage in dict.fromkeys(passages):
            self.contexts.add(digest64(passage))
        answer = fold(_first_text(fields.get(record, fields.answer))).strip(_EDGES)
        if answer and answer not in _NOT_EXTRACTIVE:
            self.answered += 1
            where = answer_position(answer, passages)
            if where is not None:
                self.positions[min(POSITION_BINS - 1, int(where * POSITION_BINS))] += 1

    def _passages(self, value: Any) -> list[str]:
        """The record's context as folded passages (``fold``: case and white space, not
        punctuation, which long passages would pay a regular expression for); consecutive
        records of one paragraph (SQuAD) share the work."""
        if value is None:
            return []
        last_value, last = self._last_passages
        if value is last_value or (isinstance(value, str) and value == last_value):
            return last
        items = value if isinstance(value, list) else [value]
        passages = [p for p in (fold(_text(item)) for item in items) if p]
        self._last_passages = (value, passages)
        return passages

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_last_passages", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._last_passages = (None, [])


def observe(records: Iterable[tuple[Any, Any]], diversity: Diversity
            ) -> Iterator[tuple[Any, Any]]:
    """The record stream unchanged, each record shown to ``diversity`` on the way."""
    add = diversity.add
    for pair in records:
        add(pair[0])
        yield pair


def merge(parts: Sequence[Diversity]) -> Diversity:
    """Consecutive parts of a file, or the files of a folder, as one pass over all of them."""
    out = Diversity(parts[0].fields, min(part.k for part in parts))
    for part in parts:
        out.records += part.records
        out.questions += part.questions
        out.exact = out.exact.merged(part.exact)
        out.near = out.near.merged(part.near)
        out.pairs = out.pairs.merged(part.pairs)
        out.contexts = out.contexts.merged(part.contexts)
        out.types.update(part.types)
        out.with_context += part.with_context
        out.answered += part.answered
        out.positions = [a + b for a, b in zip(out.positions, part.positions)]
    return out


def answer_position(answer: str, passages: list[str]) -> float | None:
    """Where the middle of the answer sits in the first passage holding it, as a fraction of
    that passage (0 = its first character, 1 = its last); None when no passage holds it as
    whole words. The middle, not the start: an answer that is the whole passage (FAQ sets)
    sits at 0.5, not at the start. Both are ``fold``-ed."""
    size = len(answer)
    for passage in passages:
        at = passage.find(answer)
        while at >= 0:
            end = at + size
            if (at == 0 or not passage[at - 1].isalnum()) \
                    and (end == len(passage) or not passage[end].isalnum()):
                return min(1.0, (at + size / 2) / len(passage))
            at = passage.find(answer, at + 1)
    return None


def _first_text(value: Any) -> str:
    """A question or answer: the first non-empty string of a list (SQuAD's answers[].text)."""
    if isinstance(value, list):
        return next((t for t in (_first_text(v) for v in value) if t), "")
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _text(value: Any) -> str:
    """A passage as text: HotpotQA's [title, [sentences]] and lists joined by spaces."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_text(v) for v in value.values())
    return "" if value is None else str(value)
