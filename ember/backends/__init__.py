"""``ember.backends``: the switches PyTorch programs set in their seeding and device boilerplate::

    import ember.backends.cudnn as cudnn
    cudnn.deterministic = True; cudnn.benchmark = False
    device = "mps" if ember.backends.mps.is_available() else "cpu"

ember has no Apple GPU backend (``mps.is_available()`` is False) and picks its own convolution algorithms, so the
cuDNN and TF32 flags are kept for reading back but select nothing (see ``cudnn``).
"""
from . import cuda, cudnn, mps  # noqa: F401
