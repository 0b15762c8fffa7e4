"""The embedded ``local`` verifier: does an answer answer *this question* by its context?

Deterministic and standard-library only, so the quick start and ``examples/`` work offline and a
verdict never changes between runs, machines or Python versions (it feeds a verdict cache keyed by
``VERIFIER_ID``). A short answer must be:

1. found in the context: as a span after normalisation (case, accents, punctuation, ``1,000`` ==
   ``1000``, number words and ordinals as digits, "in the year 911" == 911), respelt by one
   letter ("Alexios"/"Alexius"), or with its words reordered in one sentence;
2. of the type asked (a date for "when", a number for "how many", not a place for "who"...);
3. near the question's numbers, names and negations, and near its words the context holds;
4. for a name or number, not in a sentence that matches the question clearly worse than a
   sentence holding another name or number (candidate ranking).

A long answer is judged by grounding: a near span, every number and name in the context, or
most of its content words. An empty answer to a question the record marks unanswerable is
supported unless a sentence restates the question. Each step is linear in the record's size,
and a record past ``MAX_ITEM_CHARS`` is unsure at once.

It is lexical, not a reader: a wrong value sitting where the question points (in the right
sentence, or in one that matches the question as well), a reversed relation, or an unanswerable
question written to look answerable pass it (see
docs/verifier-quality.md for what it catches, measured).
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import tokenize
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches
from functools import cached_property, lru_cache
from typing import Any

from provenance.spot.question import ASKING as _ASKING_WORDS
from provenance.spot.question import CONTRASTS, Asked, Term, read_question, root
from provenance.spot.question import DATE as DATE_KIND
from provenance.spot.question import NUMBER as NUMBER_KIND
from provenance.spot.question import PERSON as PERSON_KIND
from provenance.spot.question import PLACE as PLACE_KIND
from provenance.spot.question import YES_NO as YES_NO_KIND

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
VERIFIER_ID = "qa-provenance/local-grounding@3"

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
#: Answers of 2 to this many distinct lines, at most MULTI_ANSWER_MAX_CHARS long, are judged
#: line by line, each against the question (longer ones are prose, judged whole).
MAX_ANSWER_LINES = 8
MULTI_ANSWER_MAX_CHARS = 400
#: Missing numbers named in a rationale, at most.
MAX_NAMED = 3
#: Text with more than one non-ASCII character in about this many (judged by its UTF-8 length) is
#: normalised whole, not run by run: accented scripts, rather than English with a few quotes.
DENSE_NON_ASCII = 20
#: Strings longer than this are never parsed as list literals (parsing cost grows with size).
MAX_LITERAL_CHARS = 4_000_000
#: Nesting depth followed when flattening a context value.
MAX_CONTEXT_DEPTH = 8
#: A record whose question, answer and context hold more characters than this is not judged
#: (unsure, with the reason): every step is linear, but one record must not hold up a run.
MAX_ITEM_CHARS = 4_000_000
#: Answers of at most this many tokens (after "in the year" and the like) are spans: located in
#: the context and judged against the question. Longer ones are judged by grounding only.
SPAN_MAX_TOKENS = 12
#: A span of at most this many content words that is not found together in the context is
#: never supported, however many of its words the context has ("Byzantine Greece mercenary").
SHORT_ANSWER_WORDS = 5
#: Places an answer is found at, at most, per record.
MAX_HITS = 16
#: Unknown answer words tried as respellings, at most (each costs one pass over the vocabulary).
MAX_RESPELT = 3
#: Words shorter than this are never respellings ("Rome" is not "Rose").
RESPELLING_MIN_LETTERS = 5
#: Question words at least this long also match a word one letter away ("assimilted").
FUZZY_TERM_LETTERS = 6
#: The answer's sentence may lack some of the question's plain words (crowdworkers reword);
#: it is flagged when it lacks at least this many and more than this share of them.
MIN_WORDS_MISSING = 1
WORDS_MISSING_SHARE = 0.5
#: Whether a number, name or negation of the question that the context lacks altogether still
#: counts against an answer (it may be a rewording, or the sign of an unanswerable question).
ABSENT_TERMS_COUNT = frozenset({"number", "negation"})
#: Sentences before and after the answer's own that may hold the question's terms.
SCOPE_BEFORE = 2
SCOPE_AFTER = 1
#: Candidate ranking (see _rival): a question term in the sentence next to a candidate counts
#: this share of its weight; an answer is flagged when a sentence holding another candidate of
#: its kind scores at least ALIGN_MARGIN more and the answer's best sentence under ALIGN_RATIO
#: of it. A sentence that opens with a pronoun ("It in turn ...") takes ALIGN_ANAPHOR of the terms
#: of the sentence before (tuned after the first held-out run: see docs/verifier-quality.md).
ALIGN_NEIGHBOUR = 0.5
ALIGN_RATIO = 0.65
ALIGN_MARGIN = 0.45
ALIGN_ANAPHOR = 0.75
#: Names of an answer searched as phrases in the context, at most (each search is one pass).
MAX_NAME_SEARCHES = 32

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


# Sentence ends: . ! ? (closing quotes allowed) before a capital, a digit or a quote; or a newline.
_SENTENCE_END = re.compile("(?<=[.!?\u3002])[\"'\u201d\u2019)\\]]*\\s+"
                           "(?=[\"'\u201c\u2018(\\[]?[^\\W_a-z])|\\n\\s*")
# A parenthetical aside in an answer: a gloss or a translation, not part of the span.
_ASIDE = re.compile(r"\s*[(\[\uff08][^()\[\]\uff08\uff09]*[)\]\uff09]")
# "Title: body", the shape context_passages gives HotpotQA passages.
_TITLE = re.compile(r"^([^:\n.]{1,150}):\s")
# Answers that say there is none.
_NO_ANSWER = re.compile(r"(?:no answer|unanswerable|none|n a|not answerable|cannot be answered"
                        r"|not in (?:the )?(?:context|passage|text))")
# Leading words that are not part of the span ("in the year 911", "about 30,000").
_FILLERS = _wordset("""in on at the a an year about around approximately roughly nearly almost
    circa c by some over""")
# Words that make an answer a date or period without a digit ("the early Middle Ages").
_DATE_WORDS = _wordset("""century centuries decade decades year years month months week weeks day
    days era age ages period reign dynasty war wars time times january
    february march april may june july august september october november
    december spring summer autumn fall winter monday tuesday wednesday
    thursday friday saturday sunday morning evening night noon midnight ago
    later earlier before after during until since when while early late mid
    middle medieval ancient modern today now bc ad bce ce afterward
    afterwards then""")
# Words before a name that make it a person: titles and relations ("sister of").
_TITLE_WORDS = _wordset("""king queen duke duchess count countess emperor empress pope saint st
    bishop archbishop abbot lord lady sir prince princess earl baron mr mrs
    ms dr general captain president professor father""")
_RELATION_WORDS = _wordset("""son daughter brother sister wife husband mother father uncle aunt
    nephew niece cousin fiancee fiance widow heir successor leader despot ruler
    student teacher friend""")
# Endings of words for peoples and languages, not places ("Irish", "Japanese", "Albanians").
_PEOPLE_SUFFIXES = ("ish", "ese", "ians")
# Words before a name that make it a place: "in England", "the coast of Africa".
_LOCATIVE_WORDS = _wordset("""in at into throughout within near across""")
_PLACE_WORDS = _wordset("""kingdom coast city town village region county duchy province island
    islands capital east west north south southeast southwest northeast
    northwest part parts border borders shore shores""")
# Words that make an answer a quantity without a digit.
_QUANTITY_WORDS = _wordset("""one single once twice several few many dozen dozens hundreds
    thousands millions billions none all half most some no numerous countless couple majority
    minority""")
# Number words and ordinals read as digits (see _canon).
_NUMBER_VALUES = dict(zip(
    _words("""zero one two three four five six seven eight nine ten eleven twelve
    thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty
    thirty forty fifty sixty seventy eighty ninety"""),
    [*range(20), 20, 30, 40, 50, 60, 70, 80, 90],
))
_ORDINAL_VALUES = dict(zip(
    _words("""first second third fourth fifth sixth seventh eighth ninth tenth
    eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth
    eighteenth nineteenth twentieth thirtieth fortieth fiftieth sixtieth
    seventieth eightieth ninetieth hundredth"""),
    [*range(1, 21), 30, 40, 50, 60, 70, 80, 90, 100],
))
_SCALES = {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_LONE_WORDS = frozenset({"one", "first", "second"})
_PERIOD_WORDS = _wordset("""century centuries millennium millennia decade decades half quarter""")
_NUMBERISH = (frozenset(_NUMBER_VALUES) | frozenset(_ORDINAL_VALUES) | _ORDINAL_SUFFIXES
              | frozenset(_SCALES))


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
# Words that open a sentence continuing the one before ("It in turn evolved into ...").
_ANAPHORS = _wordset("it its he his she her they their them this these there")
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
    tokens = (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)
    if _NUMBERISH.isdisjoint(tokens):
        return tokens
    return _canon(tokens)


def _canon(tokens: list[str]) -> list[str]:
    """Number words and ordinals as digits: "thirty thousand" is 30000, "tenth" and "10th" are
    10, "nine hundred and eleven" is 911. A lone "one", "first" or "second" stays a word (a
    pronoun or an adverb as often as a number) unless a century or the like follows."""
    out: list[str] = []
    index, size = 0, len(tokens)
    while index < size:
        token = tokens[index]
        if token in _ORDINAL_SUFFIXES and out and out[-1][0].isdigit() and index > 0 \
                and tokens[index - 1][0].isdigit():
            index += 1  # "10th": the suffix goes, the number stays
            continue
        if token[0].isdigit() and index + 1 < size and tokens[index + 1] in _SCALES:
            value = float(token) * _SCALES[tokens[index + 1]]
            out.append(str(int(value)) if value == int(value) else str(value))
            index += 2
            continue
        if token not in _NUMBER_VALUES and token not in _ORDINAL_VALUES:
            out.append(token)
            index += 1
            continue
        end, value = _number_run(tokens, index)
        if (end == index + 1 and token in _LONE_WORDS
                and not (end < size and tokens[end] in _PERIOD_WORDS)):
            out.append(token)
        else:
            out.append(str(value))
        index = end
    return out


def _number_run(tokens: list[str], start: int) -> tuple[int, int]:
    """Where a run of number words starting at ``start`` ends, and its value."""
    total = current = 0
    index = start
    while index < len(tokens):
        token = tokens[index]
        if token in _NUMBER_VALUES:
            current += _NUMBER_VALUES[token]
        elif token in _ORDINAL_VALUES:
            current += _ORDINAL_VALUES[token]
            index += 1
            break  # an ordinal ends the number
        elif token == "hundred" and index > start:
            current = max(current, 1) * 100
        elif token in _SCALES and index > start:
            total += max(current, 1) * int(_SCALES[token])
            current = 0
        elif (token == "and" and index > start and index + 1 < len(tokens)
              and tokens[index + 1] in _NUMBER_VALUES):
            pass
        else:
            break
        index += 1
    return index, total + current


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
    folded: str  # joined, plurals folded ("centuries" -> "century"): where answers are located
    words: tuple[str, ...]  # the folded tokens
    starts: tuple[int, ...]  # the token each sentence starts at
    title: int  # tokens of a "Title: body" heading (HotpotQA passages), else 0
    capitals: tuple[frozenset[str], ...]  # per sentence, tokens of its capitalised words
    roots: frozenset[str]  # the stems of its words ("founded" -> "found")


_NONE: frozenset[str] = frozenset()


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _prepare(text: str) -> _Passage:
    tokens: list[str] = []
    starts: list[int] = []
    capitals: list[frozenset[str]] = []
    title = 0
    heading = _TITLE.match(text)
    pieces = _SENTENCE_END.split(text[heading.end():] if heading else text)
    for piece in [heading.group(1), *pieces] if heading else pieces:
        piece_tokens = _tokens(piece)
        if piece_tokens:
            starts.append(len(tokens))
            tokens.extend(piece_tokens)
            names = " ".join(w for w in _NAME_WORD.findall(piece)[1:] if w[0].isupper())
            capitals.append(frozenset(map(_plural, _tokens(names))) if names else _NONE)
        if heading and not title:
            title = len(tokens)
    vocab = frozenset(tokens)
    # Every token and its singular: a superset of the stems, built without a call per token.
    stems = vocab.union([_plural(t) for t in vocab if t[-1] == "s"])
    folded = [_plural(t) if t[-1] == "s" else t for t in tokens]
    return _Passage(tuple(tokens), f" {' '.join(tokens)} ", vocab, stems,
                    f" {' '.join(folded)} ", tuple(folded), tuple(starts), title, tuple(capitals),
                    frozenset(root(t) for t in stems))


def _plural(token: str) -> str:
    """A plural folded: "centuries" -> "century", "castles" -> "castle"."""
    if len(token) > 4 and token.endswith("ies") and token.isascii():
        return token[:-3] + "y"
    return _stem(token)


@dataclass(frozen=True)
class _Context:
    """The passages of one record, with their union vocabulary: each lookup is one set probe,
    whatever the number of passages (a per-passage loop made 790 numbers against 400,000
    passages take 90 s)."""

    passages: tuple[_Passage, ...]
    vocab: frozenset[str]
    stems: frozenset[str]

    def has(self, token: str, other: str | None = None) -> bool:
        return token in self.vocab or (other is not None and other in self.vocab)

    @cached_property
    def roots(self) -> frozenset[str]:
        return frozenset().union(*(p.roots for p in self.passages))

    @cached_property
    def capitalised(self) -> frozenset[str]:
        return frozenset().union(*(c for p in self.passages for c in p.capitals))

    def mentions(self, token: str) -> bool:
        """Whether the context has the word, its singular or its stem anywhere."""
        return token in self.stems or _plural(token) in self.stems or root(token) in self.roots


def _context(texts: Sequence[str]) -> _Context:
    passages = tuple(_prepare(p) for p in texts)  # in order: rationales cite context numbers
    vocab: set[str] = set()
    stems: set[str] = set()
    for passage in passages:
        vocab |= passage.vocab
        stems |= passage.stems
    return _Context(passages, frozenset(vocab), frozenset(stems))


@dataclass(frozen=True)
class _Hit:
    """Where the answer is: passage, sentence, and its token span."""

    passage: int
    sentence: int
    start: int
    end: int


# ------------------------------------------------------------------------------------------
# the check


def verify(question: str, answer: str, context: list[str], *,
           unanswerable: bool | None = None) -> Verdict:
    """Judge whether ``answer`` answers ``question`` according to ``context``.

    A short answer must be found in the context (exactly, respelt, or with its words reordered
    within a sentence), be of the type the question asks for, and sit in a sentence that holds
    the question's numbers, names and negations; a longer one is judged by grounding (its
    numbers, names and words in the context). ``unanswerable`` is the record's own claim that the
    context does not answer the question (SQuAD v2 ``is_impossible``): an empty answer is then
    supported unless a sentence restates the question. A bare yes or no is judged by whether a
    sentence holds all the question's terms. Past ``MAX_ITEM_CHARS`` the verdict is unsure, so
    one record can never make a run slow.
    """
    size = len(question) + len(answer) + sum(len(c) for c in context)
    if size > MAX_ITEM_CHARS:
        return Verdict(UNSURE, NEUTRAL_SCORE, f"too large to check locally ({size:,} characters, "
                                              f"budget {MAX_ITEM_CHARS:,})")
    text = _LIST_MARKER.sub("", answer.strip())
    lines = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if 1 < len(lines) <= MAX_ANSWER_LINES and sum(map(len, lines)) <= MULTI_ANSWER_MAX_CHARS:
        return _lines(question, lines, context, unanswerable)
    if len(lines) == 1:
        text = lines[0]  # the same gold span given by several annotators is one answer
    tokens = _tokens(text)
    if unanswerable and (not tokens or _NO_ANSWER.fullmatch(" ".join(tokens))):
        return _unanswerable(question, _context(context))
    if not tokens:
        return Verdict(UNSUPPORTED, 0.0, "empty answer" if not answer.strip()
                       else "the answer has no words or numbers to check")
    if unanswerable:
        return Verdict(UNSUPPORTED, 0.0, "the record marks the question unanswerable, yet it "
                                         "gives an answer")
    ctx = _context(context)
    if not any(p.tokens for p in ctx.passages):
        return Verdict(UNSURE, NEUTRAL_SCORE, "no context to check the answer against")
    question_tokens = _tokens(question)
    asked = read_question(question, question_tokens, _question_names(question))
    if len(tokens) == 1 and tokens[0] in _YES_NO:
        return _yes_no(asked, tokens[0], ctx)
    if len(tokens) > 1 and tokens[0] in _YES_NO:
        tokens = tokens[1:]  # "Yes, the Normans ..." is grounded by what follows
    mismatch = _type_mismatch(asked.kind, tokens)
    if mismatch:
        return Verdict(UNSUPPORTED, 0.1, mismatch)
    span = _span(tokens)
    if len(span) <= SPAN_MAX_TOKENS:
        if asked.options:
            chosen = _option(asked.options, span)
            if chosen is None:
                shown = "' or '".join(asked.options)
                return Verdict(UNSUPPORTED, 0.1, f"the question offers '{shown}'; the answer is "
                                                 "neither")
        hits, how = _locate(span, ctx)
        own = [t for t in span if t not in question_tokens and t not in _STOPWORDS]
        if not hits and own and len(own) < len(span):
            hits, how = _locate(own, ctx)  # "Frank Herbert's novel Dune": Dune is the answer
        bare = _span(_tokens(_ASIDE.sub(" ", text)))
        if not hits and bare and len(bare) < len(span):
            hits, how = _locate(bare, ctx)  # "9月5日 (September 5th)": the aside is a gloss
        if hits:
            if asked.options:
                return _banded(SUPPORTED, SUPPORTED_OVERLAP,
                               f"one of the two options the question offers, found {how} in "
                               f"context {hits[0].passage + 1} (which one is right is not "
                               "checked)")
            return _against_question(asked, span, hits, how, ctx)
    grounded = _grounding(text, tokens, question_tokens, ctx, context)
    if grounded.verdict == SUPPORTED and len(set(span) - _STOPWORDS) <= SHORT_ANSWER_WORDS \
            and not grounded.rationale.startswith("answer nearly matches"):
        return _banded(UNSURE, grounded.score,
                       f"the answer's words are in the context but not together "
                       f"({grounded.rationale})")
    return grounded


def _lines(question: str, lines: Sequence[str], context: list[str],
           unanswerable: bool | None) -> Verdict:
    """A multi-line answer (SQuAD keeps several gold spans per question; a reader joins them
    with newlines): supported when every line is, else the first line that is not."""
    for number, line in enumerate(lines, 1):
        verdict = verify(question, line, context, unanswerable=unanswerable)
        if verdict.verdict != SUPPORTED:
            return Verdict(verdict.verdict, verdict.score,
                           f"line {number} of the answer: {verdict.rationale}")
    return Verdict(SUPPORTED, verdict.score, f"each of the {len(lines)} answer lines: "
                                             f"{verdict.rationale}")


def _grounding(text: str, tokens: list[str], question_tokens: list[str], ctx: _Context,
               raw: Sequence[str]) -> Verdict:
    """Lexical grounding: a span, its numbers and names, or most of its words in the context.

    Words, numbers and names the answer takes from the question are not held against it, and
    do not count as evidence either, unless the answer has nothing else.
    """
    passages = ctx.passages
    exact = _exact(text, tokens, passages, raw)
    if exact is not None:
        return exact

    asked = frozenset(question_tokens)
    share = _overlap(tokens, asked, ctx)

    numbers = [n for n in dict.fromkeys([t for t in tokens if t[0].isdigit()])
               if n not in asked and not ctx.has(n, _DIGIT_WORDS.get(n))]
    if numbers:
        shown = ", ".join(numbers[:MAX_NAMED])
        more = f" and {len(numbers) - MAX_NAMED} more" if len(numbers) > MAX_NAMED else ""
        label = "number" if len(numbers) == 1 else "numbers"
        return _banded(UNSUPPORTED, share, f"{label} {shown}{more} not in the context")

    asked_joined = f" {' '.join(question_tokens)} "
    absent = [name for name, needle in _names(text)[:MAX_NAME_SEARCHES]
              if needle not in asked_joined and not _phrase_in(needle, ctx)]
    absent += [word for word in dict.fromkeys([t for t in tokens if t in _NUMBER_WORDS])
               if word not in asked and not ctx.has(word, _NUMBER_WORDS[word])]
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


def _phrase_in(needle: str, ctx: _Context) -> bool:
    """Whether " tok tok " is a phrase of some passage (its words are checked first, cheaply)."""
    if not all(t in ctx.vocab for t in needle.split()):
        return False
    return any(needle in p.joined for p in ctx.passages)


# ------------------------------------------------------------------------------------------
# reading the question


def _question_names(question: str) -> frozenset[str]:
    """Tokens of the question's capitalised words after its first: names ("Rollo", "Duchy")."""
    words = re.findall(r"[^\W_][^\s]*", unicodedata.normalize("NFKC", question))
    out: set[str] = set()
    for word in words[1:]:
        if word[0].isupper() or word[0].isdigit():
            out.update(_tokens(word))
    return frozenset(out)


