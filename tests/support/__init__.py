"""Helpers shared by tests and benchmarks (a fake chat API server...)."""
