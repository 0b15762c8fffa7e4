"""``qa-provenance import``: a draft sidecar from a Croissant file or a Hugging Face dataset card.

The draft is written beside the data file as ``<data>.provenance.draft.yaml`` (``--data``), to a
path (``--output``), or printed. It is a starting point for a person, never a record that passes
``check``: see ``provenance.interop.import_draft``. Exit 0 when the draft was written, 2
for usage errors (an unreadable source, an existing draft without ``--force``). The module
imports only the standard library until it runs, because the argument parser is built for
every command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.reporters.escape import terminal

if TYPE_CHECKING:
    from provenance.config import Config
    from provenance.interop.import_draft import Draft


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", metavar="SOURCE",
                        help="a Croissant file (*.json) or a Hugging Face dataset card (*.md), "
                             "told apart by its content")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--croissant", metavar="FILE", help="a Croissant JSON-LD file")
    source.add_argument("--card", metavar="README.md",
                        help="a Hugging Face dataset card (YAML front matter and prose)")
    parser.add_argument("--data", metavar="DATA_FILE",
                        help="the data file the draft is for: written as "
                             "DATA_FILE.provenance.draft.yaml unless --output is given")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="write the draft here ('-': print it; the default without --data)")
    parser.add_argument("--force", action="store_true", help="replace an existing draft")


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure
    from provenance.config import ConfigError
    from provenance.discovery import PathError, relative_path
    from provenance.trust.levels import DRAFT_SUFFIX

    given = [s for s in (args.source, args.croissant, args.card) if s]
    if len(given) != 1:
        print("qa-provenance import: name one source: a Croissant file or a dataset card "
              "(SOURCE, --croissant FILE or --card README.md)", file=sys.stderr)
        return 2
    try:
        config = configure(args)
        data_relpath = relative_path(config.root, args.data) if args.data else None
        source = Path(given[0])
        croissant = bool(args.croissant) or (args.source is not None and _is_json(source))
        draft = _draft(source, croissant, config)
    except (ConfigError, PathError, _SourceError) as exc:
        print(f"qa-provenance import: {terminal(str(exc))}", file=sys.stderr)
        return 2
    from provenance.interop.import_draft import render

    text = render(draft, data_relpath)
    if args.output == "-" or (args.output is None and data_relpath is None):
        sys.stdout.write(text)
        return 0
    target = Path(args.output) if args.output else config.root / (data_relpath or "")
    if args.output:
        from provenance.fs.outputs import refusal

        problem = refusal(config, args.output, provenance_allowed=True)
        if problem is not None:
            print(f"qa-provenance import: {terminal(problem)}", file=sys.stderr)
            return 2
    if not args.output:
        target = target.with_name(target.name + DRAFT_SUFFIX)
    if target.exists() and not args.force:
        print(f"qa-provenance import: {terminal(str(target))} exists (pass --force to replace it)",
              file=sys.stderr)
        return 2
    from provenance.fs.atomic import write_atomic

    try:
        if not args.output:  # beside a data file that may not be there yet
            target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text.encode("utf-8"))
    except OSError as exc:
        print(terminal(f"qa-provenance import: {target}: {exc.strerror or exc}"), file=sys.stderr)
        return 2
    todo = len(draft.record()["todo"])
    print(f"wrote {terminal(_shown(target))}: a DRAFT ({todo} things to do, listed under "
          "todo:); complete it, save it without '.draft', then run qa-provenance stamp",
          file=sys.stderr)
    if data_relpath is not None:
        _say_existing(config.root, data_relpath)
    return 0


def _is_json(source: Path) -> bool:
    """A source whose first character (after a BOM and blanks) opens a JSON object is taken
    for Croissant; anything else for a dataset card."""
    try:
        with open(source, "rb") as handle:
            start = handle.read(4096)
    except OSError:
        return source.suffix.lower() in (".json", ".jsonld")
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _shown(path: Path) -> str:
    """A path as the user can type it from where they stand."""
    import os

    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


class _SourceError(Exception):
    """The Croissant file or card cannot be read: exit code 2."""


def _draft(source: Path, croissant: bool, config: Config) -> Draft:
    from provenance.interop.import_draft import from_card, from_croissant
    from provenance.session import Session

    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _SourceError(f"{source}: cannot read: {exc}") from None
    registry = Session(config).registry()
    if not croissant:
        return from_card(text, str(source), registry)
    import json

    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _SourceError(f"{source}:{exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(document, dict):
        raise _SourceError(f"{source}: a Croissant file is a JSON object")
    if "@context" not in document:
        raise _SourceError(f"{source}: not a Croissant file (no @context): import reads "
                           "Croissant JSON-LD and Hugging Face dataset cards (README.md)")
    return from_croissant(document, str(source), registry)


def _say_existing(root: Path, data_relpath: str) -> None:
    from provenance.reading.locate import sidecar_paths

    if not (root / data_relpath).is_file():
        print(f"note: {terminal(data_relpath)} does not exist yet", file=sys.stderr)
    for sidecar in sidecar_paths(data_relpath):
        if (root / sidecar).is_file():
            print(f"note: {terminal(data_relpath)} already has provenance in "
                  f"{terminal(sidecar)}; the draft does not replace it", file=sys.stderr)
