"""Recording audit events. Services call ``record`` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

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
