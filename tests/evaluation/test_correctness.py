"""The output comparison: tolerances a constant answer cannot pass, NaN/Inf placement, types."""

from __future__ import annotations

import pytest
import torch

from multikernelbench.evaluation.correctness import compare_inputs, compare_outputs


def softmax_long_row() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.softmax(torch.randn(4, 100_000), dim=1)


def test_exact_and_slightly_perturbed_outputs_pass() -> None:
    ref = torch.randn(64, 64)
    assert compare_outputs(ref.clone(), ref, "strict") is None
    assert compare_outputs(ref * (1 + 1e-6), ref, "strict") is None


def test_small_error_fails_strict_but_passes_paper() -> None:
    ref = torch.randn(64, 64)
    out = ref + 1e-3
    assert "mismatches" in compare_outputs(out, ref, "strict")
    assert compare_outputs(out, ref, "paper") is None


@pytest.mark.parametrize("profile", ["strict", "paper"])
def test_constant_outputs_fail_even_when_reference_values_are_tiny(profile: str) -> None:
    ref = softmax_long_row()
    assert float(ref.max()) < 1e-3  # every value is below both profiles' absolute tolerances
    assert compare_outputs(torch.zeros_like(ref), ref, profile) is not None
    assert compare_outputs(torch.full_like(ref, float(ref.mean())), ref, profile) is not None
    assert compare_outputs(ref * (1 + 1e-6), ref, profile) is None


def test_all_zero_reference_needs_zero_output() -> None:
    ref = torch.zeros(10)
    assert compare_outputs(torch.zeros(10), ref, "strict") is None
    assert compare_outputs(torch.full((10,), 1e-3), ref, "strict") is not None


def test_shape_dtype_and_type_are_checked() -> None:
    ref = torch.randn(4, 8)
    assert "shape" in compare_outputs(ref.reshape(8, 4), ref, "strict")
    assert "dtype" in compare_outputs(ref.double(), ref, "strict")
    assert "plain torch.Tensor" in compare_outputs(ref.numpy(), ref, "strict")

    class Sneaky(torch.Tensor):
        pass

    assert "plain torch.Tensor" in compare_outputs(ref.as_subclass(Sneaky), ref, "strict")


def test_nan_and_inf_only_where_the_reference_has_them() -> None:
    ref = torch.tensor([1.0, float("nan"), float("inf"), -float("inf")])
    assert compare_outputs(ref.clone(), ref, "strict") is None
    no_nan = torch.tensor([1.0, 0.0, float("inf"), -float("inf")])
    assert "NaN" in compare_outputs(no_nan, ref, "strict")
    wrong_sign = torch.tensor([1.0, float("nan"), -float("inf"), -float("inf")])
    assert "Inf" in compare_outputs(wrong_sign, ref, "strict")
    extra_nan = torch.tensor([float("nan"), float("nan"), float("inf"), -float("inf")])
    assert "NaN" in compare_outputs(extra_nan, ref, "strict")


def test_integer_outputs_must_be_exact() -> None:
    ref = torch.arange(10)
    assert compare_outputs(ref.clone(), ref, "strict") is None
    off = ref.clone()
    off[3] += 1
    message = compare_outputs(off, ref, "strict")
    assert "1 of 10" in message and "[3]" in message


def test_tuples_are_compared_item_by_item() -> None:
    a, b = torch.randn(3), torch.randn(2)
    assert compare_outputs((a, b), (a, b), "strict") is None
    assert "output[1]" in compare_outputs((a, b + 1), (a, b), "strict")
    assert "tuple of 2" in compare_outputs(a, (a, b), "strict")


def test_inputs_changed_differently_from_the_reference() -> None:
    x = torch.randn(5)
    assert compare_inputs([x.clone()], [x.clone()], "strict") is None
    assert "changed an input" in compare_inputs([x.relu()], [x.clone()], "strict")
