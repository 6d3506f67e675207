"""``ember.backends.cuda``: PyTorch's TF32 switch for matrix products. ember's GPU matrix products are CuPy's
(cuBLAS in the arrays' own precision); the flag is kept for reading back."""


class _Matmul:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()


def is_built():
    from .. import cuda
    return cuda.is_available()
