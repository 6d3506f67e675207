from django.urls import path

from campfire.execution.consumers import NotebookEventsConsumer, RunEventsConsumer

websocket_urlpatterns = [
    path("ws/notebooks/<uuid:notebook_id>/", NotebookEventsConsumer.as_asgi()),
    path("ws/runs/<uuid:execution_id>/", RunEventsConsumer.as_asgi()),
]
