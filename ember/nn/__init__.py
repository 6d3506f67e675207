"""``ember.nn``: layers, losses, containers and initialisation, with PyTorch's names and semantics.

    model = ember.nn.Sequential(ember.nn.Linear(64, 32), ember.nn.ReLU(), ember.nn.Linear(32, 10))
    loss = ember.nn.CrossEntropyLoss()(model(x), y)
"""
from . import functional, init, parallel, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from .parameter import Parameter  # noqa: F401
from .parallel import DataParallel  # noqa: F401
