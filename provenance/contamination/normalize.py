"""Text as the matchers compare it: case, punctuation and spacing do not make two items differ.

The same normalisation as GPT-3's and lm-evaluation-harness's decontamination: lower case, every
punctuation character a space, runs of white space one separator, then words.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w\s]+")


def words(text: str) -> list[str]:
    """``text``'s normalised words; compatibility forms folded (``ﬁ`` is ``fi``, full-width
    letters are letters)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _NOT_WORD.sub(" ", text.casefold()).split()
