"""ember's ops, one module per family; ``ember/_methods.py`` binds them to ``Tensor``.

Writing an op: a forward function computing on ``t._array`` and a ``Node`` subclass with
``backward`` (see ``ember/autograd/node.py`` for the conventions).
"""
