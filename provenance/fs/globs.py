r"""Gitignore-style glob patterns, matched in time linear in the path.

Semantics users know from .gitignore: a pattern without a slash matches a file name at any depth;
one with a slash is anchored at the base directory; ``**`` crosses directories; ``*`` and ``?``
do not; a pattern that matches a folder matches everything in it (``x/*`` covers ``x/y/z``); a
backslash makes the next character literal (``\*``, ``\!``); and in a list of patterns a later
``!pattern`` takes back what earlier ones matched (the last pattern that matches decides). A
small translator, because the standard library's fnmatch lets ``*`` cross ``/``.

Patterns come from manifests anyone can commit, so they are not handed to a backtracking regular
expression engine (``*a*a*a*a*a*a*a*a*a*a*a*b`` against a 40-character name would take hours):
each pattern becomes a list of tokens simulated as a set of states over the path, one step per
character, so a match costs at most (pattern tokens x path characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Token kinds.
_LITERAL, _ONE, _CLASS, _STAR, _ANY, _DIRS = range(6)


@dataclass(frozen=True)
class _Token:
    kind: int
    text: str = ""  # the literal character
    members: re.Pattern[str] | None = None  # a one-character class


class GlobError(ValueError):
    """A pattern that cannot be used, such as ``[z-a]``."""


def _tokens(pattern: str) -> tuple[_Token, ...]:
    """``*`` -> STAR (no slash), ``**`` -> ANY (anything), ``**/`` -> DIRS (empty, or anything
    ending in a slash), ``?`` -> ONE, ``[...]`` -> CLASS; an unanchored pattern starts with DIRS."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out: list[_Token] = [] if anchored else [_Token(_DIRS)]
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):  # an escaped character is itself
            out.append(_Token(_LITERAL, pattern[i + 1]))
            i += 2
            continue
        if pattern.startswith("**/", i):
            out.append(_Token(_DIRS))
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(_Token(_ANY))
            i += 2
            continue
        if char == "*":
            out.append(_Token(_STAR))
        elif char == "?":
            out.append(_Token(_ONE))
        elif char == "[":
            negated = pattern.startswith(("[!", "[^"), i)
            first = i + 2 if negated else i + 1
            # A "]" right after "[" or "[!" is a member, not the end (as in fnmatch and git).
            end = pattern.find("]", first + 1 if pattern.startswith("]", first) else first)
            if end == -1:
                out.append(_Token(_LITERAL, char))
            else:
                members = "".join(
                    f"\\{c}" if c in "\\[]^&~|" else c for c in pattern[first:end]
                )
                try:
                    regex = re.compile(f"[^/{members}]" if negated else f"[{members}]",
                                       re.DOTALL)
                except re.error as exc:
                    raise GlobError(f"bad glob pattern '{pattern}': {exc.msg}") from None
                out.append(_Token(_CLASS, members=regex))
                i = end
        else:
            out.append(_Token(_LITERAL, char))
        i += 1
    return tuple(out)


def _closure(tokens: tuple[_Token, ...], states: set[int]) -> frozenset[int]:
    """States reachable without reading a character. State ``2*i`` is "before token i";
    ``2*i+1`` is "inside the DIRS token i" (read something, not yet its closing slash)."""
    todo = list(states)
    seen = set(states)
    while todo:
        state = todo.pop()
        if state % 2 == 0 and state // 2 < len(tokens) \
                and tokens[state // 2].kind in (_STAR, _ANY, _DIRS):
            nxt = state + 2  # each of these may match nothing
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


def _step(tokens: tuple[_Token, ...], states: frozenset[int], char: str) -> frozenset[int]:
    out: set[int] = set()
    for state in states:
        index, inside = divmod(state, 2)
        if index >= len(tokens):
            continue
        token = tokens[index]
        kind = token.kind
        if inside:  # within ``**/``: anything, and a slash may close it
            out.add(state)
            if char == "/":
                out.add(2 * index + 2)
        elif kind == _LITERAL:
            if char == token.text:
                out.add(state + 2)
        elif kind == _ONE:
            if char != "/":
                out.add(state + 2)
        elif kind == _CLASS:
            assert token.members is not None
            if token.members.match(char):
                out.add(state + 2)
        elif kind == _STAR:
            if char != "/":
                out.add(state)
        elif kind == _ANY:
            out.add(state)
        else:  # _DIRS, entered
            out.add(state + 1)
            if char == "/":
                out.add(state + 2)
    return _closure(tokens, out)


class _Matcher:
    """One pattern's state sets, with each step remembered (a DFA built as paths need it): a
    manifest's glob is matched against thousands of similar paths, which then cost one dict
    lookup a character."""

    MAX_STEPS = 1 << 16  # remembered steps; past it, the table starts again

    def __init__(self, tokens: tuple[_Token, ...]) -> None:
        self.tokens = tokens
        self.start = _closure(tokens, {0})
        self.accept = 2 * len(tokens)
        self.steps: dict[tuple[frozenset[int], str], frozenset[int]] = {}

    def matches(self, path: str) -> bool:
        """The path, or a folder it lies in (as .gitignore treats a matched folder)."""
        start = 0
        while True:
            cut = path.find("/", start)
            if cut == -1:
                return self._matches(path)
            if self._matches(path[:cut]):
                return True
            start = cut + 1

    def _matches(self, path: str) -> bool:
        steps = self.steps
        if len(steps) > self.MAX_STEPS:
            steps.clear()
        states = self.start
        for char in path:
            key = (states, char)
            following = steps.get(key)
            if following is None:
                following = steps[key] = _step(self.tokens, states, char)
            if not following:
                return False
            states = following
        return self.accept in states


@lru_cache(maxsize=256)
def _compile(patterns: tuple[str, ...]) -> tuple[tuple[bool, _Matcher], ...]:
    r"""(negated, matcher) per pattern; ``\!`` at the start is a literal ``!``."""
    out = []
    for pattern in patterns:
        negated = pattern.startswith("!")
        out.append((negated, _Matcher(_tokens(pattern[1:] if negated else pattern))))
    return tuple(out)


class GlobSet:
    """A set of patterns matched against POSIX paths relative to a base directory."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._compiled = _compile(self.patterns)

    def matches(self, relpath: str) -> bool:
        """Whether the last pattern that matches ``relpath`` is not a ``!`` pattern."""
        verdict = False
        for negated, matcher in self._compiled:
            if verdict == negated and matcher.matches(relpath):
                verdict = not negated
        return verdict

    def __bool__(self) -> bool:
        return bool(self.patterns)