def _type_mismatch(kind: str, tokens: Sequence[str]) -> str | None:
    """Why the answer is not the kind of thing the question asks for, or None."""
    present = set(tokens)
    numbers = any(t[0].isdigit() for t in tokens)
    content = [t for t in tokens if t not in _STOPWORDS or t in _DATE_WORDS]
    if kind == DATE_KIND and not numbers and present.isdisjoint(_DATE_WORDS):
        return "a 'when' question answered without a date or period"
    if kind == NUMBER_KIND and not numbers and present.isdisjoint(_QUANTITY_WORDS):
        return "a 'how many/much' question answered without a number"
    if kind in (PERSON_KIND, PLACE_KIND) and content and all(
            t[0].isdigit() or t in _DATE_WORDS for t in content):
        asked = "who" if kind == PERSON_KIND else "where"
        return f"a '{asked}' question answered with a date or number"
    return None


def _option(options: Sequence[str], span: Sequence[str]) -> int | None:
    """Which of the question's "A or B" options the answer names, if any."""
    answer = {_plural(t) for t in span if t not in _STOPWORDS}
    best, where = 0.0, None
    for index, option in enumerate(options):
        words = {_plural(t) for t in _tokens(option) if t not in _STOPWORDS}
        if not words or not answer:
            continue
        shared = len(words & answer) / min(len(words), len(answer))
        if shared > best:
            best, where = shared, index
    return where if best >= 0.5 else None


