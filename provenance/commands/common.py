"""What every subcommand does first: find the root and load the configuration."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from provenance.config import Config, find_root, load_config


def configure(args: argparse.Namespace) -> Config:
    """Raises ConfigError for a configuration that cannot be used."""
    explicit = Path(args.config) if args.config else None
    if args.root:
        root = Path(args.root).resolve()
    elif explicit is not None:
        root = explicit.resolve().parent
    else:
        root = find_root(Path.cwd())
    if not root.is_dir():
        from provenance.config import ConfigError

        raise ConfigError(f"{args.root}: not a directory")
    config = load_config(root, explicit)
    if getattr(args, "no_cache", False):
        import dataclasses

        config = dataclasses.replace(config, digest_cache=False)
    return config


def file_arguments(paths: list[str]) -> list[str]:
    """The command line's file names, checked for an option put in the wrong place.

    The hooks end options with ``--`` so that a file named ``-h`` or ``--config=x.jsonl`` stays
    a file name; a pre-commit ``args:`` then lands after the ``--``. A name that starts with a
    dash and names no file is such an option: refused, rather than quietly checked as a deleted
    file."""
    from provenance.discovery import PathError

    for raw in paths:
        if raw.startswith("-") and not os.path.lexists(raw):
            raise PathError(f"{raw}: no such file (every argument after '--' is a file name: "
                            "put options before it, or in the configuration)")
    return list(paths)
