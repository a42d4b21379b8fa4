"""Producing answers for tasks: prompts, model clients and the bundled reference solutions."""
