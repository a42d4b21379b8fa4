"""The static integrity check: every bundled answer is clean, and each cheat is caught where it is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.evaluation.integrity import static_checks
from multikernelbench.evaluation.integrity.static_checks import (
    CHECKS,
    DYNAMIC_CODE,
    HARNESS_PATCH,
    NO_OWN_KERNEL,
    REFERENCE_MODEL,
    SIDE_CHANNEL,
    STREAM,
    THREADS_OR_PROCESSES,
    TORCH_COMPUTE,
    TORCH_FALLBACK,
    scan_candidate,
)

SOLUTIONS = Path(static_checks.__file__).resolve().parents[2] / "solutions"
KERNEL_KIND = {"cpp": "load_inline", "cuda": "load_inline", "triton": "triton_jit", "pallas": "pallas_call"}
BUNDLED = sorted(p for backend in KERNEL_KIND for p in (SOLUTIONS / backend).glob("*.txt"))

# A load_inline answer whose forward launches its extension: each test adds one cheat to it.
EXTENSION = '''\
import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

ext = load_inline(name="k", cpp_sources="torch::Tensor f(torch::Tensor x);", functions=["f"])
'''


def module(body: str, prelude: str = EXTENSION) -> str:
    return prelude + textwrap.dedent(body)


def lines(source: str, marker: str = "# HERE") -> list[str]:
    """``where`` for every line carrying ``marker``."""
    return [f"line {n}" for n, text in enumerate(source.splitlines(), 1) if marker in text]


def found(source: str, kind: str = "load_inline") -> set[tuple[str, str]]:
    return {(flag.check, flag.where) for flag in scan_candidate(source, kind)}


def test_bundled_answers_exist() -> None:
    assert len(BUNDLED) >= 60 and {p.parent.name for p in BUNDLED} == set(KERNEL_KIND)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_bundled_answer_has_no_flags(path: Path) -> None:
    source = extract_candidate(path.read_text()).source
    assert source is not None
    assert scan_candidate(source, KERNEL_KIND[path.parent.name]) == ()


def test_check_names_are_exported() -> None:
    assert CHECKS == (TORCH_COMPUTE, TORCH_FALLBACK, REFERENCE_MODEL, HARNESS_PATCH, DYNAMIC_CODE,
                      THREADS_OR_PROCESSES, SIDE_CHANNEL, STREAM, NO_OWN_KERNEL)
    assert NO_OWN_KERNEL == "no_own_kernel" and TORCH_COMPUTE == "torch_compute"


def test_clean_extension_answer_has_no_flags() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, x):
                return ext.f(x)
    ''')
    assert scan_candidate(source, "load_inline") == ()


# --- torch_compute ----------------------------------------------------------------------------------------
def test_constant_getattr_on_torch_is_judged_as_the_function() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, a, b):
                ext.f(a)
                return getattr(torch, "matmul")(a, b)  # HERE
    ''')
    assert found(source) == {(TORCH_COMPUTE, lines(source)[0])}


@pytest.mark.parametrize("alias, call", [
    ("import torch.nn.functional as Fn", "Fn.gelu(x)"),
    ("from torch import relu as r", "r(x)"),
    ("from torch.nn import functional as Q", "Q.softmax(x, dim=-1)"),
])
def test_aliased_torch_functions_are_compute(alias: str, call: str) -> None:
    source = module(f'''
        {alias}

        class ModelNew(nn.Module):
            def forward(self, x):
                y = ext.f(x)
                return {call}  # HERE
    ''')
    flags = scan_candidate(source, "load_inline")
    assert [(f.check, f.where) for f in flags] == [(TORCH_COMPUTE, lines(source)[0])]
    assert "PyTorch" in flags[0].why


def test_tensor_methods_matmul_operator_and_nn_modules_are_compute() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 3, 3)
                self.act = nn.ReLU()

            def forward(self, x, w):
                y = ext.f(x)
                a = y.sum(dim=1)  # HERE
                b = y @ w  # HERE
                c = self.conv(x)  # HERE
                d = nn.GELU()(x)  # HERE
                return y.softmax(-1)  # HERE
    ''')
    assert found(source) == {(TORCH_COMPUTE, where) for where in lines(source)}


def test_modules_created_in_init_and_only_read_are_fine() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(4, 4)
                self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])

            def forward(self, x):
                weights = [layer.weight.t().contiguous() for layer in self.layers]
                return ext.f(x.contiguous().view(-1), self.linear.weight, self.linear.bias, weights)
    ''')
    assert scan_candidate(source, "load_inline") == ()


def test_calling_layers_of_a_module_list_is_compute() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)  # HERE
                return ext.f(x)
    ''')
    assert found(source) == {(TORCH_COMPUTE, lines(source)[0])}


def test_helper_reached_from_forward_is_followed_and_unreached_one_is_not() -> None:
    called = module('''
        def finish(y):
            return torch.tanh(y)  # HERE

        class ModelNew(nn.Module):
            def forward(self, x):
                return self.post(ext.f(x))

            def post(self, y):
                return finish(y)
    ''')
    assert found(called) == {(TORCH_COMPUTE, lines(called)[0])}
    never_called = called.replace("return self.post(ext.f(x))", "return ext.f(x)")
    assert scan_candidate(never_called, "load_inline") == ()


def test_integer_size_arithmetic_passes_and_tensor_arithmetic_does_not() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, x):
                n = x.numel() * 2
                blocks = (n + 255) // 256
                rows = x.shape[0] * x.shape[1]
                scale = 1.0 / x.size(-1) ** 0.5
                out = ext.f(x.contiguous(), n, blocks, rows, scale)
                return out * 2  # HERE
    ''')
    assert found(source) == {(TORCH_COMPUTE, lines(source)[0])}


def test_jax_compute_outside_the_pallas_kernel_is_flagged_inside_it_is_not() -> None:
    source = textwrap.dedent('''\
        import jax
        import jax.numpy as jnp
        import torch
        import torch.nn as nn
        from jax.experimental import pallas as pl

        def exp_kernel(x_ref, o_ref):
            o_ref[...] = jnp.exp(x_ref[...])

        @jax.jit
        def run(x):
            x = jnp.pad(x.reshape(-1, 128), ((0, 0), (0, 0)))
            y = pl.pallas_call(exp_kernel, out_shape=jax.ShapeDtypeStruct(x.shape, x.dtype))(x)
            return jnp.tanh(y)  # HERE

        class ModelNew(nn.Module):
            def forward(self, x):
                return torch.from_dlpack(run(jax.dlpack.from_dlpack(x.contiguous())))
    ''')
    flags = scan_candidate(source, "pallas_call")
    assert [(f.check, f.where) for f in flags] == [(TORCH_COMPUTE, lines(source)[0])]
    assert "jax.numpy outside the Pallas kernel" in flags[0].why


def test_pallas_kernels_defined_inside_the_jitted_function_are_not_host_code() -> None:
    source = textwrap.dedent('''\
        import functools
        import jax
        import jax.numpy as jnp
        import torch
        from jax.experimental import pallas as pl

        @jax.jit
        def run(x):
            def kernel(x_ref, o_ref, *, scale):
                o_ref[...] = jnp.exp(x_ref[...]) * scale
            shape = jax.ShapeDtypeStruct(x.shape, x.dtype)
            y = pl.pallas_call(functools.partial(kernel, scale=2.0), out_shape=shape)(x)
            return pl.pallas_call(lambda y_ref, o_ref: jnp.tanh(y_ref[...]), out_shape=shape)(y)

        class ModelNew(torch.nn.Module):
            def forward(self, x):
                return torch.from_dlpack(run(jax.dlpack.from_dlpack(x.contiguous())))
    ''')
    assert scan_candidate(source, "pallas_call") == ()


# --- torch_fallback -----------------------------------------------------------------------------------------
def test_except_block_computing_with_torch_is_a_fallback() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, x):
                try:
                    return ext.f(x)
                except RuntimeError:
                    return torch.relu(x)  # HERE
    ''')
    flags = scan_candidate(source, "load_inline")
    assert [(f.check, f.where) for f in flags] == [(TORCH_FALLBACK, lines(source)[0])]
    assert "falls back to PyTorch when the kernel fails" in flags[0].why


def test_if_guarded_fallback_is_plain_torch_compute() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, x):
                if not x.is_cuda:
                    return torch.relu(x)  # HERE
                return ext.f(x)
    ''')
    assert found(source) == {(TORCH_COMPUTE, lines(source)[0])}


def test_fallbacks_in_else_blocks_and_through_helpers() -> None:
    source = module('''
        def slow_path(x):
            return torch.nn.functional.relu(x)  # HERE

        class ModelNew(nn.Module):
            def forward(self, x):
                try:
                    y = ext.f(x)
                except Exception:
                    y = slow_path(x)
                else:
                    y = y.clamp(min=0)  # HERE
                return y
    ''')
    assert found(source) == {(TORCH_FALLBACK, where) for where in lines(source)}


# --- no_own_kernel ----------------------------------------------------------------------------------------
def test_decoy_kernel_that_forward_never_calls() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, x):
                return torch.relu(x)  # HERE
    ''')
    flags = scan_candidate(source, "load_inline")
    assert [(f.check, f.where) for f in flags] == [(NO_OWN_KERNEL, "line 5"), (TORCH_COMPUTE, lines(source)[0])]
    assert flags[0].why == "the kernel is defined but forward never calls it"


def test_kernel_reached_through_self_attribute_and_provider_function() -> None:
    source = textwrap.dedent('''\
        import torch
        from torch.utils.cpp_extension import load_inline

        _ext = None

        def get_ext():
            global _ext
            if _ext is None:
                _ext = load_inline(name="k", cpp_sources="torch::Tensor f(torch::Tensor x);", functions=["f"])
            return _ext

        class ModelNew(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fn = get_ext().f

            def forward(self, x):
                return self.fn(x)
    ''')
    assert scan_candidate(source, "load_inline") == ()


def test_triton_answer_without_a_kernel_and_with_an_unlaunched_one() -> None:
    no_kernel = textwrap.dedent('''\
        import torch

        class ModelNew(torch.nn.Module):
            def forward(self, x):
                return x.clone()
    ''')
    flags = scan_candidate(no_kernel, "triton_jit")
    assert [(f.check, f.where) for f in flags] == [(NO_OWN_KERNEL, "line 4")]
    assert "defines no @triton.jit kernel" in flags[0].why
    launched = textwrap.dedent('''\
        import torch
        import triton
        import triton.language as tl

        @triton.jit
        def copy_kernel(x_ptr, o_ptr, n, BLOCK: tl.constexpr):
            offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
            tl.store(o_ptr + offs, tl.load(x_ptr + offs, mask=offs < n), mask=offs < n)

        def copy(x):
            out = torch.empty_like(x)
            copy_kernel[(triton.cdiv(x.numel(), 1024),)](x, out, x.numel(), BLOCK=1024)
            return out

        class ModelNew(torch.nn.Module):
            def forward(self, x):
                return copy(x)
    ''')
    assert scan_candidate(launched, "triton_jit") == ()
    decoy = launched.replace("return copy(x)", "return x.clone()")
    assert found(decoy, "triton_jit") == {(NO_OWN_KERNEL, "line 6")}


# --- reference_model ------------------------------------------------------------------------------------
def test_subclassing_the_reference_model() -> None:
    source = module('''
        class ModelNew(Model):  # HERE
            pass
    ''')
    assert (REFERENCE_MODEL, lines(source)[0]) in found(source)


def test_calling_the_reference_model() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def __init__(self):
                super().__init__()
                self.reference = Model()  # HERE

            def forward(self, x):
                ext.f(x)
                return Model.forward(self, x)  # HERE
    ''')
    assert found(source) == {(REFERENCE_MODEL, where) for where in lines(source)}


def test_pasted_reference_in_a_main_block_is_not_a_cheat() -> None:
    source = module('''
        class Model(nn.Module):
            def forward(self, x):
                return torch.relu(x)

        class ModelNew(nn.Module):
            def forward(self, x):
                return ext.f(x)

        if __name__ == "__main__":
            x = torch.randn(8)
            print((Model()(x) - ModelNew()(x)).abs().max())
    ''')
    assert scan_candidate(source, "load_inline") == ()


def test_forward_replaced_after_the_class_is_scanned_as_forward() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, x):
                return ext.f(x)

        ModelNew.forward = lambda self, x: torch.relu(x)  # HERE
    ''')
    assert found(source) == {(TORCH_COMPUTE, lines(source)[0])}


# --- harness_patch, dynamic_code --------------------------------------------------------------------------
def test_patching_synchronize_and_the_clock() -> None:
    source = module('''
        import time

        torch.cuda.synchronize = lambda *args: None  # HERE
        time.perf_counter = lambda: 0.0  # HERE
        setattr(torch.Tensor, "__eq__", lambda a, b: True)  # HERE

        class ModelNew(nn.Module):
            def forward(self, x):
                self.calls = 1
                return ext.f(x)
    ''')
    assert found(source) == {(HARNESS_PATCH, where) for where in lines(source)}


def test_harness_imports_environment_writes_and_frame_access() -> None:
    source = module('''
        import os
        import sys
        import multikernelbench  # HERE
        os.environ["LD_PRELOAD"] = "/tmp/hook.so"  # HERE
        os.environ.update(PATH="/tmp")  # HERE

        class ModelNew(nn.Module):
            def forward(self, x):
                caller = sys._getframe(1).f_locals  # HERE
                return ext.f(x)
    ''')
    assert found(source) == {(HARNESS_PATCH, where) for where in lines(source)}


def test_build_settings_and_printing_are_not_patches() -> None:
    source = module('''
        import os
        import sys
        os.environ["TORCH_CUDA_ARCH_LIST"] = "9.0"
        os.environ.setdefault("MAX_JOBS", "4")
        os.environ.update({"CXX": "g++"})
        print("building", file=sys.stderr)

        class ModelNew(nn.Module):
            def forward(self, x):
                return ext.f(x)
    ''')
    assert found(source) == set()


def test_computed_getattr_exec_and_eval_are_dynamic_code() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, a, b):
                ext.f(a)
                exec("c = 1")  # HERE
                return getattr(torch, "ma" + "tmul")(a, b)  # HERE
    ''')
    assert found(source) == {(DYNAMIC_CODE, where) for where in lines(source)}


def test_getattr_on_own_objects_is_fine() -> None:
    source = module('''
        class ModelNew(nn.Module):
            def forward(self, x):
                name = "f"
                return getattr(ext, name)(x) if getattr(self, "training") else ext.f(x)
    ''')
    assert scan_candidate(source, "load_inline") == ()


@pytest.mark.parametrize("statement, check", [
    ("import gc", HARNESS_PATCH),
    ("import ctypes", HARNESS_PATCH),
    ("sys.settrace(None)", HARNESS_PATCH),
    ("ext.__class__ = object", HARNESS_PATCH),
    ("frames = torch.Tensor.__subclasses__()", HARNESS_PATCH),
    ("os.dup2(1, 2)", HARNESS_PATCH),
    ("STATUS = open('/proc/self/status').read()", HARNESS_PATCH),
    ("import importlib", DYNAMIC_CODE),
    ("code = compile('1', 'x', 'eval')", DYNAMIC_CODE),
    ("from concurrent.futures import ThreadPoolExecutor", THREADS_OR_PROCESSES),
    ("import torch.multiprocessing", THREADS_OR_PROCESSES),
    ("pid = os.fork()", THREADS_OR_PROCESSES),
    ("torch.save(torch.zeros(1), 'weights.pt')", SIDE_CHANNEL),
    ("import urllib.request", SIDE_CHANNEL),
    ("from pathlib import Path; Path('out.txt').write_text('1')", SIDE_CHANNEL),
    ("side = torch.cuda.ExternalStream(0)", STREAM),
    ("from multikernelbench.tasks import loader", REFERENCE_MODEL),
])
def test_module_level_hazards(statement: str, check: str) -> None:
    source = module(f"import os\nimport sys\n{statement}  # HERE\n", prelude=EXTENSION) + textwrap.dedent('''
        class ModelNew(nn.Module):
            def forward(self, x):
                return ext.f(x)
    ''')
    assert found(source) == {(check, lines(source)[0])}


# --- threads, side channels, streams --------------------------------------------------------------------
def test_threads_files_sockets_and_streams() -> None:
    source = module('''
        import socket  # SOCKET
        import threading  # THREAD

        class ModelNew(nn.Module):
            def forward(self, x):
                threading.Thread(target=print).start()  # THREAD
                with open("/tmp/answer.txt", "w") as f:  # FILE
                    f.write("x")
                socket.create_connection(("example.org", 80))  # SOCKET
                with torch.cuda.stream(torch.cuda.Stream()):  # STREAM
                    return ext.f(x)
    ''')
    expected = {(THREADS_OR_PROCESSES, "# THREAD"), (SIDE_CHANNEL, "# FILE"), (SIDE_CHANNEL, "# SOCKET"),
                (STREAM, "# STREAM")}
    assert found(source) == {(check, where) for check, marker in expected for where in lines(source, marker)}


def test_reading_a_file_is_fine() -> None:
    source = module('''
        with open("/etc/hostname") as f:
            HOST = f.read()

        class ModelNew(nn.Module):
            def forward(self, x):
                return ext.f(x)
    ''')
    assert scan_candidate(source, "load_inline") == ()


# --- C++ sources -------------------------------------------------------------------------------------------
CXX_ANSWER = '''\
import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>
// torch::matmul in a comment is not a call
torch::Tensor f(torch::Tensor a, torch::Tensor b) {
    auto out = torch::empty_like(a);
    TORCH_CHECK(a.is_contiguous(), "torch::matmul in a message is not a call");
    #pragma omp parallel for
    for (int64_t i = 0; i < a.numel(); ++i) { out.data_ptr<float>()[i] = 0.0f; }
    LINE
    return out;
}
"""
ext = load_inline(name="k", cpp_sources=source, functions=["f"])


