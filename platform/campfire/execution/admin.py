from django.contrib import admin

from campfire.execution.models import Execution, KernelSession


@admin.register(KernelSession)
class KernelSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "notebook", "user", "state", "device", "worker", "updated")
    list_filter = ("state", "device")
    search_fields = ("id", "notebook__title", "user__username", "worker")
    list_select_related = ("notebook", "user")
    raw_id_fields = ("notebook", "user")
    readonly_fields = ("id", "created", "updated")


@admin.register(Execution)
class ExecutionAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "notebook", "cell_id", "user", "worker", "requested", "duration")
    list_filter = ("status", "kind")
    search_fields = ("id", "cell_id", "notebook__title", "user__username", "worker")
    list_select_related = ("notebook", "user")
    raw_id_fields = ("notebook", "session", "user")
    readonly_fields = ("id", "requested", "recorded", "outputs_stored")
