"""What a question asks for, read without a model: the answer type and the distinctive terms.

The local verifier uses it to judge an answer *to this question*, not merely an answer the context
contains: a date for "when", a number for "how many", a person or group for "who", a place for
"where", yes or no for "Is ...?", one of the options of "A or B?", and the question's numbers,
names and negations near the answer. Pure functions over already-normalised tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ASKING", "CONTRASTS", "Asked", "Term", "read_question", "root"]

DATE = "date"
NUMBER = "number"
PERSON = "person"
PLACE = "place"
YES_NO = "yes/no"
OTHER = "other"


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_AUX = _wordset("""is are was were do does did can could has have had will would should may
    might must shall""")
_NEGATIONS = _wordset("not no never neither nor none cannot without")
# Words a question uses to ask, not facts the answer's sentence must repeat.
ASKING = _wordset("""what which who whom whose when where why how name names named called call
    type types kind kinds sort example examples term terms word words s thing things something
    someone one ones many much long old often far year years century centuries date day time
    number amount percentage part located location place happen happened happens occur occurred
    use used do does did make made give gave get got become became considered known refer
    referred describe described mean means main primary first""")
_STOP = _wordset("""a an the of in on at to for from by with and or but as than then that this
    these those there here is are was were be been being am it its he she they them his her
    their we our you your i me my do does did has have had having also can could would should
    will shall may might must about over under into onto out up down such very just only other
    another each any all some both more most if because while after before during since per via
    so what which who whom whose when where why how""")
# Words whose opposite in the answer's sentence shows the question asks about something else
# ("after" for "before", "modern" for "medieval"): SQuAD v2 builds unanswerable questions so.
# Only pairs whose words are rarely mere emphasis ("a major role" is not about "minor").
_PAIRS = (("before", "after"), ("first", "last"), ("earliest", "latest"), ("early", "late"),
          ("modern", "medieval"), ("modern", "ancient"), ("north", "south"), ("east", "west"),
          ("northern", "southern"), ("eastern", "western"), ("older", "younger"),
          ("oldest", "youngest"), ("larger", "smaller"), ("largest", "smallest"),
          ("increase", "decrease"), ("won", "lost"), ("win", "lose"), ("upper", "lower"),
          ("above", "below"), ("inner", "outer"), ("began", "ended"), ("started", "ended"))
CONTRASTS: dict[str, frozenset[str]] = {}
for _left, _right in _PAIRS:
    CONTRASTS[_left] = CONTRASTS.get(_left, frozenset()) | {_right}
    CONTRASTS[_right] = CONTRASTS.get(_right, frozenset()) | {_left}
_DATE_ASK = re.compile(r"^(?:when\b|(?:in |by |during |until |since )?(?:what|which) "
                       r"(?:year|years|century|centuries|decade|date|day|month|era|period|time|"
                       r"season)\b)")
_NUMBER_ASK = re.compile(r"\bhow (?:many|much|long|old|far|large|big|tall|high|often|deep|wide)\b|"
                         r"\bwhat (?:number|percentage|percent|proportion|fraction|amount|"
                         r"population|size)\b")
_PERSON_ASK = re.compile(r"^(?:who|whom|whose)\b|^(?:by |to |with |for )?whom\b")
_PLACE_ASK = re.compile(r"^(?:(?:to |from |in )?where|(?:in |to |from )?(?:what|which) "
                        r"(?:countr(?:y|ies)|city|cities|towns?|regions?|places?|continents?|"
                        r"states?|provinces?|islands?|rivers?|count(?:y|ies)|villages?|areas?|"
                        r"locations?|nations?|kingdoms?)\b)")


@dataclass(frozen=True)
class Term:
    """One token of the question: ``kind`` is number, name, negation, contrast or word."""

    token: str
    kind: str


@dataclass(frozen=True)
class Asked:
    kind: str  # date, number, person, place, yes/no or other
    terms: tuple[Term, ...]
    options: tuple[str, ...]  # "A or B?": the two options as written; () when none


@lru_cache(maxsize=1 << 16)
def root(token: str) -> str:
    """A crude English stem, so "founded" meets "foundation" and "centuries" "century"."""
    if not token.isascii() or not token.isalpha() or len(token) <= 4:
        return token
    for suffix, keep in (("ations", 4), ("ation", 4), ("ings", 4), ("ing", 4), ("ions", 4),
                         ("ion", 4), ("ies", 3), ("ied", 3), ("ers", 4), ("er", 4), ("ed", 4),
                         ("es", 4), ("ly", 4), ("ment", 4), ("s", 4)):
        if token.endswith(suffix) and len(token) - len(suffix) >= keep:
            return token[: len(token) - len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return token


def read_question(text: str, tokens: list[str], name_tokens: frozenset[str]) -> Asked:
    """The question's answer type and terms.

    ``tokens`` are its normalised tokens (number words already digits); ``name_tokens`` the
    normalised tokens of its capitalised words after the first, which are names.
    """
    low = " ".join(text.lower().split())
    low = re.sub(r"^[^a-z0-9]+", "", low)
    kind = _kind(low, tokens)
    terms: list[Term] = []
    for token in dict.fromkeys(tokens):
        if token[0].isdigit():
            terms.append(Term(token, NUMBER))
        elif token in CONTRASTS:
            terms.append(Term(token, "contrast"))
        elif token in _NEGATIONS:
            terms.append(Term(token, "negation"))
        elif token in _STOP or token in ASKING or len(token) < 2:
            continue
        elif token in name_tokens:
            terms.append(Term(token, "name"))
        else:
            terms.append(Term(token, "word"))
    return Asked(kind, tuple(terms), _options(text))


def _kind(low: str, tokens: list[str]) -> str:
    if _NUMBER_ASK.search(low):
        return NUMBER
    if _DATE_ASK.search(low):
        return DATE
    if _PERSON_ASK.search(low):
        return PERSON
    if _PLACE_ASK.search(low):
        return PLACE
    if tokens and tokens[0] in _AUX and " or " not in low:
        return YES_NO
    return OTHER


_OPTION = re.compile(r"([^,?]+?)\s+or\s+([^,?]+?)\s*\??\s*$")


def _options(text: str) -> tuple[str, ...]:
    """The two options of "Which came first, A or B?" as written."""
    match = _OPTION.search(" ".join(text.split()))
    if not match:
        return ()
    left = match.group(1)
    # the option is the capitalised tail of the left part ("Who was born first Mahbub ul Haq")
    words = left.split()
    start = len(words)
    while start > 0 and (words[start - 1][:1].isupper() or words[start - 1][:1].isdigit()
                         or words[start - 1].lower() in ("of", "de", "ul", "the", "van", "von")):
        start -= 1
    left_option = " ".join(words[start:]) if start < len(words) else ""
    right_option = match.group(2)
    if not left_option or not right_option[:1].isupper():
        return ()
    return (left_option, right_option)
