"""Subcommands of ``qa-provenance``; each exposes ``run(args) -> exit code``."""
