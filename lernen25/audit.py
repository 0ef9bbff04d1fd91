"""Recording audit events, and saying them as sentences.

Services call ``record`` inside their transaction; the action is a dotted code
(``plc.membership.joined``) with the event's data as JSON. What people read (the PLG's change
log, the admin's audit log) is a sentence per code, rendered when it is read, in the reader's
language, from the actor, the target and the data ("Anna Beispiel ist der PLG beigetreten.").

Each app says its codes in its own ``audit_sentences.py`` (``register_sentence``), as the
notification kinds do; the modules are found among the installed apps on first use, so the core
names no app. A code nobody registered is said neutrally ("… hat eine Änderung vorgenommen."),
never as the raw code: ``tests/lernen25/test_audit_sentences.py`` fails for a code recorded
anywhere in the code without a sentence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lernen25.models import AuditEvent


def record(action: str, *, actor=None, target: models.Model | None = None, **data: Any) -> AuditEvent:
    """Write one audit event with a dotted action name, e.g. ``plc.membership.accepted``."""
    if action.count(".") < 2:
        raise ValueError(f"Audit action names are dotted app.object.verb, not {action!r}.")
    event = AuditEvent(action=action, actor=actor if actor and actor.is_authenticated else None, data=data)
    if target is not None:
        event.target_type = ContentType.objects.get_for_model(target)
        event.target_id = str(target.pk)
        event.target_repr = str(target)[:255]
    event.save()
    return event


# --- Sentences ------------------------------------------------------------------------------

SOMEONE = _("Someone")  # the actor when there is none any more (a deleted account) or never was
# A person inside a sentence whose account is gone ("… einen Beitrag von jemand ausgeblendet").
SOMEBODY = pgettext_lazy("audit: a person no longer known, inside a sentence", "someone")
NEUTRAL = _("%(actor)s made a change.")
NEUTRAL_WITH_TARGET = _("%(actor)s changed “%(target)s”.")


@dataclass(frozen=True)
class Sentence:
    """How one audit action reads.

    ``text`` is a lazy msgid formatted with the event's data and ``actor`` (a name), ``target``
    (the target's name when it was recorded) and ``person``; or a function of those parameters.
    ``people``: data keys holding a user's primary key, replaced by the person's name.
    ``target_person``: the target's field holding a user's key (``"user_id"`` of a join
    request); that person's name becomes ``person``.
    """

    action: str
    text: Promise | Callable[[Mapping], str]
    people: tuple[str, ...] = ("user",)
    target_person: str | None = None


_SENTENCES: dict[str, Sentence] = {}
_discovered = False


def register_sentence(action: str, text, *, people: tuple[str, ...] = ("user",), target_person: str | None = None):
    """Say ``action`` with ``text`` (see ``Sentence``). Registering a code twice is a mistake."""
    sentence = Sentence(action, text, people, target_person)
    existing = _SENTENCES.get(action)
    if existing is not None and existing != sentence:
        raise ImproperlyConfigured(f"The audit action {action!r} has a sentence already.")
    _SENTENCES[action] = sentence
    return sentence


def registered_sentences() -> dict[str, Sentence]:
    """Every registered sentence by action code, after loading each installed app's module."""
    global _discovered
    if not _discovered:
        autodiscover_modules("audit_sentences")
        _discovered = True
    return dict(_SENTENCES)


def choice_label(choices, value) -> str:
    """The translated label of a choice, for text functions; the stored value if the choice is gone."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _value(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


class _Names:
    """The names an event list needs, read with one query for people and one per target type."""

    def __init__(self, events: list[AuditEvent], sentences: Mapping[str, Sentence]) -> None:
        person_ids: set[int] = set()
        targets: dict[tuple[int, str], list[str]] = defaultdict(list)  # (type, field) -> target ids
        for event in events:
            if event.actor_id:
                person_ids.add(event.actor_id)
            sentence = sentences.get(event.action)
            if sentence is None:
                continue
            person_ids.update(_ids(event.data.get(key) for key in sentence.people))
            if sentence.target_person and event.target_type_id and event.target_id:
                targets[(event.target_type_id, sentence.target_person)].append(event.target_id)
        self.target_people: dict[tuple[int, str], int] = {}
        for (type_id, field), ids in targets.items():
            model = ContentType.objects.get_for_id(type_id).model_class()
            if model is None:  # the app is gone
                continue
            rows = model._base_manager.filter(pk__in=ids).values_list("pk", field)
            for pk, person in rows:
                self.target_people[(type_id, str(pk))] = person
                person_ids.update(_ids([person]))  # a key; a field such as an address is shown as it is
        users = get_user_model()._base_manager.filter(pk__in=person_ids).select_related("profile")
        self.people = {user.pk: user.display_name for user in users}

    def person(self, value) -> str:
        if isinstance(value, (list, tuple)):
            return ", ".join(self.person(item) for item in value)
        if isinstance(value, int) and not isinstance(value, bool):
            return self.people.get(value) or str(SOMEBODY)
        return _value(value)  # already a name or an address (older events, e-mail addresses)


def _ids(values: Iterable) -> set[int]:
    """The user keys among data values (a key, or a list of keys such as a new PLG's leads)."""
    ids: set[int] = set()
    for value in values:
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, int) and not isinstance(item, bool):
                ids.add(item)
    return ids


def _say(event: AuditEvent, sentence: Sentence | None, names: _Names) -> str:
    actor = names.people.get(event.actor_id) if event.actor_id else None
    params: dict[str, Any] = {key: _value(value) for key, value in (event.data or {}).items()}
    params["actor"] = actor or str(SOMEONE)
    params["has_actor"] = actor is not None
    params["target"] = event.target_repr
    if sentence is not None:
        for key in sentence.people:
            if key in (event.data or {}):
                params[key] = names.person(event.data[key])
        if sentence.target_person:
            person = names.target_people.get((event.target_type_id, event.target_id))
            params["person"] = names.person(person) if person is not None else str(SOMEBODY)
        params["data"] = event.data or {}  # the raw values, for text functions (labels of choices)
        try:
            if callable(sentence.text) and not isinstance(sentence.text, Promise):
                return str(sentence.text(params))
            return str(sentence.text) % params
        except (KeyError, ValueError, TypeError):
            pass  # an older event without a value the sentence needs: said neutrally below
    return str(NEUTRAL_WITH_TARGET if event.target_repr else NEUTRAL) % params


def describe(events: Iterable[AuditEvent]) -> list[tuple[AuditEvent, str]]:
    """Each event with its sentence in the active language, in the given order."""
    events = list(events)
    sentences = registered_sentences()
    names = _Names(events, sentences)
    return [(event, _say(event, sentences.get(event.action), names)) for event in events]


def sentence(event: AuditEvent) -> str:
    """One event's sentence (two or three queries: prefer ``describe`` for lists)."""
    return describe([event])[0][1]
