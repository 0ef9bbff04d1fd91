"""``{% audit_sentences events as rows %}``: audit events with their sentences (``lernen25.audit``).

Each row is ``(event, sentence)``, the sentence in the active language; the names of the people
the events mention are read once for the whole list.
"""

from django import template

from lernen25 import audit

register = template.Library()


@register.simple_tag
def audit_sentences(events) -> list[tuple]:
    return audit.describe(events)
