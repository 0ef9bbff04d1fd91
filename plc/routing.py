from django.urls import re_path

from plc.consumers import DiscussionConsumer

websocket_urlpatterns = [
    # At most 18 digits: no id beyond the database's 64-bit integers (anything else: 4404).
    re_path(r"^ws/plg/(?P<plg_id>[0-9]{1,18})/$", DiscussionConsumer.as_asgi()),
]
