"""Every public object of ember has a docstring: the notebook editor shows it on Shift+Tab (``obj.__doc__``)."""
import inspect
import types

import ember
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
import ember.optim.lr_scheduler as lr_scheduler


def _public(namespace):
    """The public classes and functions of a module: its ``__all__``, else the names defined inside ember."""
    names = getattr(namespace, "__all__", None) or dir(namespace)
    out = []
    for name in names:
        obj = getattr(namespace, name, None)
        if name.startswith("_") or obj is None or isinstance(obj, types.ModuleType):
            continue
        if not (inspect.isclass(obj) or callable(obj)):
            continue
        if not (getattr(obj, "__module__", None) or "").startswith("ember"):
            continue        # re-exported from elsewhere (``warnings``, ``math``...)
        out.append((name, obj))
    return out


def _undocumented(pairs):
    return sorted(name for name, obj in pairs if not (obj.__doc__ or "").strip())


def test_public_functions_and_classes_have_docstrings():
    missing = {}
    for namespace in (ember, nn, F, optim, lr_scheduler):
        names = _undocumented(_public(namespace))
        if names:
            missing[namespace.__name__] = names
    assert not missing, "public objects without a docstring (Shift+Tab shows nothing for them):\n" + "\n".join(
        f"  {module}: {', '.join(names)}" for module, names in missing.items())


def test_tensor_methods_have_docstrings():
    methods = [(name, getattr(ember.Tensor, name)) for name in dir(ember.Tensor)
               if not name.startswith("_") and callable(getattr(ember.Tensor, name))]
    assert len(methods) > 300
    missing = _undocumented(methods)
    assert not missing, f"Tensor methods without a docstring: {', '.join(missing)}"


def test_the_check_sees_the_public_api():
    # the listing must cover what learners call, or the tests above pass vacuously
    assert {"zeros", "tensor", "Tensor", "no_grad", "FloatTensor"} <= {n for n, _ in _public(ember)}
    assert {"Linear", "ReLU", "Module", "CrossEntropyLoss"} <= {n for n, _ in _public(nn)}
    assert {"relu", "relu_", "cross_entropy"} <= {n for n, _ in _public(F)}
    assert {"SGD", "Adam"} <= {n for n, _ in _public(optim)}


def test_generated_docstrings_point_at_real_objects():
    assert F.relu.__doc__.splitlines()[0] in nn.ReLU.__doc__
    assert "In-place version of" in ember.Tensor.add_.__doc__
    assert "In-place version of" in F.elu_.__doc__ and "In-place version of" in ember.relu_.__doc__
    assert "float32" in ember.FloatTensor.__doc__ and "int64" in ember.LongTensor.__doc__
