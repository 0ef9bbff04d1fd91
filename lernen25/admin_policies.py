"""Wagtail permission policies that decide per action, never per object.

Wagtail asks a policy four questions (an action, any of several actions, each with or without an
instance). Our admin listings decide by the action and the person only (read-only history, the
administrators' sign-on settings, the SMZ's barrier reports): a subclass answers
``user_has_permission`` and this class derives the other three from it.
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy


class ActionPolicy(ModelPermissionPolicy):
    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)