# ------------------------------------------------------------------------------------------
# locating the answer


def _span(tokens: Sequence[str]) -> list[str]:
    """The answer without leading fillers: "in the year 911" is 911, "the Normans" Normans."""
    start = 0
    while start < len(tokens) - 1 and tokens[start] in _FILLERS:
        start += 1
    if start and tokens[start - 1] == "year" and not tokens[start][0].isdigit():
        start -= 1  # "the year of the flood": keep "year"
    return list(tokens[start:])


def _locate(span: Sequence[str], ctx: _Context) -> tuple[list[_Hit], str]:
    """Where the answer is: as a span (plurals folded), after respelling its unknown words
    by one letter, or as its words reordered within one sentence. At most MAX_HITS places."""
    how = "as a span"
    unknown = [t for t in dict.fromkeys(span) if _plural(t) not in ctx.stems]
    if unknown:
        if len(unknown) > MAX_RESPELT:
            return [], ""
        fixes = {t: _respelt(t, ctx) for t in unknown}
        if not all(fixes.values()):
            return [], ""
        span = [fixes.get(t) or t for t in span]
        how = "respelt (" + ", ".join(f"{t}/{v}" for t, v in fixes.items()) + ")"
    folded = [_plural(t) for t in span]
    hits = _find(folded, ctx)
    if hits:
        return hits, how
    content = {t for t in folded if t not in _STOPWORDS}
    if len(content) < 2:
        return [], ""
    hits = _reordered(content, ctx)
    return hits, ("with its words reordered" if how == "as a span" else f"{how}, reordered")


