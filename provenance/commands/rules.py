"""``qa-provenance rules``: the rule table, the same one the README shows."""

from __future__ import annotations

import argparse

from provenance.rules import ALL_RULES


def run(args: argparse.Namespace) -> int:
    print("| code | name | default | what it catches |")
    print("|---|---|---|---|")
    for rule in ALL_RULES:
        print(f"| {rule.code} | {rule.name} | {rule.default.value} | {rule.summary} |")
    return 0
