"""Trust levels: how much of a file's provenance rests on more than its producer's word."""
