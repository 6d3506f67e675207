"""Tutorials, their versions and exercises (loaded by `manage.py sync_tutorials`), learners'
copies, and what learners did with the exercises.

Everything on `Tutorial` and `TutorialVersion` is public. The hidden parts of an exercise (check
code, solution, hints) live on `Exercise` only and leave the server through the exercise API alone,
when the rules allow (hints one by one, the solution per the tutorial's policy; never the check).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class RevealPolicy(models.TextChoices):
    AFTER_ATTEMPT = "after_attempt", "After an attempt"
    ALWAYS = "always", "Always"
    NEVER = "never", "Never"


class Tutorial(models.Model):
    """A tutorial's catalog entry, as of its current version (the last one synced)."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    level = models.CharField(max_length=12, choices=Level.choices)
    minutes = models.PositiveIntegerField()
    tags = models.JSONField(default=list)
    prerequisites = models.JSONField(default=list, help_text="Slugs of the tutorials to take first.")
    order = models.PositiveIntegerField()
    reveal_solution = models.CharField(max_length=14, choices=RevealPolicy.choices, default=RevealPolicy.AFTER_ATTEMPT)
    current = models.ForeignKey("TutorialVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published = models.BooleanField(default=True, help_text="Listed in the catalog and open to new learners.")
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self):
        return self.title


class TutorialVersion(models.Model):
    """One loaded content of a tutorial. Never deleted by a sync: learners' copies point here."""

    tutorial = models.ForeignKey(Tutorial, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="metadata.campfire.tutorial.version of the file")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the notebook's canonical JSON")
    filename = models.CharField(max_length=200)
    metadata = models.JSONField(default=dict, help_text="Public notebook metadata")
    cells = models.JSONField(default=list, help_text="Public cells with the reference outputs (no hidden data)")
    code_cells = models.JSONField(default=list, help_text="Ids of the code cells (progress counts them)")
    loaded = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["tutorial", "-number"]
        constraints = [models.UniqueConstraint(fields=["tutorial", "number"], name="tutorial_version_unique_number")]

    def __str__(self):
        return f"{self.tutorial.slug} v{self.number}"


class Exercise(models.Model):
    """An exercise of one version. `check_source`, `solution` and `hints` are hidden (see the module)."""

    version = models.ForeignKey(TutorialVersion, on_delete=models.CASCADE, related_name="exercises")
    exercise_id = models.CharField(max_length=100)
    cell_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField()
    hints = models.JSONField(default=list)
    solution = models.TextField()
    check_source = models.TextField(help_text="The hidden check code (Model.check is taken)")

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "exercise_id"], name="exercise_unique_id")]

    def __str__(self):
        return f"{self.version} {self.exercise_id}"


class TutorialCopy(models.Model):
    """A learner's own notebook made from one tutorial version ("Start"; "Update" makes another)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tutorial_copies")
    version = models.ForeignKey(TutorialVersion, on_delete=models.PROTECT, related_name="copies")
    notebook = models.OneToOneField("notebooks.Notebook", on_delete=models.CASCADE, related_name="tutorial_copy")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["learner", "-created"], name="tutorial_copy_learner")]
        verbose_name_plural = "tutorial copies"

    def __str__(self):
        return f"{self.learner} · {self.version}"


class ExerciseState(models.Model):
    """One learner's standing on one exercise: hints revealed, solved, solution revealed."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_states")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="states")
    hints_revealed = models.PositiveIntegerField(default=0)
    solved = models.DateTimeField(null=True, blank=True, help_text="The first passing attempt")
    solution_revealed = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "exercise"], name="exercise_state_unique")]

    def __str__(self):
        return f"{self.learner} · {self.exercise}"


class AttemptStatus(models.TextChoices):
    PENDING = "pending", "Checking"
    PASS = "pass", "Passed"
    FAIL = "fail", "Not yet"
    ERROR = "error", "Checker error"


GRADED_STATUSES = (AttemptStatus.PASS, AttemptStatus.FAIL, AttemptStatus.ERROR)


class ExerciseAttempt(models.Model):
    """One "Check": the exercise cell's run, then the hidden check run after it in the learner's
    kernel; graded when the check execution's record is stored (grading.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_attempts")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="attempts")
    copy = models.ForeignKey(TutorialCopy, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts")
    status = models.CharField(max_length=8, choices=AttemptStatus.choices, default=AttemptStatus.PENDING)
    message = models.TextField(blank=True)
    code = models.TextField(blank=True, help_text="The exercise cell's code that was checked")
    run_execution = models.OneToOneField("execution.Execution", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    check_execution = models.OneToOneField("execution.Execution", null=True, blank=True, on_delete=models.SET_NULL, related_name="exercise_attempt")
    created = models.DateTimeField(default=timezone.now, editable=False)
    graded = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["learner", "exercise", "-created"], name="attempt_learner_exercise")]

    def __str__(self):
        return f"{self.learner} · {self.exercise} · {self.status}"
