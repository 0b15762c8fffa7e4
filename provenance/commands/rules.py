"""``qa-provenance rules`` and ``profiles``: the tables the README shows."""

from __future__ import annotations

import argparse

from provenance.rules import ALL_RULES


def run(args: argparse.Namespace) -> int:
    print("| code | name | default | what it catches |")
    print("|---|---|---|---|")
    for rule in ALL_RULES:
        print(f"| {rule.code} | {rule.name} | {rule.default.value} | {rule.summary} |")
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
