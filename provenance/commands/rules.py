"""``qa-provenance rules`` and ``profiles``: the tables the documentation shows.

``rules`` prints docs/rules/index.md's table exactly (a test compares them); its links are
relative to that page. ``profiles`` prints the table of docs/formats.md.
"""

from __future__ import annotations

import argparse

from provenance.rules import ALL_RULES


def run(args: argparse.Namespace) -> int:
    print("| code | name | default | what it catches | page |")
    print("|---|---|---|---|---|")
    for rule in sorted(ALL_RULES, key=lambda rule: rule.code):
        print(f"| {rule.code} | {rule.name} | {rule.default.value} | {rule.summary} "
              f"| [{rule.code}]({rule.code}.md) |")
    return 0


def run_profiles(args: argparse.Namespace) -> int:
    from provenance.reading.profiles import builtin_profiles

    print("| profile | detected by | question | answer | context | per-record agents |")
    print("|---|---|---|---|---|---|")
    for profile in builtin_profiles():
        agents = ", ".join(
            [f"generator `{a.field}`" for a in profile.generators]
            + [f"validator `{a.field}`" for a in profile.validators]
        ) or "-"
        detect = ", ".join(f"`{key}`" for key in profile.detect)
        print(f"| {profile.name} | {detect} | `{profile.question or '-'}` | "
              f"`{profile.answer or '-'}` | `{profile.context or '-'}` | {agents} |")
    return 0
