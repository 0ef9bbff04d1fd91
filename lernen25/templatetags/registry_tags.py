"""``{% main_navigation as entries %}``: the navigation entries the installed apps registered.

Each entry has ``label``, ``url`` and ``current`` (``lernen25.registry.navigation``); the header
renders them, so the core's layout names no app's pages.
"""

from django import template

from lernen25 import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def main_navigation(context) -> list[registry.ShownEntry]:
    return registry.navigation.for_request(context.get("request"))
