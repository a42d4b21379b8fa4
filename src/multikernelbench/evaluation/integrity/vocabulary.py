"""The words the static integrity checks judge by: check names, and which calls compute or only allocate.

Kept apart from the scanners so that a reviewer can read (and a maintainer can extend) the lists in one
place. Names are dotted paths as the scanners resolve them from the candidate's imports: ``F.relu`` is
``torch.nn.functional.relu``, ``np.save`` is ``numpy.save``, ``jnp.exp`` is ``jax.numpy.exp``.
"""

from __future__ import annotations

TORCH_COMPUTE = "torch_compute"
TORCH_FALLBACK = "torch_fallback"
REFERENCE_MODEL = "reference_model"
HARNESS_PATCH = "harness_patch"
DYNAMIC_CODE = "dynamic_code"
THREADS_OR_PROCESSES = "threads_or_processes"
SIDE_CHANNEL = "side_channel"
STREAM = "stream"
NO_OWN_KERNEL = "no_own_kernel"

CHECKS = (
    TORCH_COMPUTE,
    TORCH_FALLBACK,
    REFERENCE_MODEL,
    HARNESS_PATCH,
    DYNAMIC_CODE,
    THREADS_OR_PROCESSES,
    SIDE_CHANNEL,
    STREAM,
    NO_OWN_KERNEL,
)

# Dotted names (a module, or an attribute of one) that are a hazard wherever they appear: imported,
# called or only read. The longest matching prefix decides, so "multikernelbench.tasks" beats
# "multikernelbench" and "os.environ.update" is a patch while "os.environ.get" is nothing.
DOTTED_HAZARDS: dict[str, str] = {
    **dict.fromkeys(
        ("threading", "_thread", "multiprocessing", "concurrent", "subprocess", "asyncio", "pty", "joblib",
         "torch.multiprocessing", "os.fork", "os.forkpty", "os.posix_spawn", "os.posix_spawnp",
         "os.register_at_fork"),
        THREADS_OR_PROCESSES,
    ),
    **dict.fromkeys(
        ("socket", "ssl", "urllib", "http", "requests", "httpx", "aiohttp", "ftplib", "smtplib", "telnetlib",
         "xmlrpc", "zmq", "sqlite3", "dbm", "mmap", "shutil", "pickle", "shelve", "marshal", "dill",
         "cloudpickle", "tempfile", "torch.save", "torch.hub", "numpy.save", "numpy.savez",
         "numpy.savez_compressed", "numpy.savetxt"),
        SIDE_CHANNEL,
    ),
    **dict.fromkeys(
        ("gc", "inspect", "ctypes", "cffi", "builtins", "signal", "atexit", "faulthandler", "resource",
         "unittest.mock", "mock", "multikernelbench", "object.__setattr__", "sys.settrace", "sys.setprofile",
         "sys.modules", "sys.argv", "sys._getframe", "sys.stdin", "sys.__stdin__", "sys.exit", "sys.meta_path",
         "sys.path_hooks", "sys.addaudithook", "os.write", "os.fdopen", "os.dup", "os.dup2", "os.open", "os.kill",
         "os.killpg", "os._exit", "os.abort", "os.system", "os.popen", "os.putenv", "os.unsetenv", "os.chdir",
         "os.setsid", "os.setpgid", "os.setpgrp"),
        HARNESS_PATCH,
    ),
    **dict.fromkeys(("exec", "eval", "compile", "__import__", "importlib", "globals", "runpy"), DYNAMIC_CODE),
    **dict.fromkeys(
        ("torch.cuda.Stream", "torch.cuda.stream", "torch.cuda.set_stream", "torch.cuda.ExternalStream",
         "torch.cuda.StreamContext", "torch.cuda.streams", "torch.Stream", "torch.stream", "cupy.cuda.Stream"),
        STREAM,
    ),
    # Another compiler doing the work is not the answer's own kernel, reachable from forward or not.
    **dict.fromkeys(("torch.compile", "torch.jit", "torch._dynamo", "torch._inductor"), TORCH_COMPUTE),
    "multikernelbench.tasks": REFERENCE_MODEL,
}
# Build settings an answer may set in os.environ before it builds (printing to sys.stdout or sys.stderr
# is harmless too: it goes to the worker's log).
BUILD_VARIABLES = frozenset({"TORCH_CUDA_ARCH_LIST", "MAX_JOBS", "CXX", "CC", "NVCC_APPEND_FLAGS",
                             "NVCC_PREPEND_FLAGS", "CUDA_LAUNCH_BLOCKING", "OMP_NUM_THREADS"})
