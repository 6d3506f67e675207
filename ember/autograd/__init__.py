"""Reverse-mode automatic differentiation: graph nodes, the engine, grad modes, custom Functions."""
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import BackwardCFunction, Function, FunctionCtx, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .node import AccumulateGrad, Node
from .variable import Variable
from . import functional  # noqa: E402,F401  (after the names it uses)

__all__ = ["backward", "grad", "Function", "FunctionCtx", "BackwardCFunction", "once_differentiable", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
           "gradcheck", "gradgradcheck", "GradcheckError", "Node", "AccumulateGrad", "Variable", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]