def _find(folded: Sequence[str], ctx: _Context) -> list[_Hit]:
    needle = f" {' '.join(folded)} "
    hits: list[_Hit] = []
    for index, passage in enumerate(ctx.passages):
        at = passage.folded.find(needle)
        while at >= 0 and len(hits) < MAX_HITS:
            start = passage.folded.count(" ", 0, at + 1) - 1
            hits.append(_Hit(index, bisect_right(passage.starts, start) - 1, start,
                             start + len(folded)))
            at = passage.folded.find(needle, at + 1)
        if len(hits) >= MAX_HITS:
            break
    return hits


def _reordered(content: set[str], ctx: _Context) -> list[_Hit]:
    """Sentences that hold every content word of the answer ("Richard II, Duke of Normandy"
    for "Duke Richard II of Normandy")."""
    hits: list[_Hit] = []
    for index, passage in enumerate(ctx.passages):
        if not content <= passage.stems:
            continue
        words = passage.words
        bounds = [*passage.starts, len(words)]
        for number in range(len(passage.starts)):
            start, end = bounds[number], bounds[number + 1]
            if content <= set(words[start:end]):
                hits.append(_Hit(index, number, start, end))
                if len(hits) >= MAX_HITS:
                    return hits
    return hits


def _respelt(token: str, ctx: _Context) -> str | None:
    """A context word one letter away from ``token`` ("alexius" for "alexios"), or None.

    One pass over the vocabulary (words of a near length sharing the first or last letter),
    so the cost is linear in the context whatever it holds."""
    if len(token) < RESPELLING_MIN_LETTERS or not token.isalpha():
        return None
    found = sorted(word for word in ctx.vocab
                   if abs(len(word) - len(token)) <= 1 and (word[0] == token[0]
                                                            or word[-1] == token[-1])
                   and _one_edit(token, word))
    return found[0] if found else None


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one substitution, insertion, deletion or adjacent swap."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if len(a) > len(b):
        a, b = b, a
    for i in range(len(a)):
        if a[i] != b[i]:
            return a[i:] == b[i + 1:]
    return True


