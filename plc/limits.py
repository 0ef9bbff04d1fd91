"""How often one person may do the discussion's costly things (``lernen25.limits``).

Consumed in the services, so the no-JavaScript forms and the WebSocket share one budget per person.
"""

from django.utils.translation import gettext_lazy as _

from lernen25.limits import limit

WRITE = limit(
    "plc.write",  # posts, new topics and edits, over HTTP and the socket together
    20,
    30,
    _("You are writing very fast; please wait %(seconds)d seconds."),
)
MODERATE = limit(
    "plc.moderate",  # deleting, hiding and showing messages again
    60,
    60,
    _("Too many changes in a short time; please wait %(seconds)d seconds."),
)
CATCH_UP = limit(
    "plc.catch_up",  # a reconnecting client's request for what it missed
    12,
    60,
    _("Too many catch-up requests; please wait %(seconds)d seconds."),
)
READ_POSITION = limit(
    "plc.read_position",  # "read up to here" frames, each a database write
    120,
    60,
    _("Too many read markers; please wait %(seconds)d seconds."),
)
CONNECT = limit(
    "plc.connect",  # opening a discussion socket (handshakes, also reconnects)
    30,
    60,
    _("Too many connections in a short time; please wait %(seconds)d seconds."),
)
