"""``qa-provenance init``: start using the tool in a repository, after looking at what it holds.

Writes ``.qa-provenance.yaml`` (with a warning override for each folder of unlabelled files),
``.pre-commit-config.yaml`` (or prints the entry to add to an existing one), the GitHub
workflow and ``.gitattributes`` (data files are never converted to CRLF), each only when it does
not exist yet; ``--dry-run`` prints them instead. Never touches
a data file. Exit 0, or 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys

from provenance.adoption.hints import AGENTS
from provenance.adoption.survey import common_folder, survey
from provenance.adoption.templates import (
    config_text,
    gitattributes_text,
    precommit_entry,
    precommit_text,
    workflow_text,
)
from provenance.commands.common import configure
from provenance.config import ConfigError
from provenance.session import Session

WORKFLOW = ".github/workflows/qa-provenance.yml"


def run(args: argparse.Namespace) -> int:

    try:
        config = configure(args)
    except ConfigError as exc:
        print(f"qa-provenance: {exc}", file=sys.stderr)
        return 2
    session = Session(config)
    found = survey(config, session.locator, session.all_files())
    root = config.root
    plans: list[tuple[str, str]] = [(".qa-provenance.yaml", config_text(found))]
    precommit = root / ".pre-commit-config.yaml"
    if precommit.exists():
        existing = precommit.read_text(encoding="utf-8", errors="replace")
        if "qa-provenance" not in existing:
            print("add to the repos: of .pre-commit-config.yaml:\n" + precommit_entry(found))
    else:
        plans.append((".pre-commit-config.yaml", precommit_text(found)))
    if not args.no_workflow:
        plans.append((WORKFLOW, workflow_text()))
    attributes = root / ".gitattributes"
    if attributes.exists():
        existing = attributes.read_text(encoding="utf-8", errors="replace")
        if "qa-provenance" not in existing:
            print("add to .gitattributes:\n" + gitattributes_text())
    else:
        plans.append((".gitattributes", gitattributes_text()))
    for relpath, text in plans:
        target = root / relpath
        if target.exists():
            print(f"kept {relpath} (it exists)")
        elif args.dry_run:
            print(f"--- would write {relpath} ---\n{text}")
        else:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "x", encoding="utf-8") as handle:  # never overwrite
                    handle.write(text)
            except OSError as exc:
                print(f"qa-provenance: cannot write {relpath}: {exc.strerror or exc}",
                      file=sys.stderr)
                return 2
            print(f"wrote {relpath}")
    _next_steps(found.data, found.unlabelled, (root / ".git").exists())
    return 0


def _next_steps(data: list[str], unlabelled: list[str], in_git: bool) -> None:
    print(f"\n{len(data)} data file{'' if len(data) == 1 else 's'}, {len(unlabelled)} "
          "without provenance.")
    if unlabelled:
        folder = common_folder(unlabelled)
        print(f"next: qa-provenance stamp {folder} {AGENTS}\n"
              "      (or one provenance.yaml manifest per folder made by one pipeline)")
    if in_git:
        print("then: pre-commit install   # the hook runs on every commit")
    else:
        print("then: git init && pre-commit install   # not a git repository yet: the hook "
              "runs on every commit")
