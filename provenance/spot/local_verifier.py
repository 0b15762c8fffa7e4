"""The embedded ``local`` verifier: is an answer grounded in its record's context, without a model?

Deterministic and standard-library only, so the quick start and ``examples/`` work offline and a
verdict never changes between runs, machines or Python versions (it feeds a verdict cache keyed by
``VERIFIER_ID``). The check, strongest evidence first:

1. the answer span appears in a passage after normalisation (case, accents, punctuation,
   whitespace, ``1,000`` == ``1000``), or nearly does (a fuzzy window match);
2. every number in the answer appears in the context (a missing one is never "supported");
3. multi-word capitalised names and number words ("three") in the answer appear in the context
   (a missing one caps the verdict at unsure);
4. otherwise, the share of the answer's content words that the context contains.

It judges lexical grounding, not truth: a paraphrase scores lower than a copied span, and a
negation or a wrong relation between correct words is not detected.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches
from functools import lru_cache
from typing import Any

__all__ = [
    "NEAR_MATCH_RATIO",
    "SUPPORTED_OVERLAP",
    "UNSUPPORTED_OVERLAP",
    "VERIFIER_ID",
    "Verdict",
    "context_passages",
    "verify",
]

#: Versioned: change the suffix whenever a verdict could change, since it keys the verdict cache.
VERIFIER_ID = "qa-provenance/local-grounding@1"

SUPPORTED = "supported"
UNSUPPORTED = "unsupported"
UNSURE = "unsure"

#: Share of the answer's content tokens found in the context at or above which it is supported.
SUPPORTED_OVERLAP = 0.8
#: Share below which it is unsupported; in between is unsure. Also the score floor of "unsure".
UNSUPPORTED_OVERLAP = 0.5
#: difflib ratio between the answer and a same-sized passage window that counts as a near match.
NEAR_MATCH_RATIO = 0.9
#: Score of verdicts that carry no evidence either way (no context, yes/no answers).
NEUTRAL_SCORE = 0.5
#: In a near match, an answer word missing from the window must be at least this similar to one
#: of the window's words (a respelling), or the match is rejected (a substitution).
RESPELLING_RATIO = 0.8
#: Answers longer than this (in tokens) are paraphrases, not spans: no fuzzy window search.
NEAR_MATCH_MAX_TOKENS = 40
#: At most this many windows (those sharing the most words) go to SequenceMatcher per record, so
#: a long context or a common anchor word cannot make one record slow.
NEAR_MATCH_MAX_WINDOWS = 4
#: Answers up to this many characters are compared character by character, longer ones by word.
NEAR_MATCH_CHAR_LIMIT = 100
#: Passages prepared once and reused: SQuAD-style files ask many questions of one paragraph.
PASSAGE_CACHE_SIZE = 256
#: Multi-line answers up to this many tokens are also tried line by line (SQuAD keeps several
#: gold spans per question; a reader joins them with newlines).
MULTI_ANSWER_MAX_TOKENS = 120
#: Missing numbers named in a rationale, at most.
MAX_NAMED = 3
#: Text with more than one non-ASCII character in about this many (judged by its UTF-8 length) is
#: normalised whole, not run by run: accented scripts, rather than English with a few quotes.
DENSE_NON_ASCII = 20
#: Strings longer than this are never parsed as list literals (parsing cost grows with size).
MAX_LITERAL_CHARS = 4_000_000
#: Nesting depth followed when flattening a context value.
MAX_CONTEXT_DEPTH = 8

# Han, kana, Hangul syllables and CJK compatibility/extension blocks: each character is a token,
# since these scripts do not separate words with spaces.
_CJK = (
    "\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"
)
# A number (decimal point allowed), one CJK character, or a run of letters. Digits split words
# ("A2A" -> a, 2, a) so numbers are checked wherever they occur; apostrophes split possessives.
_TOKEN = re.compile(rf"\d+(?:\.\d+)?|[{_CJK}]|[^\W\d_{_CJK}]+")
# The same tokens for ASCII text, about twice as fast: most contexts are ASCII.
_ASCII_TOKEN = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)?")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# Combining diacritics (U+0300-U+036F) only: Latin, Greek and Cyrillic accents, Vietnamese tone
# marks, the Turkish dot. Marks of Indic or Arabic scripts are letters' vowels and are kept.
_ACCENTS = re.compile("[\u0300-\u036f]+")
# Latin letters that carry a stroke or are dotless rather than a combining accent.
_LETTER_FOLDS = (("\u0131", "i"), ("ø", "o"), ("đ", "d"), ("ł", "l"), ("ħ", "h"), ("ŧ", "t"))
# Spacing modifier letters (U+02B0-U+02FF) are letters to Unicode but apostrophes to readers.
_MODIFIERS = re.compile("[\u02b0-\u02ff]")
# Markdown/numbered list markers at line starts: "1." is layout, not a number to ground.
_LIST_MARKER = re.compile(r"(?m)^[ \t]*(?:\d{1,3}[.)]|[-*+\u2022])[ \t]+")
# Words that may start a name: a letter that is not a lower-case ASCII one (checked further).
_NAME_WORD = re.compile(r"\b[^\W\d_a-z][^\W\d_]*")


def _words(words: str) -> list[str]:
    return words.split()


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS = _wordset(
    """a an the of in on at to for from by with without and or but nor so as than then that this
    these those there here is are was were be been being am it its he she they them his her
    hers him their theirs we us our you your i me my mine do does did done has have had having
    which who whom whose what when where why how also can could would should will shall may might
    must about over under into onto out up down such very just only other another each any all
    some both more most s t d ll re ve m th st nd rd if because while after before during since
    per via yes
    的 了 是 在 和 与 及 或 也 都 就 之"""
)
# Capitalised words that start sentences rather than names; stripped from the start of a name.
_NAME_EDGE_WORDS = _STOPWORDS | _wordset(
    """many several however although additionally furthermore moreover finally first second
    third overall therefore thus according based"""
)
# Lower-case particles inside names: "Duke of Normandy", "Ludwig van Beethoven".
_NAME_CONNECTORS = _wordset("of de du da del della der den van von la le di al bin ibn y")
# Words a near match must not change: negations and number words ("two" for "three").
_CRITICAL = _wordset(
    """not no never nor neither none cannot zero one two three four five six seven eight nine ten
    eleven twelve twenty thirty forty fifty hundred thousand million billion trillion first second
    third fourth fifth once twice half"""
)
# Number words, with their digits: a missing one caps the verdict at unsure, like a name. ("one"
# is left out: it is a pronoun as often as a number.)
_NUMBER_WORDS = dict(zip(
    _words("""zero two three four five six seven eight nine ten eleven twelve twenty thirty forty
    fifty sixty seventy eighty ninety"""),
    _words("0 2 3 4 5 6 7 8 9 10 11 12 20 30 40 50 60 70 80 90"),
))
_DIGIT_WORDS = {digits: word for word, digits in _NUMBER_WORDS.items()}
_YES_NO = frozenset({"yes", "no"})
_ARTICLES = frozenset({"a", "an", "the"})
# Keys whose value is the passage text when a context item is a mapping.
_TEXT_KEYS = ("text", "content", "page_content", "context", "passage", "body")


@dataclass(frozen=True)
class Verdict:
    """One judgement; score bands match the verdict (>= 0.8 supported, < 0.5 unsupported)."""

    verdict: str  # "supported" | "unsupported" | "unsure"
    score: float  # 0..1, support strength
    rationale: str  # one short sentence for a report


# ------------------------------------------------------------------------------------------
# context shapes


def context_passages(value: Any) -> list[str]:
    """A record's context field as a list of passages, whatever shape the format stores it in.

    Strings that hold a Python-repr or JSON list (ragas CSV cells, numpy reprs without commas
    included) are parsed as literals, never evaluated; HotpotQA ``[title, [sentences]]`` pairs
    become ``"title: sentence sentence"``; mappings give their text values; None gives none.
    """
    out: list[str] = []
    _collect(value, out, 0)
    return out


def _collect(value: Any, out: list[str], depth: int) -> None:
    if value is None or depth > MAX_CONTEXT_DEPTH:
        return
    if isinstance(value, str):
        items = _literal_list(value)
        if items is None:
            if value.strip():
                out.append(value)
        else:
            for item in items:
                _collect(item, out, depth + 1)
    elif isinstance(value, Mapping):
        _collect_mapping(value, out, depth)
    elif isinstance(value, (list, tuple)):
        if _is_titled(value):
            out.append(_titled(value[0], value[1]))
            return
        for item in value:
            _collect(item, out, depth + 1)
    elif isinstance(value, (bytes, bytearray)):
        _collect(bytes(value).decode("utf-8", "replace"), out, depth)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(str(value))


def _collect_mapping(value: Mapping[Any, Any], out: list[str], depth: int) -> None:
    titles, sentences = value.get("title"), value.get("sentences")
    if (isinstance(titles, list) and isinstance(sentences, list)
            and len(titles) == len(sentences)):  # HotpotQA as Hugging Face stores it
        pairs = list(zip(titles, sentences))
        if all(_is_titled(pair) for pair in pairs):
            out.extend(_titled(title, sents) for title, sents in pairs)
            return
    keys = [key for key in _TEXT_KEYS if key in value] or list(value)
    for key in keys:
        _collect(value[key], out, depth + 1)


def _is_titled(value: Sequence[Any]) -> bool:
    return (len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], (list, tuple))
            and all(isinstance(s, str) for s in value[1]))


def _titled(title: str, sentences: Iterable[str]) -> str:
    body = " ".join(s.strip() for s in sentences if s.strip())
    return f"{title.strip()}: {body}" if title.strip() else body


def _literal_list(text: str) -> list[Any] | None:
    """The items of a string that is a list literal, else None; nothing is ever executed."""
    s = text.strip()
    if len(s) < 2 or len(s) > MAX_LITERAL_CHARS or s[0] not in "[(" or s[-1] not in "])":
        return None
    if s[0] == "[":
        try:
            parsed = json.loads(s)
        except (ValueError, RecursionError):
            pass
        else:
            return parsed if isinstance(parsed, list) else None
    strings = _string_items(s)
    if strings is not None:
        return strings
    try:
        literal = ast.literal_eval(s)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return list(literal) if isinstance(literal, (list, tuple)) else None


def _string_items(s: str) -> list[Any] | None:
    """Items of a bracketed sequence of string literals, with or without commas.

    numpy prints arrays of strings as ``['a'\\n 'b']``; ``ast.literal_eval`` would glue those into
    one string, so each string token is read on its own.
    """
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(s).readline)
                  if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError):
        return None
    if len(tokens) < 2 or (tokens[0].string, tokens[-1].string) not in (("[", "]"), ("(", ")")):
        return None
    items: list[Any] = []
    for token in tokens[1:-1]:
        if token.type == tokenize.OP and token.string == ",":
            continue
        if token.type != tokenize.STRING:
            return None
        try:
            item = ast.literal_eval(token.string)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        if not isinstance(item, str):
            return None
        items.append(item)
    return items


# ------------------------------------------------------------------------------------------
# normalisation


def _tokens(text: str) -> list[str]:
    """Tokens for matching only: NFKC, casefolded, accents off, ``1,000`` read as ``1000``.

    ASCII text skips Unicode normalisation; mostly-ASCII text has only its non-ASCII runs
    normalised (cached per run); either, and Latin-script text once its accents are off, then
    takes the faster ASCII tokenizer. CJK characters are one token each.
    """
    if not text.isascii():
        # Accented scripts fold faster as a whole; mostly-ASCII text (PDF ligatures, quotes)
        # faster run by run. UTF-8 bytes beyond one per character estimate which it is.
        if (len(text.encode("utf-8")) - len(text)) * DENSE_NON_ASCII > len(text):
            text = _fold_letters(_ACCENTS.sub("", unicodedata.normalize("NFKD", text).casefold()))
        if not text.isascii():
            text = _NON_ASCII.sub(_fold_match, text)
    folded = text.lower()
    if "," in folded:
        folded = _THOUSANDS.sub("", folded)
    return (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)


def _fold_match(match: re.Match[str]) -> str:
    return _fold_run(match.group())


@lru_cache(maxsize=1 << 16)
def _fold_run(run: str) -> str:
    """A run of non-ASCII characters, normalised: letters casefolded without their accents,
    digits and marks kept, and anything else (quotes, dashes, symbols, and the apostrophe-like
    modifier letters of "Ibn ʿArabi") a space."""
    folded = unicodedata.normalize("NFKC", run).casefold()
    folded = unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFD", folded)))
    folded = _fold_letters(folded)
    if folded.isalnum() and not _MODIFIERS.search(folded):
        return folded
    return "".join(c if (c.isalnum() and not _MODIFIERS.match(c))
                   or unicodedata.category(c)[0] == "M" or c in ".," else " " for c in folded)


def _fold_letters(text: str) -> str:
    for letter, plain in _LETTER_FOLDS:
        if letter in text:
            text = text.replace(letter, plain)
    return text


def _stem(token: str) -> str:
    """Fold a plain English plural so "chloroplasts" meets "chloroplast"."""
    if len(token) > 3 and token[-1] == "s" and token[-2] != "s" and token.isascii():
        return token[:-1]
    return token


@dataclass(frozen=True)
class _Passage:
    tokens: tuple[str, ...]
    joined: str  # " tok tok tok ": token-boundary substring search
    vocab: frozenset[str]
    stems: frozenset[str]


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _prepare(text: str) -> _Passage:
    tokens = tuple(_tokens(text))
    vocab = frozenset(tokens)
    # Every token and its singular: a superset of the stems, built without a call per token.
    stems = vocab.union([_stem(t) for t in vocab if t[-1] == "s"])
    return _Passage(tokens, f" {' '.join(tokens)} ", vocab, stems)


# ------------------------------------------------------------------------------------------
# the check


def verify(question: str, answer: str, context: list[str]) -> Verdict:
    """Judge whether ``answer`` is grounded in ``context``; ``question`` only excuses restatements.

    Words, numbers and names the answer takes from the question are not held against it, and
    do not count as evidence either, unless the answer has nothing else.
    """
    text = _LIST_MARKER.sub("", answer.strip())
    tokens = _tokens(text)
    if not tokens:
        return Verdict(UNSUPPORTED, 0.0, "empty answer" if not answer.strip()
                       else "the answer has no words or numbers to check")
    passages = [_prepare(p) for p in context]  # kept in order: rationales cite context numbers
    if not any(p.tokens for p in passages):
        return Verdict(UNSURE, NEUTRAL_SCORE, "no context to check the answer against")
    if len(tokens) == 1 and tokens[0] in _YES_NO:
        return Verdict(UNSURE, NEUTRAL_SCORE, "yes/no answers cannot be grounded by matching")
    if len(tokens) > 1 and tokens[0] in _YES_NO:
        tokens = tokens[1:]  # "Yes, the Normans ..." is grounded by what follows

    exact = _exact(text, tokens, passages, context)
    if exact is not None:
        return exact

    question_tokens = _tokens(question)
    asked = frozenset(question_tokens)
    share = _overlap(tokens, asked, passages)

    numbers = [n for n in dict.fromkeys([t for t in tokens if t[0].isdigit()])
               if n not in asked and not _in_vocab(n, _DIGIT_WORDS.get(n, n), passages)]
    if numbers:
        shown = ", ".join(numbers[:MAX_NAMED])
        more = f" and {len(numbers) - MAX_NAMED} more" if len(numbers) > MAX_NAMED else ""
        label = "number" if len(numbers) == 1 else "numbers"
        return _banded(UNSUPPORTED, share, f"{label} {shown}{more} not in the context")

    asked_joined = f" {' '.join(question_tokens)} "
    absent = [name for name, needle in _names(text)
              if needle not in asked_joined and not any(needle in p.joined for p in passages)]
    absent += [word for word in dict.fromkeys([t for t in tokens if t in _NUMBER_WORDS])
               if word not in asked and not _in_vocab(word, _NUMBER_WORDS[word], passages)]
    missing = f"'{absent[0]}' not in the context" if absent else ""

    ratio, where = _near_match(tokens, passages)
    if ratio >= NEAR_MATCH_RATIO:
        if missing:
            return _banded(UNSURE, ratio, f"{missing}, though the answer nearly matches it")
        return _banded(SUPPORTED, ratio,
                       f"answer nearly matches context {where + 1} (similarity {ratio:.2f})")

    percent = f"{int(share * 100)}% of answer tokens appear in the context"
    if share < UNSUPPORTED_OVERLAP:
        return _banded(UNSUPPORTED, share, f"only {percent}")
    if missing:
        return _banded(UNSURE, share, f"{missing} ({percent})")
    if share >= SUPPORTED_OVERLAP:
        return _banded(SUPPORTED, share, percent)
    return _banded(UNSURE, share, f"only {percent}")


def _exact(text: str, tokens: list[str], passages: Sequence[_Passage],
           raw: Sequence[str]) -> Verdict | None:
    """Supported when the answer (or every line of a short multi-answer list) is a passage span.

    A leading article is not part of the span: "An IBM 1401." matches "the IBM 1401".
    """
    span = tokens[1:] if len(tokens) > 1 and tokens[0] in _ARTICLES else tokens
    needle = f" {' '.join(span)} "
    for index, passage in enumerate(passages):
        if needle in passage.joined:
            literal = text.rstrip(".!?。").strip()
            verbatim = bool(literal) and literal in raw[index]
            how = "verbatim" if verbatim else "after normalising case, accents and punctuation"
            return Verdict(SUPPORTED, 1.0, f"answer span found {how} in context {index + 1}")
    if "\n" in text and len(tokens) <= MULTI_ANSWER_MAX_TOKENS:
        needles = [f" {' '.join(_tokens(line))} " for line in text.splitlines() if line.strip()]
        if all(n.strip() and any(n in p.joined for p in passages) for n in needles):
            return Verdict(SUPPORTED, 1.0, "every line of the answer found in the context")
    return None


def _overlap(tokens: Sequence[str], asked: frozenset[str],
             passages: Sequence[_Passage]) -> float:
    """Share of the answer's own content words (plural-folded) that the context contains."""
    unique = set(tokens)
    content = {_stem(t) for t in unique - _STOPWORDS} or {_stem(t) for t in unique}
    own = content - {_stem(t) for t in asked} or content
    missing = set(own)
    for passage in passages:
        missing -= passage.stems
        if not missing:
            break
    missing = {t for t in missing  # "two" in the answer, "2" in the context, or the reverse
               if not _in_vocab(t, _NUMBER_WORDS.get(t) or _DIGIT_WORDS.get(t, t), passages)}
    return 1.0 - len(missing) / len(own)


