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
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    body = "".join(out)
    return body if anchored else f"(?:.*/)?{body}"


@lru_cache(maxsize=256)
def _compile(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
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
