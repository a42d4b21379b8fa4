"""Which PyTorch operators ran inside the candidate's ``forward``: a dispatch-mode trace, in the runner.

A ``TorchDispatchMode`` sees every ATen operator that reaches the dispatcher,
whether Python called it or C++ did (``torch::matmul`` inside a ``load_inline``
extension is seen too). Operators that only allocate, view, move or copy data
are the answer's plumbing; any other operator is PyTorch computing for it.
Each one is reported once with how often it ran and the line of the answer
that led to it.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from torch.utils._python_dispatch import TorchDispatchMode

#: ATen operators that allocate, view, reshape, move, copy or describe tensors: never compute.
PLUMBING_OPS = frozenset({
    "alias", "as_strided", "as_strided_", "chunk", "clone", "contiguous", "copy", "copy_", "_copy_from",
    "_copy_from_and_resize", "detach", "detach_", "diagonal", "dim", "empty", "empty_like", "empty_strided",
    "expand", "expand_as", "fill", "fill_", "flatten", "full", "full_like", "is_contiguous", "is_same_size",
    "item", "_local_scalar_dense", "lift_fresh", "lift_fresh_copy", "movedim", "narrow", "new_empty",
    "new_empty_strided", "new_full", "new_ones", "new_zeros", "numel", "ones", "ones_like", "permute",
    "_pin_memory", "record_stream", "_reshape_alias", "reshape", "resize_", "resize_as_", "scalar_tensor",
    "select", "set_", "size", "slice", "split", "split_with_sizes", "squeeze", "squeeze_", "stride", "sym_numel",
    "sym_size", "sym_storage_offset", "sym_stride", "t", "_to_copy", "to", "transpose", "unbind", "unflatten",
    "unfold", "unsqueeze", "unsqueeze_", "_unsafe_view", "view", "view_as", "zero_", "zeros", "zeros_like",
    "_has_compatible_shallow_copy_type", "_make_dep_token", "is_pinned",
})


@dataclass
class TraceResult:
    """Compute operators seen, each with its count and the answer's line that reached it first."""

    counts: Counter[str] = field(default_factory=Counter)
    where: dict[str, str] = field(default_factory=dict)

    def as_rows(self) -> list[list[Any]]:
        return [[op, count, self.where.get(op, "")] for op, count in sorted(self.counts.items())]


class ComputeTrace(TorchDispatchMode):
    """Records every non-plumbing ATen operator run while active, with the answer's line."""

    def __init__(self, candidate_file: str) -> None:
        super().__init__()
        self.candidate_file = candidate_file
        self.result = TraceResult()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        name = func.overloadpacket.__name__
        if name not in PLUMBING_OPS:
            op = f"aten::{name}"
            self.result.counts[op] += 1
            if op not in self.result.where:
                self.result.where[op] = self._candidate_line()
        return func(*args, **(kwargs or {}))

    def _candidate_line(self) -> str:
        """``line N`` of the innermost frame in the answer's file, or "" when none is on the stack."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.candidate_file:
                return f"line {frame.f_lineno}"
            frame = frame.f_back
        return ""
