"""Hardware backends: how a candidate is built, run, synchronised and timed on one platform."""
