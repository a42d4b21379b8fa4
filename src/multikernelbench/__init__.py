"""multikernelbench: a benchmark of LLM-written deep-learning kernels across hardware backends."""

__version__ = "0.1.0"
