"""``qa-provenance export``: provenance in the formats platforms read.

``--croissant``: one Croissant 1.1 JSON-LD document describing the files, with PROV-O provenance.
``--in-toto``: an unsigned in-toto Statement v1 per file, ready to be signed.

Only provenance that passes the per-file checks is exported: a file with an error-level finding
(no record, a stale digest, an identical-source validator, ...) is reported on stderr and nothing
is written (exit 1). Evidence requirements (QP030 require-verification, QP031 a trust level below
the minimum) do not block an export: the in-toto statement is how a file becomes attested.
Exit 2 for usage and configuration errors. The module imports only the standard library until it
runs, because the argument parser is built for every command.
"""

from __future__ import annotations

import argparse
import posixpath
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.reporters.escape import terminal

if TYPE_CHECKING:
    from provenance.checker import Checker
    from provenance.interop.croissant import FileEntry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="data files or folders (a sidecar or manifest stands for its data)")
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--croissant", action="store_true",
                      help="Croissant 1.1 JSON-LD with PROV-O provenance, one FileObject per file")
    kind.add_argument("--in-toto", dest="in_toto", action="store_true",
                      help="an unsigned in-toto Statement v1 per file (JSON Lines for several)")
    parser.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout")
    parser.add_argument("--name", help="Croissant: the dataset name (default: the folder's)")
    parser.add_argument("--description", help="Croissant: the dataset description")
    parser.add_argument("--url", help="Croissant: the dataset's web page")
    parser.add_argument("--base-url", metavar="URL",
                        help="Croissant: prefix of each file's contentUrl (default: paths relative "
                             "to the root)")


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure
    from provenance.config import ConfigError
    from provenance.discovery import PathError

    try:
        config = configure(args)
        from provenance.checker import Checker

        checker = Checker(config)
        relpaths = checker.session.select(args.files).data
        skipped = _not_datasets(config.root, args.files, relpaths)
        if skipped:
            for raw in skipped:
                print(f"{terminal(raw)}: not a QA dataset (the configuration does not include "
                      "it and no provenance claims it)", file=sys.stderr)
            return 2
        if not relpaths:
            print("qa-provenance export: no QA dataset among the given paths", file=sys.stderr)
            return 2
        entries = [_entry(checker, relpath) for relpath in relpaths]
    except (ConfigError, PathError) as exc:
        print(f"qa-provenance export: {terminal(str(exc))}", file=sys.stderr)
        return 2
    ready = [entry for entry in entries if entry is not None]
    if len(ready) != len(entries):
        print(f"qa-provenance export: {len(entries) - len(ready)} of {len(entries)} files do not "
              "pass the check; nothing exported", file=sys.stderr)
        return 1
    if args.in_toto:
        from provenance.interop.intoto import serialise, statement

        text = serialise([statement(e.relpath, e.sha256, e.record) for e in ready])
    else:
        text = _croissant(args, config.root.name, ready)
    if args.output and args.output != "-":
        from provenance.fs.outputs import refusal

        problem = refusal(config, args.output)
        if problem is not None:
            print(f"qa-provenance export: {terminal(problem)}", file=sys.stderr)
            return 2
    return _emit(args.output, text, len(ready))


def _not_datasets(root: Path, raws: list[str], selected: list[str]) -> list[str]:
    """Files named on the command line that the selection dropped (folders are walked)."""
    from provenance.discovery import is_provenance_file, relative_path

    out = []
    for raw in raws:
        relpath = relative_path(root, raw)
        if (root / relpath).is_file() and not is_provenance_file(relpath) \
                and relpath not in selected:
            out.append(raw)
    return out


def _entry(checker: Checker, relpath: str) -> FileEntry | None:
    """What the export needs about one file, or None (reported) when it does not pass."""
    from provenance import rules
    from provenance.interop.croissant import FileEntry
    from provenance.reading import datafile
    from provenance.reporters.text import format_finding
    from provenance.rules import Severity

    result = checker.check_file(relpath)
    # Evidence requirements (a recorded spot check, a trust level) are not faults of the record,
    # and an attestation can only be made from an export: they do not block one.
    evidence = {rules.VERIFICATION_MISSING.code, rules.TRUST_BELOW_MINIMUM.code}
    errors = [f for f in result.findings
              if f.severity is Severity.ERROR and f.rule.code not in evidence]
    for finding in errors:
        print(format_finding(finding), file=sys.stderr)
    if errors:
        return None
    facts = datafile.inspect(checker.config.root / relpath, checker.config.root)
    claims = checker.session.locator.claims(relpath, facts.embedded)
    record: Any = max(claims, key=lambda c: c.level).record if claims else None
    if not isinstance(record, dict) or "digest" not in record:
        print(f"{terminal(relpath)}: no provenance record to export", file=sys.stderr)
        return None
    named = {str(a.get("id")) for key in ("generator", "validator")
             for a in _agents(record.get(key))}
    return FileEntry(
        relpath=relpath,
        sha256=facts.lfs_oid or facts.sha256,
        record=record,
        size=None if facts.lfs_oid else facts.size,
        provenance_path=result.provenance_path,
        trust=result.trust,
        record_generators=tuple(g for g in result.generators if g not in named),
        record_validators=tuple(v for v in result.validators if v not in named),
    )


def _agents(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _croissant(args: argparse.Namespace, root_name: str, entries: list[FileEntry]) -> str:
    import json

    from provenance.interop.croissant import build, missing_required

    name = args.name or (posixpath.basename(entries[0].relpath) if len(entries) == 1
                         else root_name)
    doc = build(entries, name=name, description=args.description, url=args.url,
                base_url=args.base_url)
    missing = missing_required(doc)
    if missing:
        print("note: Croissant 1.1 also requires " + ", ".join(missing) + ", which the "
              "provenance records do not say: add them before publishing", file=sys.stderr)
    if not args.base_url:
        print("note: contentUrl values are paths relative to the repository root: keep the "
              "file at the root, or pass --base-url", file=sys.stderr)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _emit(output: str | None, text: str, count: int) -> int:
    if not output or output == "-":
        sys.stdout.write(text)
        return 0
    from provenance.fs.atomic import write_atomic

    target = Path(output)
    try:
        write_atomic(target, text.encode("utf-8"))
    except OSError as exc:
        print(terminal(f"qa-provenance export: {output}: {exc.strerror or exc}"), file=sys.stderr)
        return 2
    print(f"wrote {terminal(output)} ({count} file{'s' if count != 1 else ''})", file=sys.stderr)
    return 0
