from django.conf import settings
from django.db import models

# Roles are groups; a data migration creates them and sign-up puts new users in LEARNER.
LEARNER, INSTRUCTOR, MODERATOR = "learner", "instructor", "moderator"
ROLES = (LEARNER, INSTRUCTOR, MODERATOR)

TOKEN_PREFIX = "cf_"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored: the token is shown once, at creation.

    A plain hash is right here (not a password hash): tokens are 256-bit random strings, so
    there is nothing to brute-force, and the lookup must be one indexed query per request.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The token's first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
