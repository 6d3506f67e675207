import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private"
    UNLISTED = "unlisted", "Unlisted (anyone with the link)"
    PUBLIC = "public", "Public"


class Notebook(models.Model):
    """A notebook's content: nbformat 4.5 cells without their outputs.

    `cells` holds `{"id", "cell_type", "source", "metadata", "attachments"?}` in order. Every
    content change increments `version` with a conditional UPDATE (optimistic concurrency).
    Outputs live in CellOutput so that the execution path can store them without touching
    `version`: autosave never conflicts with outputs arriving.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notebooks")
    title = models.CharField(max_length=200)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    version = models.PositiveIntegerField(default=1)
    metadata = models.JSONField(default=dict, blank=True)
    cells = models.JSONField(default=list, blank=True)
    forked_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="forks")
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated"]
        indexes = [models.Index(fields=["owner", "-updated"], name="notebook_owner_updated")]

    def __str__(self):
        return self.title


class CellOutput(models.Model):
    """The stored outputs (nbformat v4 output dicts) and execution count of one code cell."""

    notebook = models.ForeignKey(Notebook, on_delete=models.CASCADE, related_name="cell_outputs")
    cell_id = models.CharField(max_length=64)
    outputs = models.JSONField(default=list, blank=True)
    # {display id: [indexes into outputs]}: where a later cell's update_display_data lands
    displays = models.JSONField(default=dict, blank=True)
    execution_count = models.PositiveIntegerField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notebook", "cell_id"], name="cell_output_unique_cell")]

    def __str__(self):
        return f"{self.notebook_id}/{self.cell_id}"
