"""How the audit actions of the legal pages read (``lernen25.audit.register_sentence``).

A barrier report sent signed out has no actor: it reads "Someone reported …".
"""

from django.utils.translation import gettext_lazy as _

from lernen25.audit import register_sentence

register_sentence("legal.barrier_report.created", _("%(actor)s reported a barrier: “%(target)s”."))
