"""``ember.backends.cudnn``: PyTorch's cuDNN flags. ember chooses its convolution algorithm without
benchmarking (``ember.cuda.set_conv_algorithm`` picks one), so ``benchmark`` and ``deterministic`` are accepted
and read back but change nothing; ``is_available`` says whether the GPU backend offers cuDNN convolutions."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    from .. import cuda
    return cuda.is_available() and cuda.cudnn_available()


def version():
    """The cuDNN library version as an int, or None without cuDNN (as in PyTorch)."""
    if not is_available():
        return None
    from cupy.cuda import cudnn as libcudnn
    return libcudnn.getVersion()
