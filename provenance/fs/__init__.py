"""File-system edges: atomic writes, folder locks, confinement to the repository, glob patterns."""
