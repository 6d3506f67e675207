from django.apps import AppConfig


class TutorialsConfig(AppConfig):
    name = "campfire.tutorials"
    label = "tutorials"
    verbose_name = "Tutorials"

    def ready(self):
        # Check executions are graded when their record is stored (execution/services.py).
        from campfire.execution.models import Kind
        from campfire.execution.services import record_hook_register
        from campfire.tutorials.grading import check_recorded

        record_hook_register(kind=Kind.CHECK, hook=check_recorded)
