"""Category exemplars for one-shot prompting: a task per category with a bundled, tested solution.

``selected_shot`` prompting shows the model the exemplar of the task's own
category; ``add_shot`` (the published default) always shows the
elementwise-add exemplar.
"""

from __future__ import annotations

from multikernelbench.errors import UserError
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.tasks.loader import load_task
from multikernelbench.tasks.task import Task

#: The elementwise-add exemplar of the default one-shot prompt.
ADD_EXEMPLAR = "add_bias_broadcast"

#: category -> exemplar task; each has a bundled cpp solution that the evaluator passes.
CATEGORY_EXEMPLARS: dict[str, str] = {
    "activation": "relu",
    "arch": "deep_narrow_mlp",
    "attention": "scaled_dot_product_attention",
    "broadcast": ADD_EXEMPLAR,
    "convolution": "conv_standard_2d_square_input_square_kernel",
    "fuse": "gemm_relu_divide",
    "index": "gather",
    "loss": "mse_loss",
    "math": "cumsum",
    "matmul": "standard_matrix_multiplication",
    "normalization": "rms_norm",
    "optimizer": "adam",
    "pooling": "max_pooling_2d",
    "reduce": "sum_reduction_over_a_dimension",
    "resize": "bilinear_upsample",
}


def exemplar(category: str, backend: str) -> tuple[Task, str]:
    """The exemplar task of ``category`` and its bundled answer for ``backend``."""
    if category not in CATEGORY_EXEMPLARS:
        raise UserError(f"no exemplar for category '{category}'; known: {', '.join(sorted(CATEGORY_EXEMPLARS))}")
    name = CATEGORY_EXEMPLARS[category]
    answer = bundled_solution(name, backend)
    if answer is None:
        raise UserError(f"the {category} exemplar '{name}' has no bundled {backend} solution yet")
    return load_task(name), answer
