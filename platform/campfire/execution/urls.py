from django.urls import path

from campfire.execution import views

app_name = "execution"

urlpatterns = [
    path("", views.staff_overview, name="staff"),
]
