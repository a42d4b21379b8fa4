"""Tolerance profiles per dtype, as plain data so the parent can validate names without torch.

``strict`` is the default (fp32 atol=rtol=1e-4); ``paper`` matches the published
benchmark's 1e-2 for every floating dtype.
"""

from __future__ import annotations

from multikernelbench.errors import UserError

# profile -> dtype name -> (atol, rtol)
TOLERANCE_PROFILES: dict[str, dict[str, tuple[float, float]]] = {
    "strict": {
        "float64": (1e-7, 1e-7),
        "float32": (1e-4, 1e-4),
        "float16": (1e-2, 1e-2),
        "bfloat16": (2e-2, 2e-2),
    },
    "paper": {
        "float64": (1e-2, 1e-2),
        "float32": (1e-2, 1e-2),
        "float16": (1e-2, 1e-2),
        "bfloat16": (1e-2, 1e-2),
    },
}


def tolerance_for(profile: str, dtype_name: str) -> tuple[float, float]:
    """(atol, rtol) for a floating dtype; unknown float dtypes get the float16 entry."""
    table = TOLERANCE_PROFILES[profile]
    return table.get(dtype_name, table["float16"])


def check_profile_name(profile: str) -> str:
    if profile not in TOLERANCE_PROFILES:
        raise UserError(f"unknown tolerance profile '{profile}'; choose one of: {', '.join(TOLERANCE_PROFILES)}")
    return profile
