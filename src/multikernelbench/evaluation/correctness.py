"""Comparing a candidate's outputs (and its inputs after the call) with the reference's.

Elementwise ``|out - ref| <= atol_eff + rtol * |ref|`` where the absolute term
shrinks with the reference's magnitude: ``atol_eff = atol * clamp(max|ref|, 1e-6, 1)``.
Without that, an all-zeros answer would pass any task whose outputs are all
below atol (a softmax over a long row, say). NaN and Inf must sit exactly where
the reference has them. Runs inside the worker; imports torch.
"""

from __future__ import annotations

from typing import Any

import torch

from multikernelbench.evaluation.tolerances import tolerance_for

# Below this reference magnitude the absolute tolerance stops shrinking.
_MIN_SCALE = 1e-6


def compare_outputs(out: Any, ref: Any, tolerance_profile: str, what: str = "output") -> str | None:
    """None when ``out`` matches ``ref``, else a one-line description of the first mismatch."""
    if isinstance(ref, torch.Tensor):
        return compare_tensors(out, ref, tolerance_profile, what)
    if isinstance(ref, (tuple, list)):
        if not isinstance(out, (tuple, list)) or len(out) != len(ref):
            return f"{what} is {_describe(out)}, expected a {type(ref).__name__} of {len(ref)} items"
        for i, (o, r) in enumerate(zip(out, ref, strict=True)):
            problem = compare_outputs(o, r, tolerance_profile, f"{what}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(ref, (int, float, bool)):
        if isinstance(out, torch.Tensor) or type(out) is not type(ref):
            return f"{what} is {_describe(out)}, expected a {type(ref).__name__}"
        if isinstance(ref, float):
            atol, rtol = tolerance_for(tolerance_profile, "float32")
            close = abs(out - ref) <= atol + rtol * abs(ref)
        else:
            close = out == ref
        return None if close else f"{what} is {out!r}, expected {ref!r}"
    if ref is None:
        return None if out is None else f"{what} is {_describe(out)}, expected None"
    return f"reference {what} has unsupported type {type(ref).__name__}"


def compare_tensors(out: Any, ref: torch.Tensor, tolerance_profile: str, what: str = "output") -> str | None:
    """Compare one tensor: plain type, shape, dtype, device, NaN/Inf placement, then values."""
    # Exact type: a Tensor subclass could override comparisons or lie about its values.
    if type(out) is not torch.Tensor:
        return f"{what} is {_describe(out)}, expected a plain torch.Tensor"
    if out.shape != ref.shape:
        return f"{what} has shape {tuple(out.shape)}, expected {tuple(ref.shape)}"
    if out.dtype != ref.dtype:
        return f"{what} has dtype {out.dtype}, expected {ref.dtype}"
    if out.device != ref.device:
        return f"{what} is on {out.device}, expected {ref.device}"
    if ref.numel() == 0:
        return None
    if not (ref.is_floating_point() or ref.is_complex()):
        if torch.equal(out, ref):
            return None
        bad = out != ref
        return _mismatch(what, bad, out, ref, extra="")
    o = out.detach().to(torch.float32 if ref.element_size() < 4 else ref.dtype)
    r = ref.detach().to(o.dtype)
    nan_o, nan_r = torch.isnan(o), torch.isnan(r)
    if not torch.equal(nan_o, nan_r):
        return _mismatch(what, nan_o != nan_r, out, ref, extra=" (NaN where the reference has none, or the reverse)")
    inf_r = torch.isinf(r)
    inf_o = torch.isinf(o)
    if not torch.equal(inf_o, inf_r) or not torch.equal(o[inf_r], r[inf_r]):
        wrong = (inf_o != inf_r) | (inf_r & (o != r))
        return _mismatch(what, wrong, out, ref, extra=" (Inf placement or sign differs from the reference)")
    finite = ~(nan_r | inf_r)
    o_f, r_f = o[finite], r[finite]
    if r_f.numel() == 0:
        return None
    atol, rtol = tolerance_for(tolerance_profile, str(ref.dtype).removeprefix("torch."))
    scale = float(r_f.abs().max())
    atol_eff = atol * min(max(scale, _MIN_SCALE), 1.0)
    diff = (o_f - r_f).abs()
    bad_finite = diff > atol_eff + rtol * r_f.abs()
    if not bool(bad_finite.any()):
        return None
    bad = torch.zeros_like(finite)
    bad[finite] = bad_finite
    extra = f" (max abs diff {float(diff.max()):.3g}, atol {atol_eff:.3g}, rtol {rtol:.3g})"
    return _mismatch(what, bad, out, ref, extra=extra)


def compare_inputs(candidate_inputs: list[Any], reference_inputs: list[Any], tolerance_profile: str) -> str | None:
    """The candidate's inputs after its call must equal the reference's inputs after the reference's call."""
    for i, (c, r) in enumerate(zip(candidate_inputs, reference_inputs, strict=True)):
        if isinstance(r, torch.Tensor):
            problem = compare_tensors(c, r, tolerance_profile, what=f"input {i} after the call")
            if problem:
                return problem + " (the candidate changed an input differently from the reference)"
    return None


def _mismatch(what: str, bad: torch.Tensor, out: torch.Tensor, ref: torch.Tensor, extra: str) -> str:
    count = int(bad.sum())
    first = tuple(int(i) for i in bad.nonzero()[0].tolist())
    got, want = out[first].item(), ref[first].item()
    return (
        f"{what} mismatches at {count} of {bad.numel()} elements{extra}; "
        f"first at index {list(first)}: got {got:.6g}, expected {want:.6g}"
    )


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {type(value).__name__} of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"
