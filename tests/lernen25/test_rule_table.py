"""The rule table (``lernen25.permissions``): one message per rule, fail-closed, one registration."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from lernen25.errors import Refused
from lernen25.permissions import UnknownAction, allowed, registered_rules, require, rule


def test_every_rule_has_a_german_message():
    """A refused person reads why, in German (the catalog translates every rule's message)."""
    untranslated = []
    with translation.override("de"):
        for name, registered in registered_rules().items():
            message = registered.message
            if isinstance(message, str) or hasattr(message, "_proxy____cast"):
                german = str(message)
                with translation.override("en"):
                    english = str(message)
                if german == english:
                    untranslated.append(name)
    assert untranslated == []


def test_unknown_rules_raise_instead_of_answering_false(lehrkraft_a):
    with pytest.raises(UnknownAction):
        allowed(lehrkraft_a, "plc.frobnicate")
    with pytest.raises(UnknownAction):
        require(lehrkraft_a, "plc.frobnicate")


def test_a_rule_cannot_be_registered_twice():
    with pytest.raises(ImproperlyConfigured):
        rule("lernen25.view_people_school", lambda user: True, "x")


def test_a_message_can_name_the_object(schulleitung_b, school_a):
    with translation.override("de"), pytest.raises(Refused) as refused:
        require(schulleitung_b, "lernen25.decide_confirmation", school_a)
    assert school_a.name in str(refused.value.message)
