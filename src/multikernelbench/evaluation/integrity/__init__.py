"""Integrity checks: an answer must compute in its own kernels and keep out of the harness."""
