"""``ember.utils``: ``ember.utils.data`` (datasets and loaders) and ``ember.utils.checkpoint``."""
from . import checkpoint, data  # noqa: F401