# ------------------------------------------------------------------------------------------
# judging against the question


def _scope(hit: _Hit, ctx: _Context, bridge: Sequence[str]) -> list[str]:
    """The tokens that may hold the question's terms for this hit: the answer's sentence, the
    one before (a pronoun's antecedent), the passage's title, and in other passages the
    sentences that name this passage's title or the answer (the bridge of a two-hop question)."""
    passage = ctx.passages[hit.passage]
    words = passage.words
    bounds = [*passage.starts, len(words)]
    first = max(hit.sentence - SCOPE_BEFORE, 0)
    last = hit.sentence + max(SCOPE_AFTER, 1 if hit.start < passage.title else 0)
    last = min(last, len(passage.starts) - 1)
    tokens = [*words[bounds[first]:bounds[last + 1]], *words[:passage.title]]
    if len(ctx.passages) > 1:
        needles = [f" {' '.join(b)} " for b in ([words[:passage.title]] if passage.title else [])]
        needles += [f" {' '.join(bridge)} "] if bridge else []
        for index, other in enumerate(ctx.passages):
            if index == hit.passage:
                continue
            for needle in needles:
                at = other.folded.find(needle)
                if at < 0:
                    continue
                other_words = other.words
                other_bounds = [*other.starts, len(other_words)]
                number = bisect_right(other.starts, other.folded.count(" ", 0, at + 1) - 1) - 1
                tokens += other_words[other_bounds[max(number, 0)]:other_bounds[number + 1]]
                tokens += other_words[:other.title]
    return tokens


