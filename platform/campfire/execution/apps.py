from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "campfire.execution"
    label = "execution"
    verbose_name = "Live execution"
