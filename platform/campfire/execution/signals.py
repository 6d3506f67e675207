"""A kernel whose session row goes (its notebook or its user deleted) is shut down on the worker
at once, rather than holding a pool slot until idle culling; connected in apps.py."""

from django.db import transaction

from campfire.execution import logs
from campfire.execution.models import ACTIVE_STATES, KernelSession
from campfire.execution.services import kernel_retire


def _shutdown(key: str, device: str) -> None:
    kernel_retire(key, device)
    logs.info("kernel.shutdown_on_delete", session=key)


def shutdown_deleted_session(sender, instance: KernelSession, **kwargs) -> None:
    """pre_delete of a KernelSession (cascades included): its kernel goes once the delete commits."""
    if instance.state in ACTIVE_STATES:
        key, device = instance.key, instance.device
        transaction.on_commit(lambda: _shutdown(key, device))