# os.execv, os.execlp, os.spawnl, ...: whole families.
HAZARD_FAMILIES = {"os.exec": HARNESS_PATCH, "os.spawn": HARNESS_PATCH}

# Attributes that reach into frames, code objects or the interpreter's own tables.
INTROSPECTION_ATTRS = frozenset(
    {"__subclasses__", "__globals__", "__code__", "__builtins__", "__closure__", "f_back", "f_locals",
     "f_globals", "f_code", "tb_frame", "gi_frame", "cr_frame"}
)
# Methods that write files whatever their receiver (pathlib, numpy).
FILE_WRITING_METHODS = frozenset({"write_text", "write_bytes", "tofile"})
PATH_HAZARDS = ("/proc/", "/dev/fd", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty", "/dev/mem")

# torch.<name> functions that allocate, view, query or configure: never compute.
TORCH_ALLOWED = frozenset(
    {"empty", "empty_like", "zeros", "zeros_like", "ones", "ones_like", "full", "full_like", "empty_strided",
     "tensor", "as_tensor", "asarray", "from_numpy", "from_dlpack", "scalar_tensor", "arange", "Size", "device",
     "dtype", "finfo", "iinfo", "is_tensor", "is_floating_point", "is_complex", "is_grad_enabled", "no_grad",
     "inference_mode", "enable_grad", "set_grad_enabled", "get_default_dtype", "result_type", "promote_types",
     "can_cast", "broadcast_shapes", "Generator", "numel", "typename", "_assert", "get_num_threads",
     "reshape", "permute", "transpose", "t", "flatten", "unflatten", "unsqueeze", "squeeze", "narrow", "select",
     "split", "chunk", "unbind", "as_strided", "movedim", "moveaxis", "swapaxes", "swapdims", "tensor_split",
     "broadcast_to", "view_as_real", "view_as_complex", "Tensor", "manual_seed", "seed", "is_nonzero",
     "get_rng_state", "set_rng_state"}
)
# Namespaces under torch whose every function computes.
TORCH_COMPUTE_NAMESPACES = (
    "torch.nn.functional.", "torch.special.", "torch.linalg.", "torch.fft.", "torch.Tensor.", "torch.sparse.",
    "torch.nested.", "torch._C._nn.", "torch._C._VariableFunctions.", "torch._refs.", "torch._prims.",
    "torch.ops.aten.", "torch.ops.prims.", "torch.ops.quantized.",
)
# nn classes that hold parameters or modules without computing when created or indexed.
NN_CONTAINERS = frozenset({"ModuleList", "ModuleDict", "Sequential"})
NN_NOT_MODULES = frozenset({"Parameter", "ParameterList", "ParameterDict", "Module", "Buffer"})

# Tensor methods that compute. Names also found on plain Python objects (set.add, logger.log,
# pattern.sub, list.sort) are judged only on a receiver known to be a tensor.
COMPUTE_METHODS = frozenset(
    {"abs", "abs_", "absolute", "acos", "acosh", "add_", "addbmm", "addcdiv", "addcdiv_", "addcmul", "addcmul_",
     "addmm", "addmm_", "addmv", "addr", "allclose", "amax", "amin", "aminmax", "argmax", "argmin", "argsort",
     "asin", "atan", "atan2", "baddbmm", "bincount", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor",
     "bmm", "ceil", "ceil_", "cholesky", "clamp", "clamp_", "clamp_max", "clamp_min", "clip", "clip_", "cos",
     "cosh", "count_nonzero", "cross", "cummax", "cummin", "cumprod", "cumsum", "cumsum_", "det", "diag", "diff",
     "digamma", "dist", "div", "div_", "divide", "dot", "eq", "eq_", "equal", "erf", "erf_", "erfc", "erfinv",
     "exp", "exp_", "exp2", "expm1", "float_power", "floor", "floor_", "floor_divide", "fmod", "frac", "gather",
     "ge", "gt", "heaviside", "histc", "hypot", "index_add", "index_add_", "index_fill", "index_put",
     "index_put_", "index_select", "index_copy", "index_copy_", "index_reduce", "put_", "take",
     "inner", "inverse", "isclose", "isfinite", "isinf", "isnan", "kron",
     "kthvalue", "le", "lerp", "lerp_", "lgamma", "log10", "log1p", "log2", "log_", "log_softmax", "logaddexp",
     "logcumsumexp", "logdet", "logical_and", "logical_not", "logical_or", "logical_xor", "logit", "logsumexp",
     "lt", "masked_fill", "masked_fill_", "masked_scatter", "masked_select", "matmul", "matrix_power", "max",
     "maximum", "mean", "median", "min", "minimum", "mm", "msort", "mul", "mul_", "multiply", "mv", "nan_to_num",
     "nanmean", "nansum", "ne", "neg", "neg_", "negative", "nonzero", "norm", "outer", "pinverse", "pow", "pow_",
     "prod", "quantile", "reciprocal", "reciprocal_", "relu", "relu_", "remainder", "renorm", "repeat",
     "repeat_interleave", "roll", "rot90", "round", "round_", "rsqrt", "rsqrt_", "scatter", "scatter_",
     "scatter_add", "scatter_add_", "scatter_reduce", "sgn", "sigmoid", "sigmoid_", "sign", "sin", "sinh",
     "softmax", "sqrt", "sqrt_", "square", "square_", "std", "sub_", "subtract", "sum", "sum_to_size", "svd",
     "tan", "tanh", "tanh_", "tile", "topk", "trace", "tril", "tril_", "triu", "triu_", "true_divide", "trunc",
     "unique", "var", "where", "xlogy", "flip", "fliplr", "flipud"}
)
AMBIGUOUS_COMPUTE_METHODS = frozenset({"add", "sub", "log", "sort", "all", "any"})
# Methods that give a tensor back without computing: a tensor in, a tensor out.
VIEW_METHODS = frozenset(
    {"view", "reshape", "permute", "transpose", "t", "contiguous", "flatten", "unflatten", "unsqueeze", "squeeze",
     "expand", "expand_as", "narrow", "select", "split", "chunk", "unbind", "as_strided", "view_as", "reshape_as",
     "movedim", "moveaxis", "swapaxes", "swapdims", "unfold", "diagonal", "detach", "requires_grad_", "to",
     "cuda", "cpu", "float", "half", "bfloat16", "double", "int", "long", "short", "bool", "byte", "char", "type",
     "type_as", "clone", "copy_", "zero_", "fill_", "new_empty", "new_zeros", "new_ones", "new_full",
     "new_tensor", "pin_memory", "astype"}
)
# Methods and attributes that only a tensor (or array) has: evidence that a name holds one.
METADATA_METHODS = frozenset(
    {"size", "dim", "ndimension", "numel", "nelement", "stride", "is_contiguous", "element_size", "data_ptr",
     "storage_offset", "get_device", "untyped_storage", "is_floating_point"}
)
TENSOR_ATTRS = frozenset({"shape", "dtype", "device", "is_cuda", "T", "mT", "layout", "ndim"})
TENSOR_VALUED_ATTRS = frozenset({"T", "mT", "data", "real", "imag", "grad"})

# jax namespaces that compute, and their calls that only allocate or lay out (the Pallas answers use
# these around their pallas_call: padding a weight, reshaping an output).
JAX_COMPUTE_NAMESPACES = ("jax.numpy.", "jax.lax.", "jax.nn.", "jax.scipy.", "jax.random.", "jax.image.")
JAX_ALLOWED = frozenset(
    {"zeros", "zeros_like", "empty", "empty_like", "ones", "ones_like", "full", "full_like", "reshape",
     "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze", "ravel", "pad", "asarray", "array", "astype",
     "broadcast_to", "broadcast_in_dim", "shape", "size", "ndim", "dtype", "result_type", "promote_types",
     "iinfo", "finfo", "float32", "float16", "bfloat16", "float64", "int32", "int64", "int8", "uint8", "bool_",
     "arange", "iota", "fori_loop", "while_loop", "cond", "Precision", "convert_element_type",
     "bitcast_convert_type", "slice", "dynamic_slice", "axis_index", "stop_gradient", "multiple_of"}
)

NON_TENSOR_FORWARD_USES = frozenset({"float", "int", "bool", "len", "range", "tuple", "list", "str"})


def torch_computes(name: str) -> bool:
    """True for a dotted torch function that computes (torch.matmul, F.relu), False for allocation and the rest."""
    if not name.startswith("torch."):
        return False
    if name.startswith(TORCH_COMPUTE_NAMESPACES):
        return True
    parts = name.split(".")
    return len(parts) == 2 and parts[1] not in TORCH_ALLOWED and not parts[1][:1].isupper()


def jax_computes(name: str) -> bool:
    """True for jax.numpy / jax.lax / jax.nn compute; reshapes, padding, allocation and loops pass."""
    return name.startswith(JAX_COMPUTE_NAMESPACES) and name.rsplit(".", 1)[-1] not in JAX_ALLOWED