def _has_term(token: str, scope: set[str], roots: set[str]) -> bool:
    if token in scope or _plural(token) in scope or root(token) in roots:
        return True
    return len(token) >= FUZZY_TERM_LETTERS and any(
        abs(len(word) - len(token)) <= 1 and _one_edit(token, word) for word in scope)


def _kind_clash(kind: str, span: Sequence[str], hits: Sequence[_Hit],
                ctx: _Context) -> str | None:
    """Why the context reads the answer as a place when a person is asked for, or the reverse.

    Judged by the words just before the answer where the context has it: "in", "at",
    "throughout" or "the coast of" make a place; "by", a title ("Duke", "King") or a relation
    ("sister of") a person. Only an answer with one reading and none of the other is flagged.
    """
    if kind not in (PERSON_KIND, PLACE_KIND) or not hits:
        return None
    person = place = 0
    cue = ""
    if span[0] in _TITLE_WORDS:
        person += 1
    for hit in hits:
        words = ctx.passages[hit.passage].words
        before = words[max(hit.start - 2, 0):hit.start]
        one = before[-1] if before else ""
        two = before[-2] if len(before) > 1 else ""
        if one in _TITLE_WORDS or one in _RELATION_WORDS or one == "by" or (
                one == "of" and two in _RELATION_WORDS):
            person += 1
            cue = cue or " ".join(before)
        elif one in _LOCATIVE_WORDS or (one == "of" and (two in _PLACE_WORDS
                                                          or two in _TITLE_WORDS)):
            place += 1
            cue = cue or " ".join(before)
    shown = " ".join(span)
    content = [t for t in span if t not in _STOPWORDS]
    if kind == PLACE_KIND and content and all(t.endswith(_PEOPLE_SUFFIXES) for t in content):
        return f"'{shown}' names a people or a language, not a place"
    if kind == PERSON_KIND and place and not person:
        return f"'{shown}' reads as a place in the context ('{cue} ...'), not a person or group"
    if kind == PLACE_KIND and person and not place:
        return f"'{shown}' reads as a person in the context ('{cue} ...'), not a place"
    return None


