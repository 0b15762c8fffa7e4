"""Whether a file differs from a recorded digest only in its line endings.

Git converts text files to CRLF on checkout under ``core.autocrlf`` (Git for Windows' default),
so a record stamped on one system can fail QP003 on another although no one edited the data.
Read only when a digest already failed to match: the common run never pays for it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def other_line_endings(path: Path, recorded: str) -> str | None:
    """"LF" or "CRLF" when the file with every line ending converted to it has the recorded
    sha256; None otherwise (or when it cannot be read)."""
    lf, crlf = hashlib.sha256(), hashlib.sha256()
    pending = b""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                chunk = pending + chunk
                pending = b"\r" if chunk.endswith(b"\r") else b""
                if pending:
                    chunk = chunk[:-1]
                text = chunk.replace(b"\r\n", b"\n")
                lf.update(text)
                crlf.update(text.replace(b"\n", b"\r\n"))
    except OSError:
        return None
    lf.update(pending)
    crlf.update(pending)
    if lf.hexdigest() == recorded:
        return "LF"
    if crlf.hexdigest() == recorded:
        return "CRLF"
    return None
