"""``ember.nn.parallel``: ``DataParallel`` so that tutorial code (the DCGAN tutorial's
``nn.DataParallel(netG, list(range(ngpu)))``) runs. ember does not split batches across GPUs: the wrapper
runs its module on the device the module is on, which is what PyTorch does with one GPU or none."""
from .modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Holds ``module`` (state dict keys gain PyTorch's ``module.`` prefix) and calls it."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        from .. import cuda
        self.module = module
        self.dim = dim
        if not cuda.is_available():
            self.device_ids, self.output_device = [], None
            return
        self.device_ids = list(range(cuda.device_count())) if device_ids is None else \
            [d if isinstance(d, int) else cuda._index(d) for d in device_ids]
        self.output_device = self.device_ids[0] if output_device is None else output_device

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """``module(*inputs)`` (see ``DataParallel``)."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))