def _against_question(asked: Asked, span: Sequence[str], hits: Sequence[_Hit], how: str,
                      ctx: _Context) -> Verdict:
    """Supported unless the question's terms that the context holds are away from the answer.

    A term the context lacks altogether is the asker's rewording and proves nothing; one the
    context holds, but not near any place that holds the answer, shows the answer was taken
    from the wrong place: a number, name or negation is enough, plain words must be several.
    """
    clash = _kind_clash(asked.kind, span, hits, ctx)
    if clash:
        return _banded(UNSUPPORTED, 0.2, clash)
    answer = {_plural(t) for t in span} | {root(t) for t in span}
    contrasts = [t for t in asked.terms if t.kind == "contrast"]
    terms = [t for t in asked.terms if t.token not in answer and root(t.token) not in answer
             and t.kind != "contrast"
             and (t.kind in ABSENT_TERMS_COUNT or ctx.mentions(t.token))]
    best: tuple[int, int, list[Term], _Hit] | None = None
    for hit in hits:
        scope = set(_scope(hit, ctx, [_plural(t) for t in span]))
        roots = {root(t) for t in scope}
        missing = [t for t in terms if not _has_term(t.token, scope, roots)]
        # "after" asked, only "before" near the answer: the question is about something else
        missing += [t for t in contrasts if t.token not in scope and CONTRASTS[t.token] & scope]
        strong = sum(t.kind != "word" for t in missing)
        key = (strong, len(missing), missing, hit)
        if best is None or key[:2] < best[:2]:
            best = key
    assert best is not None
    strong, _, missing, hit = best
    where = f"context {hit.passage + 1}"
    words = [t for t in terms if t.kind == "word"]
    word_missing = [t for t in missing if t.kind == "word"]
    if strong:
        term = next(t for t in missing if t.kind != "word")
        if term.kind == "contrast":
            opposite = "', '".join(sorted(CONTRASTS[term.token]))
            return _banded(UNSUPPORTED, 0.3, f"the question asks '{term.token}', but the "
                                             f"answer's sentence in {where} says '{opposite}'")
        elsewhere = ctx.mentions(term.token)
        verdict = UNSUPPORTED if elsewhere else UNSURE
        place = ("is elsewhere in the context, not near the answer" if elsewhere
                 else "is not in the context")
        return _banded(verdict, 0.3 if elsewhere else 0.6,
                       f"the answer is in {where}, but the question's {term.kind} "
                       f"'{term.token}' {place}")
    if words and len(word_missing) >= MIN_WORDS_MISSING and \
            len(word_missing) > WORDS_MISSING_SHARE * len(words):
        shown = "', '".join(t.token for t in word_missing[:MAX_NAMED])
        verb = "is" if len(word_missing) == 1 else "are"
        return _banded(UNSURE, 0.6, f"the answer is in {where}, but the question's '{shown}' "
                                    f"{verb} elsewhere in the context, not near the answer")
    rival = _rival(span, hits, terms, ctx)
    if rival:
        return _banded(UNSURE, 0.6, rival)
    checked = ("" if not terms else "; the question's term is near it" if len(terms) == 1
               else f"; the question's {len(terms)} terms are near it")
    return _banded(SUPPORTED, 1.0 if how == "as a span" else 0.9,
                   f"answer found {how} in {where}{checked}")


def _rival(span: Sequence[str], hits: Sequence[_Hit], terms: Sequence[Term],
           ctx: _Context) -> str | None:
    """Why another sentence of the answer's passage is where the question points, or None.

    Candidate ranking, as in the sliding-window baseline of the SQuAD paper: each sentence is
    scored by the question's terms it holds (a term in a neighbouring sentence counts
    ``ALIGN_NEIGHBOUR`` of its weight), each term weighted by how few of the passage's
    sentences hold it. A name or number answer is flagged when a sentence that holds another
    name (or number) scores clearly better than every sentence holding the
    answer: a value taken from the wrong sentence ("Who ruined Roussel's plans?" answered with
    the name of the sentence before). Other answers, and answers that tie, are left alone.
    Linear: one pass over the sentences of the passages that hold the answer.
    """
    if not terms:
        return None
    content = [_plural(t) for t in span if t not in _STOPWORDS]
    if not content:
        return None
    number = all(t[0].isdigit() for t in content)
    if not number and not set(content) <= ctx.capitalised:
        return None
    own = set(content) | set(span)
    asked = {t.token for t in terms} | {_plural(t.token) for t in terms}
    for index in sorted({hit.passage for hit in hits}):
        passage = ctx.passages[index]
        if len(passage.starts) < 2:
            continue
        words = passage.words
        bounds = [*passage.starts, len(words)]
        meets = _term_words([t.token for t in terms], set(words))
        title: set[str] = set().union(*(meets.get(w, ()) for w in words[:passage.title]))
        held: list[set[str]] = []
        rivals: list[bool] = []
        for at in range(len(passage.starts)):
            sentence = set(words[bounds[at]:bounds[at + 1]])
            held.append(title.union(*(meets[w] for w in sentence if w in meets)))
            others = ({t for t in sentence if t[0].isdigit()}
                      if number else passage.capitals[at])
            rivals.append(bool(others - own - asked))
        scores = _aligned(held, [words[start] in _ANAPHORS for start in passage.starts])
        mine = max(scores[hit.sentence] for hit in hits if hit.passage == index)
        best, where = max(((scores[at], at) for at in range(len(held)) if rivals[at]),
                          default=(0.0, -1))
        if best - mine >= ALIGN_MARGIN and mine < ALIGN_RATIO * best:
            shown = "', '".join(t.token for t in terms if t.token in held[where])
            return (f"the answer is in context {index + 1}, but sentence {where + 1} holds "
                    f"more of the question ('{shown}') and another "
                    f"{'number' if number else 'name'}: the answer may come from the wrong "
                    "sentence")
    return None


def _term_words(terms: Sequence[str], vocabulary: Iterable[str]) -> dict[str, set[str]]:
    """For each word of the vocabulary that meets one of the terms (as _has_term would), the
    terms it meets: one pass over the vocabulary, so a sentence is then judged by lookups."""
    forms = {t: ({t, _plural(t)}, root(t)) for t in terms}
    fuzzy = {t for t in terms if len(t) >= FUZZY_TERM_LETTERS}
    out: dict[str, set[str]] = {}
    for word in vocabulary:
        for token, (same, token_root) in forms.items():
            # a stem keeps at least the first three letters, so others cannot share it
            if word in same or (word[:3] == token[:3] and root(word) == token_root) or (
                    token in fuzzy and abs(len(word) - len(token)) <= 1
                    and (word[:2] == token[:2] or word[-2:] == token[-2:])  # one edit keeps one
                    and _one_edit(token, word)):
                out.setdefault(word, set()).add(token)
    return out


