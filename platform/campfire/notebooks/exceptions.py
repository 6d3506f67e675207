"""Errors the notebook services raise; the API and views map them to HTTP answers."""


class VersionConflict(Exception):
    """A save based on a stale version. `current` is the newer notebook (a model instance)."""

    def __init__(self, current):
        super().__init__("the notebook was changed elsewhere; your version is stale")
        self.current = current


class NotebookImportError(ValueError):
    """An uploaded file that is not an importable notebook; the message says why."""
