"""One escaping function per output format, for text the tool does not control.

File names, records, provenance files and verifiers' replies are written by others: printed as
they are, a newline would split a finding in two, an ESC sequence would repaint the terminal, a
newline followed by ``::error`` would be a second GitHub workflow command, a pipe would cut a
Markdown table row and a control character would make a JUnit file unreadable. Every reporter
passes such text through the function for its format, here:

- ``terminal``: text and log lines (C0 and C1 controls, DEL, ESC, Unicode line separators and
  the undecodable bytes of a file name, as Python escapes: ``\\n``, ``\\x1b``, ``\\xe9``);
- ``workflow_data`` / ``workflow_property``: GitHub workflow commands (as GitHub's toolkit
  escapes them: ``%``, CR, LF, and ``:`` and ``,`` in properties), after ``terminal``;
- ``markdown``: a job summary's table cells and list items (HTML and Markdown punctuation,
  pipes included, and ``terminal``), on one line;
- ``xml``: JUnit (characters XML 1.0 cannot carry become U+FFFD; ElementTree escapes markup);
- SARIF and JSON need none: ``json.dumps`` escapes every control character.
"""

from __future__ import annotations

import re

# What would end a line or reach the terminal as a control sequence: C0 and C1 controls but the
# tab, Unicode line and paragraph separators, and lone surrogates (the undecodable bytes of a file
# name, which would also fail to encode).
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
# Characters XML 1.0 cannot carry at all (a data file's text can contain them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def terminal(text: str) -> str:
    """``text`` safe to print as (part of) one line of a terminal or a log."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def workflow_data(text: str) -> str:
    """The message of a GitHub workflow command: one line that cannot end the command early
    (``%``, CR and LF as the toolkit escapes them), no other control character."""
    return terminal(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def workflow_property(text: str) -> str:
    """A property value of a workflow command (``file=``, ``title=``)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def markdown(text: str) -> str:
    """Plain text safe in a Markdown table cell or list item: HTML and Markdown punctuation
    escaped, control characters escaped as in a terminal, one line."""
    text = terminal(" ".join(text.split()))  # line breaks of any kind become spaces first
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|#~!":
        text = text.replace(char, "\\" + char)
    return text


def markdown_code(text: str) -> str:
    """Text as inline code in a table (a pipe escaped), or as escaped text when it holds what
    inline code cannot (a backtick, a control character)."""
    if "`" in text or _UNSAFE.search(text):
        return markdown(text)
    return f"`{text.replace('|', chr(92) + '|')}`"


def xml(text: str) -> str:
    """Text an XML 1.0 document can carry (markup itself is ElementTree's to escape)."""
    return _NOT_XML.sub("\ufffd", text)
