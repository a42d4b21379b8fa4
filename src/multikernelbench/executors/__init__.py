"""Schedulers that evaluate many answers: local threads and processes, or the device lanes of a Ray cluster."""
