r"""Spellings that look alike are one spelling: invisible characters and homoglyphs folded.

``g\u200bpt-4o`` (a zero-width space), ``gpt\u00ad-4o`` (a soft hyphen) and ``g\u0440t-4o`` (a
Cyrillic ``\u0440``) render as ``gpt-4o`` and must compare as it. :func:`fold` removes format
characters (Unicode category Cf: zero-width spaces and joiners, soft hyphens, bidirectional
marks) and the other default-ignorable code points, applies NFKC (full-width letters) and case
folding, and then replaces each non-ASCII character that Unicode's confusables data (UTS #39,
``confusables.txt``) lists as a look-alike of an ASCII character by that character.

The confusables data comes from ``confusable_homoglyphs`` (pure Python, MIT, the Unicode data as
JSON, no dependencies), imported only for an id that is not plain ASCII: the common id costs one
``str.isascii``. :func:`mixed_scripts` then says whether what is left still mixes writing systems
(Latin with Cyrillic, say) beyond the combinations UTS #39 calls highly restrictive (Latin with
Han and Japanese kana, with Han and Bopomofo, or with Han and Hangul): rule QP017.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

__all__ = ["fold", "invisible", "mixed_scripts"]

# Default-ignorable code points outside category Cf (DerivedCoreProperties.txt): they render as
# nothing, so they are removed like the format characters.
_IGNORABLE = frozenset((0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,
                        *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)))
_NEUTRAL = frozenset({"COMMON", "INHERITED", "Unknown"})
# UTS #39 "highly restrictive": one script, or Latin with one of these sets (Han and kana are
# written together in Japanese, Han with Bopomofo in Chinese, Han with Hangul in Korean).
_ALLOWED_SETS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)


def invisible(char: str) -> bool:
    """A character that renders as nothing: a format character or a default-ignorable one."""
    return unicodedata.category(char) == "Cf" or ord(char) in _IGNORABLE


@lru_cache(maxsize=8192)
def fold(raw: str) -> str:
    """``raw`` without invisible characters, NFKC-normalised, case-folded, and with look-alikes
    of ASCII characters replaced by them."""
    if raw.isascii():
        return raw.casefold()
    visible = "".join(char for char in raw if not invisible(char))
    text = unicodedata.normalize("NFKC", visible).casefold()
    if text.isascii():
        return text
    table = _ascii_lookalikes()
    folded = "".join(table.get(char, char) for char in text)
    return unicodedata.normalize("NFKC", folded).casefold()


def mixed_scripts(raw: str) -> tuple[str, ...]:
    """The scripts of ``raw`` once folded, when they mix beyond what UTS #39 allows; else ().

    An id written in one script is never reported, even where folding turned some of its letters
    into Latin ones (a Cyrillic name has letters that look Latin and others that do not)."""
    text = fold(raw)
    if text.isascii() or not _mixed(_scripts(unicodedata.normalize("NFKC", raw))):
        return ()
    scripts = _scripts(text)
    return tuple(sorted(scripts)) if _mixed(scripts) else ()


def _mixed(scripts: frozenset[str]) -> bool:
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_SETS)


def _scripts(text: str) -> frozenset[str]:
    from confusable_homoglyphs import categories  # type: ignore[import-untyped]

    return frozenset(categories.alias(char) for char in text) - _NEUTRAL


@lru_cache(maxsize=1)
def _ascii_lookalikes() -> dict[str, str]:
    """Each non-ASCII character of the confusables data that looks like an ASCII character (or
    a short ASCII sequence), mapped to it."""
    from confusable_homoglyphs import confusables

    data: dict[str, Any] = confusables.confusables_data
    table: dict[str, str] = {}
    for key, glyphs in data.items():
        char = "".join(c for c in key if not invisible(c))
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            # The data wraps right-to-left characters in LEFT-TO-RIGHT MARKs (Cf): drop them.
            target = "".join(c for c in str(glyph.get("c", "")) if not invisible(c))
            if target and target.isascii() and target.isprintable():
                table[char] = target
                break
    return table
