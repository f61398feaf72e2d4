from __future__ import annotations

from django.db.models import QuerySet

from sitroom.accounts.models import Organisation
from sitroom.audit.models import AuditEvent


def organisation_audit_events(
    organisation: Organisation, *, action: str = "", actor: str = ""
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(organisation=organisation)
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor_label__iexact=actor)
    return events.order_by("-at", "-id")
