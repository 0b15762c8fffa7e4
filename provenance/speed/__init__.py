"""Where a file is read and whether it must be read again: schedule, read-ahead, workers, caches."""
