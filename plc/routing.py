from django.urls import path

from plc.consumers import DiscussionConsumer

websocket_urlpatterns = [
    path("ws/plg/<int:plg_id>/", DiscussionConsumer.as_asgi()),
]