class ModelNew(nn.Module):
    def forward(self, a, b):
        return ext.f(a, b)
'''


def test_cxx_allocation_views_and_openmp_pass() -> None:
    assert scan_candidate(CXX_ANSWER.replace("LINE", "out = out.view({-1}).contiguous();"), "load_inline") == ()


@pytest.mark.parametrize("line, check", [
    ("out = torch::matmul(a, b);", TORCH_COMPUTE),
    ("out = at::relu(a);", TORCH_COMPUTE),
    ("out = a.mm(b);", TORCH_COMPUTE),
    ("using namespace at; out = matmul(a, b);", TORCH_COMPUTE),
    ("std::thread worker([] {}); worker.join();", THREADS_OR_PROCESSES),
    ("cudaStream_t s; cudaStreamCreate(&s);", STREAM),
    ("FILE* log = fopen(\"/tmp/log\", \"w\");", SIDE_CHANNEL),
])
def test_cxx_cheats_are_placed_on_their_source_line(line: str, check: str) -> None:
    source = CXX_ANSWER.replace("LINE", line)
    # The string starts on Python line 5; LINE is line 9 of its text (line 1 is the empty rest of line 5).
    assert found(source) == {(check, "line 5 (C++ source line 9)")}


# --- odd input ---------------------------------------------------------------------------------------------
def test_syntax_error_gives_no_flags() -> None:
    assert scan_candidate("class ModelNew(:\n    pass\n", "load_inline") == ()


def test_odd_input_raises_nothing() -> None:
    assert scan_candidate("x = 1\0", "load_inline") == ()
    assert scan_candidate("(" * 500 + ")" * 500, "load_inline") == ()
    clean = module('''
        class ModelNew(nn.Module):
            def forward(self, x):
                return ext.f(x)
    ''')
    assert scan_candidate(clean, "some_future_backend") == ()  # only the own-kernel check needs the kind
    assert [f.check for f in scan_candidate("", "load_inline")] == [NO_OWN_KERNEL]


def test_nesting_too_deep_to_walk_is_flagged_not_passed() -> None:
    # Python compiles this, but walking it would overflow the stack: silence here would hide the relu.
    source = module(f'''
        class ModelNew(nn.Module):
            def forward(self, x):
                n = 1{"+1" * 1500}
                return torch.relu(x)
    ''')
    compile(source, "candidate", "exec")
    assert [(f.check, f.where) for f in scan_candidate(source, "load_inline")] == [(DYNAMIC_CODE, "line 1")]


def test_flags_are_sorted_and_unique() -> None:
    source = module('''
        import threading, subprocess  # IMPORTS

        class ModelNew(nn.Module):
            def forward(self, x):
                return torch.relu(x) + torch.sigmoid(x) * torch.tanh(x)  # COMPUTE
    ''')
    # Two hazards on one line and four computations on another are one flag each, in line order.
    assert [(f.check, f.where) for f in scan_candidate(source, "load_inline")] == [
        (NO_OWN_KERNEL, "line 5"),
        (THREADS_OR_PROCESSES, lines(source, "# IMPORTS")[0]),
        (TORCH_COMPUTE, lines(source, "# COMPUTE")[0]),
    ]