def _in_vocab(token: str, other: str, passages: Sequence[_Passage]) -> bool:
    """Whether a token, or its other spelling ("two" / "2"), is a word of some passage."""
    return any(token in p.vocab or other in p.vocab for p in passages)


def _names(text: str) -> list[tuple[str, str]]:
    """Multi-word capitalised names in the answer: (as written, normalised " tok tok ")."""
    text = unicodedata.normalize("NFKC", text)
    out: dict[str, str] = {}
    run: list[re.Match[str]] = []
    for match in _NAME_WORD.finditer(text):
        if not match.group()[0].isupper():  # a non-ASCII lower-case or uncased letter
            if run:
                _close(text, run, out)
                run = []
        elif run and _joins(text[run[-1].end():match.start()]):
            run.append(match)
        else:
            _close(text, run, out)
            run = [match]
    _close(text, run, out)
    return list(out.items())


def _joins(gap: str) -> bool:
    """Whether two capitalised words belong to one name: a space, hyphen, or "of"-like particle."""
    if gap == "-" or (gap.isspace() and "\n" not in gap):
        return True
    return (gap[:1].isspace() and gap[-1:].isspace() and "\n" not in gap
            and all(word in _NAME_CONNECTORS for word in gap.split()))


def _close(text: str, run: list[re.Match[str]], out: dict[str, str]) -> None:
    start = 0
    while start < len(run) and run[start].group().casefold() in _NAME_EDGE_WORDS:
        start += 1
    if len(run) - start >= 2:
        name = text[run[start].start():run[-1].end()]
        out.setdefault(name, f" {' '.join(_tokens(name))} ")


