"""``qa-provenance graph``: the lineage of datasets and models, with loops marked."""

from __future__ import annotations

import argparse
import sys

from provenance.checker import Checker
from provenance.commands.common import configure
from provenance.config import ConfigError
from provenance.lineage.render import RENDERERS
from provenance.reporters.escape import terminal


def run(args: argparse.Namespace) -> int:

    try:
        config = configure(args)

        checker = Checker(config)
        checker.run(None)
        graph = checker.lineage.graph()
    except ConfigError as exc:
        print(f"qa-provenance: {terminal(str(exc))}", file=sys.stderr)
        return 2

    sys.stdout.write(RENDERERS[args.format](graph))
    loops = [loop for loop in graph.loops() if loop.through_data]
    if loops and args.format == "text":
        print(f"{len(loops)} loop{'s' if len(loops) != 1 else ''} through the lineage:")
        for loop in loops:
            print(f"  {terminal(graph.describe(loop))}")
    return 0
