from django.apps import AppConfig


class NotebooksConfig(AppConfig):
    name = "campfire.notebooks"
    label = "notebooks"
