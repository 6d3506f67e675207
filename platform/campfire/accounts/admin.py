from django.contrib import admin

from campfire.accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "last_used")
    search_fields = ("name", "prefix", "user__username", "user__email")
    list_select_related = ("user",)
    # The hash is useless to an admin and should not be copied around.
    exclude = ("token_hash",)
    readonly_fields = ("user", "prefix", "created", "last_used")

    def has_add_permission(self, request):
        return False  # tokens are created by their owner (or `manage.py create_token`), shown once