def _aligned(held: Sequence[set[str]], follows: Sequence[bool]) -> list[float]:
    """Each sentence's score: the weights of the question terms it holds, where a term held by
    fewer sentences weighs more; a term in the sentence before one that opens with a pronoun
    counts ALIGN_ANAPHOR, one in a neighbour ALIGN_NEIGHBOUR (both neighbours: in full)."""
    size = len(held)
    counts: dict[str, int] = {}
    for terms in held:
        for token in terms:
            counts[token] = counts.get(token, 0) + 1
    weight = {token: math.log((size + 1) / (count + 0.5)) for token, count in counts.items()}
    scores = []
    for at, terms in enumerate(held):
        before = held[at - 1] if at > 0 else set()
        after = held[at + 1] if at + 1 < size else set()
        total = 0.0
        for token, value in weight.items():
            if token in terms:
                total += value
            elif token in before and follows[at]:
                total += ALIGN_ANAPHOR * value
            else:
                sides = (token in before) + (token in after)
                total += min(ALIGN_NEIGHBOUR * sides, 1.0) * value
        scores.append(round(total, 6))  # a last-digit difference of libm never flips a verdict
    return scores


def _windows(ctx: _Context, before: int) -> Iterable[tuple[int, tuple[str, ...]]]:
    """(passage, tokens of a sentence with ``before`` sentences before it and the title)."""
    for index, passage in enumerate(ctx.passages):
        words = passage.words
        bounds = [*passage.starts, len(words)]
        title = words[:passage.title]
        for number in range(len(passage.starts)):
            yield index, title + words[bounds[max(number - before, 0)]:bounds[number + 1]]


def _best_window(asked: Asked, ctx: _Context, before: int) -> tuple[list[Term], int]:
    """The question's terms missing from the sentence window that holds the most of them."""
    best: list[Term] = list(asked.terms)
    where = -1
    if not asked.terms:
        return best, where
    for index, window in _windows(ctx, before):
        present = set(window)
        roots = {root(t) for t in present}
        missing = [t for t in asked.terms if not _has_term(t.token, present, roots)]
        if len(missing) < len(best):
            best, where = missing, index
            if not missing:
                break
    return best, where


def _unanswerable(question: str, ctx: _Context) -> Verdict:
    """An empty answer to a question the record marks unanswerable: supported unless one
    sentence of the context restates the question (all its terms, its content words adjacent as
    in the question), so that the context very likely answers it.

    SQuAD v2's unanswerable questions were written to look answerable (the relation reversed, a
    word swapped for one of the paragraph's), so a lexical check cannot demand more: it flags
    only a near restatement, and it misses most answerable questions marked unanswerable.
    """
    if not any(p.tokens for p in ctx.passages):
        return Verdict(SUPPORTED, SUPPORTED_OVERLAP, "marked unanswerable, and there is no context")
    tokens = _tokens(question)
    asked = read_question(question, tokens, _question_names(question))
    content = [_plural(t) for t in tokens if t not in _STOPWORDS and t not in _ASKING_WORDS]
    wanted = set(zip(content, content[1:]))
    for index, window in _windows(ctx, 0):
        present = set(window)
        roots = {root(t) for t in present}
        if not asked.terms or not all(_has_term(t.token, present, roots) for t in asked.terms):
            continue
        words = [w for w in window if w not in _STOPWORDS]
        pairs = set(zip(words, words[1:]))
        if wanted <= pairs:
            return _banded(UNSURE, 0.6, f"marked unanswerable, but a sentence of context "
                                        f"{index + 1} restates the question: it may answer it")
    return _banded(SUPPORTED, SUPPORTED_OVERLAP,
                   "marked unanswerable, and no sentence of the context restates the question")


def _yes_no(asked: Asked, answer: str, ctx: _Context) -> Verdict:
    """A bare yes or no: judged by whether one sentence window holds all the question's terms
    (yes) or not (no), negations included."""
    if asked.kind != YES_NO_KIND:
        return Verdict(UNSUPPORTED, 0.1, f"'{answer}' answers a question that is not a yes/no "
                                         "question")
    missing, where = _best_window(asked, ctx, SCOPE_BEFORE)
    expected = "no" if missing else "yes"
    if answer == expected:
        because = (f"'{missing[0].token}' is in no sentence with the rest of the question"
                   if missing else f"context {where + 1} has a sentence with all its terms")
        return _banded(SUPPORTED, SUPPORTED_OVERLAP, f"'{answer}': {because}")
    because = (f"context {where + 1} has a sentence with all the question's terms" if not missing
               else f"'{missing[0].token}' is in no sentence with the rest of the question")
    return _banded(UNSURE, NEUTRAL_SCORE, f"'{answer}' is doubtful: {because}")


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


def _overlap(tokens: Sequence[str], asked: frozenset[str], ctx: _Context) -> float:
    """Share of the answer's own content words (plural-folded) that the context contains."""
    unique = set(tokens)
    content = {_stem(t) for t in unique - _STOPWORDS} or {_stem(t) for t in unique}
    own = content - {_stem(t) for t in asked} or content
    missing = {t for t in own - ctx.stems  # "two" in the answer, "2" in the context, or reverse
               if not ctx.has(t, _NUMBER_WORDS.get(t) or _DIGIT_WORDS.get(t, t))}
    return 1.0 - len(missing) / len(own)


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
