from django.contrib import admin
from django.urls import include, path

from campfire import views
from campfire.api import api

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("campfire.accounts.urls")),
    path("notebooks/", include("campfire.notebooks.urls")),
    path("staff/execution/", include("campfire.execution.urls")),
    path("", include("campfire.tutorials.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
