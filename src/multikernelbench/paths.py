"""Default locations on disk: the results store and the build cache."""

import os
from pathlib import Path

DEFAULT_RESULTS_DIR = Path("mkb-results")
DEFAULT_STORE_NAME = "results.sqlite"


def default_store_path() -> Path:
    """The results database used when the user names none (``./mkb-results/results.sqlite``)."""
    return Path(os.environ.get("MKB_RESULTS_DIR", DEFAULT_RESULTS_DIR)) / DEFAULT_STORE_NAME


def default_cache_dir() -> Path:
    """Root of the content-addressed build cache (``$MKB_CACHE_DIR`` or the XDG cache)."""
    if "MKB_CACHE_DIR" in os.environ:
        return Path(os.environ["MKB_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "multikernelbench"