def _near_match(tokens: Sequence[str], passages: Sequence[_Passage]) -> tuple[float, int]:
    """Best difflib ratio of the answer against same-sized passage windows, and the passage.

    Windows are aligned on the answer's first or last word (its first or last content word,
    when it starts or ends with "the" and the like, which would anchor everywhere); those that
    share half their words, and exactly its numbers and negations, with the answer are ranked
    by shared words, and only the best few go to SequenceMatcher; a match must differ from the
    window by respellings only. Short answers are compared
    character by character (spelling variants), long ones word by word: one differing word
    already shows there, and character matching of long strings is slow.
    """
    size = len(tokens)
    if size < 2 or size > NEAR_MATCH_MAX_TOKENS:
        return 0.0, -1
    content = [i for i, t in enumerate(tokens) if t not in _STOPWORDS] or [0, size - 1]
    head, tail = content[0], content[-1]
    wanted = frozenset(tokens)
    critical = sorted(t for t in tokens if t in _CRITICAL or t[0].isdigit())
    widths = (size - 1, size, size + 1)
    ranked: list[tuple[int, int, int, int]] = []  # (-shared words, passage, start, end)
    for index, passage in enumerate(passages):
        words = passage.tokens
        if tokens[head] not in passage.vocab and tokens[tail] not in passage.vocab:
            continue
        spans: set[tuple[int, int]] = set()
        for position, token in enumerate(words):
            if token == tokens[head]:
                spans.update((position - head, position - head + w) for w in widths)
            if token == tokens[tail]:
                spans.update((position + size - tail - w, position + size - tail) for w in widths)
        for start, end in spans:
            if start < 0 or end > len(words):
                continue
            window = words[start:end]
            shared = sum(1 for t in window if t in wanted)
            if shared * 2 >= max(len(window), size) and critical == sorted(
                    t for t in window if t in _CRITICAL or t[0].isdigit()):
                ranked.append((-shared, index, start, end))
    if not ranked:
        return 0.0, -1
    by_char = sum(map(len, tokens)) + size <= NEAR_MATCH_CHAR_LIMIT
    matcher: SequenceMatcher[Any] = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(" ".join(tokens) if by_char else list(tokens))  # seq2 is indexed once
    best, where = 0.0, -1
    for _, index, start, end in sorted(ranked)[:NEAR_MATCH_MAX_WINDOWS]:
        window = passages[index].tokens[start:end]
        matcher.set_seq1(" ".join(window) if by_char else list(window))
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            ratio = matcher.ratio()
            if ratio > best and (ratio < NEAR_MATCH_RATIO or _respelled(tokens, window)):
                best, where = ratio, index
    return best, where


def _respelled(tokens: Sequence[str], window: Sequence[str]) -> bool:
    """Whether every content word of the answer is in the window, or a respelling of one of its
    words ("organisation", "Herbart"), not a different word ("British" for "American")."""
    present = set(window) | {_stem(t) for t in window}
    others = [w for w in window if w not in tokens]
    for token in tokens:
        if token in _STOPWORDS or token in present or _stem(token) in present:
            continue
        if not get_close_matches(token, others, n=1, cutoff=RESPELLING_RATIO):
            return False
    return True


def _banded(verdict: str, score: float, rationale: str) -> Verdict:
    """Keep the score inside its verdict's band, so score and verdict never disagree."""
    if verdict == SUPPORTED:
        score = max(score, SUPPORTED_OVERLAP)
    elif verdict == UNSURE:
        score = min(max(score, UNSUPPORTED_OVERLAP), SUPPORTED_OVERLAP - 0.01)
    else:
        score = min(score, UNSUPPORTED_OVERLAP - 0.01)
    return Verdict(verdict, round(score, 3), rationale)
