"""Question text as the diversity metrics see it: normalised, reduced to a canonical form, typed.

Pure functions, no I/O. Normalisation is what makes two spellings of one question count as one:
Unicode NFKC, case folded, every run of non-alphanumeric characters a single space.
"""

from __future__ import annotations

import re
import unicodedata
from hashlib import blake2b

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

WH_TYPES = ("who", "what", "when", "where", "why", "how", "which", "yes-no", "other")
_WH = {"who": "who", "whom": "who", "whose": "who", "what": "what", "when": "when",
       "where": "where", "why": "why", "how": "how", "which": "which"}
# A question opening with an auxiliary verb asks for yes or no ("is", "did", "can" ...).
_AUXILIARIES = frozenset(
    "is are was were am be do does did can could will would shall should may might must has "
    "have had isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't"
    .replace("'", " ").split())
# Words a light edit adds or drops without changing what is asked: ignored by the canonical form.
STOPWORDS = frozenset((
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or",
    "is", "are", "was", "were", "be", "been", "do", "does", "did", "s", "that", "this", "these",
    "those", "it", "its", "as", "into", "about"))
# The wh-word may follow a short lead-in: "in which year", "according to the text what".
WH_LEAD_IN = 4


def normalise(text: str) -> str:
    """Case, width and punctuation folded away; words separated by single spaces."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def canonical(normalised: str) -> str:
    """The words that carry the question, without stop words, sorted and each once.

    Two questions with the same canonical form differ only by word order, repeated words,
    articles, auxiliaries or punctuation: the near duplicates a light rewrite makes."""
    return " ".join(sorted({w for w in normalised.split() if w not in STOPWORDS}))


def question_type(normalised: str) -> str:
    """who/what/when/where/why/how/which, yes-no, or other.

    The opening word decides; when it is neither a wh-word nor an auxiliary, a wh-word among
    the first ``WH_LEAD_IN`` words does ("in which year ...")."""
    words = normalised.split()
    if not words:
        return "other"
    if words[0] in _WH:
        return _WH[words[0]]
    if words[0] in _AUXILIARIES:
        return "yes-no"
    for word in words[1:WH_LEAD_IN]:
        if word in _WH:
            return _WH[word]
    return "other"


def digest64(text: str) -> int:
    """A stable 64-bit hash (unlike ``hash``, the same in every process and run)."""
    return int.from_bytes(blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


_MASK = (1 << 64) - 1
_WORD_CACHE_MAX = 1 << 18  # words are Zipf-distributed: a bounded cache holds the frequent ones
_words: dict[str, int] = {}


def word_hash(word: str) -> int:
    known = _words.get(word)
    if known is None:
        known = digest64(word)
        if len(_words) < _WORD_CACHE_MAX:
            _words[word] = known
    return known


def bigram_hashes(normalised: str) -> list[int]:
    """A stable 64-bit hash of each pair of consecutive words: the two words' hashes combined
    and mixed by SplitMix64's finaliser, a few integer operations instead of one digest each."""
    hashes = [word_hash(w) for w in normalised.split()]
    out = []
    for a, b in zip(hashes, hashes[1:]):
        x = (a * 0x9E3779B97F4A7C15 + b) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        out.append(x ^ (x >> 31))
    return out


def fold(text: str) -> str:
    """Case folded, runs of white space made one space: cheap enough for long passages, which
    keep their punctuation (an answer is looked for in them as written)."""
    return " ".join(text.casefold().split())
