"""Schedulers that evaluate many answers: local threads and processes now, clusters later."""
