"""Evaluation of candidates: extraction, isolated build/check/time workers, verdicts."""
