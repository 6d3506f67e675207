from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "campfire.execution"
    label = "execution"
    verbose_name = "Live execution"

    def ready(self):
        from django.db.models.signals import pre_delete

        from campfire.execution.models import KernelSession
        from campfire.execution.signals import shutdown_deleted_session

        pre_delete.connect(shutdown_deleted_session, sender=KernelSession, dispatch_uid="execution.shutdown_deleted_session")
