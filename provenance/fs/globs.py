"""Gitignore-style glob patterns, compiled to one regular expression per set.

Semantics users know from .gitignore: a pattern without a slash matches a file name at any depth;
one with a slash is anchored at the base directory; ``**`` crosses directories; ``*`` and ``?``
do not. A small translator, because the standard library's fnmatch lets ``*`` cross ``/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def _translate(pattern: str) -> str:
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            negated = pattern.startswith(("[!", "[^"), i)
            first = i + 2 if negated else i + 1
            # A "]" right after "[" or "[!" is a member, not the end (as in fnmatch and git).
            end = pattern.find("]", first + 1 if pattern.startswith("]", first) else first)
            if end == -1:
                out.append(re.escape(char))
            else:
                members = "".join(
                    f"\\{c}" if c in "\\[]^&~|" else c for c in pattern[first:end]
                )
                out.append(f"[^/{members}]" if negated else f"[{members}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    body = "".join(out)
    return body if anchored else f"(?:.*/)?{body}"


class GlobError(ValueError):
    """A pattern that cannot be used, such as ``[z-a]``."""


@lru_cache(maxsize=256)
def _compile(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    for pattern in patterns:
        try:
            re.compile(_translate(pattern))
        except re.error as exc:
            raise GlobError(f"bad glob pattern '{pattern}': {exc.msg}") from None
    alternatives = "|".join(f"(?:{_translate(p)})" for p in patterns)
    return re.compile(f"(?:{alternatives})\\Z", re.DOTALL)


class GlobSet:
    """A set of patterns matched against POSIX paths relative to a base directory."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._regex = _compile(self.patterns)

    def matches(self, relpath: str) -> bool:
        return self._regex is not None and self._regex.match(relpath) is not None

    def __bool__(self) -> bool:
        return bool(self.patterns)
