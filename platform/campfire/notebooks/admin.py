from django.contrib import admin

from campfire.notebooks.models import CellOutput, Notebook


class CellOutputInline(admin.TabularInline):
    model = CellOutput
    extra = 0
    fields = ("cell_id", "execution_count", "updated")
    readonly_fields = fields
    can_delete = True


@admin.register(Notebook)
class NotebookAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "visibility", "version", "updated", "created")
    list_filter = ("visibility",)
    search_fields = ("title", "owner__username", "id")
    list_select_related = ("owner",)
    raw_id_fields = ("owner", "forked_from")
    readonly_fields = ("id", "version", "created")
    inlines = [CellOutputInline]


@admin.register(CellOutput)
class CellOutputAdmin(admin.ModelAdmin):
    list_display = ("notebook", "cell_id", "execution_count", "updated")
    search_fields = ("cell_id", "notebook__title", "notebook__owner__username")
    raw_id_fields = ("notebook",)
