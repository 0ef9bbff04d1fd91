"""How the audit actions of school sign-ons read (``lernen25.audit.register_sentence``)."""

from django.utils.translation import gettext_lazy as _

from lernen25.audit import register_sentence

register_sentence("sso.signon.created", _("%(actor)s added the school sign-on “%(target)s”."))
register_sentence("sso.signon.changed", _("%(actor)s changed the school sign-on “%(target)s” (%(fields)s)."))
register_sentence("sso.signon.deleted", _("%(actor)s deleted the school sign-on “%(target)s”."))
