from django.urls import path

from campfire.execution.consumers import NotebookEventsConsumer

websocket_urlpatterns = [
    path("ws/notebooks/<uuid:notebook_id>/", NotebookEventsConsumer.as_asgi()),
]
