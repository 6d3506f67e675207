from django.urls import path

from campfire.notebooks import views

app_name = "notebooks"

urlpatterns = [
    path("", views.notebook_list, name="list"),
    path("new/", views.notebook_create, name="create"),
    path("import/", views.notebook_import, name="import"),
    path("output-frame/", views.output_frame, name="output_frame"),
    path("<uuid:notebook_id>/", views.notebook_editor, name="editor"),
    path("<uuid:notebook_id>/settings/", views.notebook_settings, name="settings"),
    path("<uuid:notebook_id>/duplicate/", views.notebook_duplicate, name="duplicate"),
    path("<uuid:notebook_id>/fork/", views.notebook_fork, name="fork"),
    path("<uuid:notebook_id>/delete/", views.notebook_delete, name="delete"),
    path("<uuid:notebook_id>/kernel/shutdown/", views.notebook_kernel_shutdown, name="kernel_shutdown"),
]
