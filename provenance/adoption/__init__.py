"""Adopting the tool in a repository: what it holds, the files ``init`` writes, first-run hints."""
