"""One reporter per output format, each turning a ``RunResult`` into text on a stream."""
