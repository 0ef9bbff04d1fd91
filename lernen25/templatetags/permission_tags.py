"""``{% allowed "plc.delete_file" plg_file as may_delete %}``: a template asks the rule table.

Templates never decide who may do what; they read the answer of the same predicate the service
requires (``lernen25.permissions.allowed``). The person is the request's user unless ``user=`` is
given (the discussion partial passes its ``viewer``; without one the answer is False).
"""

from django import template

from lernen25.permissions import allowed as rule_allows

register = template.Library()

_NO_USER = object()


@register.simple_tag(takes_context=True)
def allowed(context, name: str, obj=None, user=_NO_USER) -> bool:
    if user is _NO_USER:
        request = context.get("request")
        user = getattr(request, "user", None)
    if user is None:
        return False
    return rule_allows(user, name, obj)
