"""What every subcommand does first: find the root and load the configuration."""

from __future__ import annotations

import argparse
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
