"""Writing the audit log. Call audit_record inside the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

from sitroom.audit.context import current_actor
from sitroom.audit.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-able dict of a model's concrete fields (FKs as ids) for before/after."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _jsonable(getattr(instance, name)) for name in names}


def audit_record(
    *,
    action: str,
    obj: models.Model | None = None,
    organisation: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_user: Any = None,
) -> AuditEvent:
    actor = current_actor()
    user_id = actor_user.pk if actor_user is not None else actor.user_id
    label = actor_user.get_username() if actor_user is not None else actor.label
    changed_before, changed_after = before, after
    if before is not None and after is not None:
        # Keep only what changed, so the log reads as a diff.
        keys = [k for k in after if before.get(k) != after.get(k)]
        changed_before = {k: before.get(k) for k in keys}
        changed_after = {k: after.get(k) for k in keys}
    return AuditEvent.objects.create(
        actor_id=user_id,
        actor_label=label or actor.channel or "system",
        organisation_id=getattr(organisation, "pk", organisation),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_jsonable(changed_before),
        after=_jsonable(changed_after),
        ip_hash=actor.ip_hash,
        channel=actor.channel,
    )
