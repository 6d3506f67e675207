from django.urls import path

from campfire.tutorials import views

app_name = "tutorials"

urlpatterns = [
    path("tutorials/", views.catalog, name="catalog"),
    path("tutorials/copies/<uuid:notebook_id>/reset/", views.reset, name="reset"),
    path("tutorials/<slug:slug>/", views.detail, name="detail"),
    path("tutorials/<slug:slug>/start/", views.start, name="start"),
    path("learning/", views.learning, name="learning"),
]
